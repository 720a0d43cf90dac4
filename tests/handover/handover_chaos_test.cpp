// Chaos: the staged handover (docs/handover.md) of more than 200 MB between a real seller
// (`baton push`) and a real buyer (`baton serve`) while it is interrupted again and again —
//
//  (a) the seller's push or the buyer's serve, chosen at random, is killed with SIGKILL at a
//      random moment (0.3–2 s apart) and restarted at once, at least 20 times; the serve always
//      listens on the same port, the push reconnects with a short backoff;
//  (b) baton-fault-proxy between the two resets every connection after a random budget of
//      1–30 MB, at least 20 times.
//
// Either way the buyer must end with exactly what the seller sent: every set's export equal
// byte for byte, every chunk of every stage stored exactly once (and equal to the seller's), both
// databases intact, both audit chains verified, and the seller's count of bytes sent again no more
// than one window (W = 8 chunks of chunk_size + 16 bytes) per interruption.
//
// The random choices come from one seed, printed first; BATON_CHAOS_SEED=S replays them (the
// timing of the kills relative to the transfer still varies). On a failure the logs of every
// process and both status reports are copied to $TMPDIR/baton-chaos-<case>-<seed>/.
#define CATCH_CONFIG_EXTERNAL_INTERFACES  // Catch::TestEventListenerBase, for FailureCounter
#include <catch2/catch.hpp>

#include <cstdio>
#include <exception>
#include <map>
#include <random>

#include "tests/handover/handover_world.h"

using namespace baton::handover_testing;

namespace {

// About 400 MB in stage 1 (385 chunks in all): 11,500 customers, 70% of them with a remark of
// 50,000 bytes. More than the 200 MB asked for, for the proxy test: its cuts come every 15.5 MB on
// average, so 20 of them need some 310 MB of traffic (standard deviation 38 MB).
const Sample kSample{.customers = 11500, .transactions_per_customer = 1, .seed = 11, .canary = "", .remark_bytes = 50000};
constexpr uint64_t kMinTransferBytes = 200'000'000;
constexpr int kMinKills = 20;       // (a)
constexpr int kMaxKills = 32;       // (a): then the transfer may finish
constexpr uint64_t kMinCuts = 20;   // (b)
constexpr uint64_t kWindow = 8;     // W, docs/handover.md
constexpr uint64_t kTagBytes = 16;  // Poly1305 tag on every chunk
const std::vector<std::string> kPushOptions{"--json", "--max-backoff", "0.5", "--retry-for", "120"};

// printf to stdout, one line, flushed (run the test binary with -s or look at the CTest log).
#define SAY(...) (std::printf(__VA_ARGS__), std::printf("\n"), std::fflush(stdout))

void timing(const std::string& what, double seconds) { SAY("[timing] %-60s %7.2f s", what.c_str(), seconds); }

uint64_t chaos_seed() {
    if (const char* s = std::getenv("BATON_CHAOS_SEED"); s && *s) return std::strtoull(s, nullptr, 10);
    return std::random_device{}();
}

// Failed assertions so far (every CHECK and REQUIRE, in the harness too), for Evidence.
int& failed_assertions() {
    static int n = 0;
    return n;
}

struct FailureCounter : Catch::TestEventListenerBase {
    using TestEventListenerBase::TestEventListenerBase;
    bool assertionEnded(const Catch::AssertionStats& stats) override {
        if (!stats.assertionResult.isOk()) ++failed_assertions();
        return true;
    }
};
CATCH_REGISTER_LISTENER(FailureCounter)

// When the test case fails (an assertion failed since construction, or an exception is on its
// way out), copies every process's output and both status reports out of the sandbox, which is
// deleted with the world, to $TMPDIR/<name>.
class Evidence {
public:
    Evidence(const HandoverWorld& w, std::string name) : w_(w), name_(std::move(name)), failed_before_(failed_assertions()) {}
    ~Evidence() {
        if (failed_assertions() == failed_before_ && std::uncaught_exceptions() == 0) return;
        const auto dir = std::filesystem::temp_directory_path() / name_;
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        for (const auto& e : std::filesystem::directory_iterator(w_.sb.path(""), ec)) {
            const auto ext = e.path().extension();
            if (e.is_regular_file() && (ext == ".out" || ext == ".err"))
                std::filesystem::copy_file(e.path(), dir / e.path().filename(),
                                           std::filesystem::copy_options::overwrite_existing, ec);
        }
        for (const std::string party : {"seller", "buyer"}) {
            const Run r = w_.run(party, {"--json", "status", "--deal", w_.deal});
            std::ofstream((dir / (party + "-status.json")).string()) << r.out << r.err;
        }
        std::printf("[chaos] evidence kept in %s\n", dir.c_str());
        std::fflush(stdout);
    }
    Evidence(const Evidence&) = delete;
    Evidence& operator=(const Evidence&) = delete;

private:
    const HandoverWorld& w_;
    std::string name_;
    int failed_before_;
};

// Rows of `sql` on the database at `path` (every column as text).
std::vector<std::vector<std::string>> query(const std::string& path, const std::string& sql,
                                            const std::vector<std::string>& attach = {}) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    for (size_t i = 0; i < attach.size(); ++i) {
        const std::string a = "ATTACH DATABASE '" + attach[i] + "' AS other" + std::to_string(i);
        REQUIRE(sqlite3_exec(db, a.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    }
    sqlite3_stmt* st = nullptr;
    const int prc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
    INFO(sql << ": " << sqlite3_errmsg(db));
    REQUIRE(prc == SQLITE_OK);
    std::vector<std::vector<std::string>> rows;
    int rc = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        std::vector<std::string> row;
        for (int i = 0; i < sqlite3_column_count(st); ++i) {
            const auto* t = sqlite3_column_text(st, i);
            row.emplace_back(t ? reinterpret_cast<const char*>(t) : "NULL");
        }
        rows.push_back(std::move(row));
    }
    const std::string err = sqlite3_errmsg(db);
    sqlite3_finalize(st);
    sqlite3_close(db);
    INFO(sql << ": " << err);
    REQUIRE(rc == SQLITE_DONE);
    return rows;
}

std::string db_of(const HandoverWorld& w, const std::string& party) { return w.sb.home(party) + "/baton.db"; }

// Where the seller is: the stage in progress (the first one not accepted; kStages.size() when
// all are; -1 when unknown), as "name state held/total", and the chunks the buyer acknowledged
// over all stages. Read from the seller's database directly (read-only, a few milliseconds)
// rather than with `baton status`, so that it can be polled every 20 ms; unknown while the
// database is busy.
struct Progress {
    int stage = -1;
    std::string text = "progress unknown";
    std::optional<uint64_t> held;
};

Progress seller_progress(const HandoverWorld& w) {
    Progress p;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(db_of(w, "seller").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        return p;
    }
    sqlite3_busy_timeout(db, 200);
    sqlite3_stmt* st = nullptr;
    const std::string sql = "SELECT name, state, chunks_held, chunk_count FROM handover_stages WHERE deal = ? "
                            "ORDER BY stage_number";
    uint64_t held = 0;
    size_t rows = 0;
    int current = -1;
    std::string text = "all accepted";
    int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 1, w.deal.c_str(), -1, SQLITE_TRANSIENT);
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) break;
        const std::string state = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
        held += static_cast<uint64_t>(sqlite3_column_int64(st, 2));
        if (current < 0 && state != "accepted") {
            current = static_cast<int>(rows);
            text = std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) + " " + state + " " +
                   std::to_string(sqlite3_column_int64(st, 2)) + "/" + std::to_string(sqlite3_column_int64(st, 3));
        }
        ++rows;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (rc != SQLITE_DONE || rows != kStages.size()) return p;
    p.stage = current < 0 ? static_cast<int>(rows) : current;
    p.text = text;
    p.held = held;
    return p;
}

// `baton serve` as the buyer on 127.0.0.1:port, once it says it listens. A restart right after
// a SIGKILL may find the port still held for a moment: it tries again (the failures are returned
// in `trouble`).
std::unique_ptr<Proc> serve_on(const HandoverWorld& w, uint16_t port, std::vector<std::string>& trouble) {
    for (int attempt = 1; attempt <= 20; ++attempt) {
        auto p = std::make_unique<Proc>(w.sb, "serve", std::vector<std::string>{BATON_BIN, "--home", w.sb.home("buyer"),
                                                                                "serve", "--listen",
                                                                                "127.0.0.1:" + std::to_string(port)});
        const bool up = eventually([&] { return p->out().find("listening on") != std::string::npos || !p->running(); }, 30s);
        if (up && p->running()) return p;
        trouble.push_back("serve start attempt " + std::to_string(attempt) + " failed:\n" + p->describe());
        (void)p->kill(SIGKILL);
        std::this_thread::sleep_for(250ms);
    }
    FAIL("the buyer's serve does not start on port " << port << ":\n" << trouble.back());
    return nullptr;
}

// Generated data, imported; the plan; every stage prepared up front, so that the chaos hits the
// transfer and not the preparation. Returns the chunk size.
uint64_t set_up(HandoverWorld& w, const Sample& data) {
    auto t0 = SteadyClock::now();
    const auto sample = w.generate(data);
    timing("generate " + std::to_string(sample["records"].get<uint64_t>()) + " records", seconds_since(t0));
    t0 = SteadyClock::now();
    w.import_all();
    timing("import on the seller", seconds_since(t0));
    w.create_plan();
    t0 = SteadyClock::now();
    const Run prep = w.ok("seller", {"--json", "prepare", "--deal", w.deal, "--all"});
    timing("prepare every stage", seconds_since(t0));
    uint64_t chunk_size = 0;
    std::istringstream in(prep.out);
    for (std::string line; std::getline(in, line);) {
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_object() && j.value("event", "") == "stage.prepared")
            chunk_size = std::max<uint64_t>(chunk_size, j.value("chunk_size", 0u));
    }
    INFO(prep.out);
    REQUIRE(chunk_size > 0);
    uint64_t bytes = 0, chunks = 0;
    const auto status = w.status("seller");
    for (const auto& s : status["stages"]) {
        REQUIRE(s["state"] == "prepared");
        bytes += s["bytes"].get<uint64_t>();
        chunks += s["chunks_total"].get<uint64_t>();
    }
    SAY("[chaos] %llu bytes in %llu chunks of %llu bytes to hand over", static_cast<unsigned long long>(bytes),
        static_cast<unsigned long long>(chunks), static_cast<unsigned long long>(chunk_size));
    REQUIRE(bytes >= kMinTransferBytes);
    return chunk_size;
}

struct Outcome {
    uint64_t bytes_resent = 0, resumes = 0, chunks = 0, bytes = 0;
    std::vector<uint64_t> resent_per_stage;
};

// Everything that must hold once the push has ended with 0 and the serve is stopped.
Outcome check_after(const HandoverWorld& w) {
    Outcome o;
    const auto seller = w.status("seller"), buyer = w.status("buyer");
    INFO("seller status:\n" << seller.dump(2) << "\nbuyer status:\n" << buyer.dump(2));
    REQUIRE(seller["stages"].size() == kStages.size());
    REQUIRE(buyer["stages"].size() == kStages.size());
    for (size_t i = 0; i < kStages.size(); ++i) {
        const auto &s = seller["stages"][i], &b = buyer["stages"][i];
        INFO("stage " << s["name"]);
        for (const auto* party : {&s, &b}) {
            CHECK((*party)["state"] == "accepted");
            CHECK(has_receipts(*party, {"delivered", "verified", "accepted"}));
            CHECK((*party)["chunks_held"] == (*party)["chunks_total"]);
            CHECK((*party)["reason"].is_null());
        }
        CHECK(b["chunks_total"] == s["chunks_total"]);
        CHECK(b["bytes"] == s["bytes"]);
        o.chunks += s["chunks_total"].get<uint64_t>();
        o.bytes += s["bytes"].get<uint64_t>();
        o.resent_per_stage.push_back(s["bytes_resent"].get<uint64_t>());
        o.bytes_resent += s["bytes_resent"].get<uint64_t>();
        o.resumes += s["resumes"].get<uint64_t>();
    }

    // Every chunk once on the buyer: as many rows as distinct places, indexes 0..n-1, and each
    // ciphertext equal to the seller's.
    const std::string bdb = db_of(w, "buyer"), sdb = db_of(w, "seller");
    for (size_t i = 0; i < kStages.size(); ++i) {
        const std::string n = std::to_string(buyer["stages"][i]["chunks_total"].get<uint64_t>());
        const std::string where = " WHERE deal = '" + w.deal + "' AND stage_number = " + std::to_string(i);
        const auto rows = query(bdb, "SELECT count(*), count(DISTINCT idx), min(idx), max(idx) FROM handover_chunks" + where);
        INFO("buyer's chunks of stage " << kStages[i] << ": count, distinct, min, max = " << rows[0][0] << ", "
                                        << rows[0][1] << ", " << rows[0][2] << ", " << rows[0][3] << "; chunk_count " << n);
        CHECK(rows[0][0] == n);
        CHECK(rows[0][1] == n);
        CHECK(rows[0][2] == "0");
        CHECK(rows[0][3] == std::to_string(std::stoull(n) - 1));
        const auto same = query(bdb,
                                "SELECT count(*) FROM handover_chunks b JOIN other0.handover_chunks s ON b.deal = s.deal AND "
                                "b.stage_number = s.stage_number AND b.idx = s.idx AND b.ciphertext = s.ciphertext "
                                "WHERE b.deal = '" + w.deal + "' AND b.stage_number = " + std::to_string(i),
                                {sdb});
        INFO("chunks equal to the seller's: " << same[0][0]);
        CHECK(same[0][0] == n);
    }
    for (const auto& db : {bdb, sdb}) {
        const auto rows = query(db, "PRAGMA integrity_check");
        INFO(db << ": integrity_check says " << rows[0][0]);
        CHECK(rows.size() == 1);
        CHECK(rows[0][0] == "ok");
    }
    for (const std::string party : {"seller", "buyer"}) {
        const Run r = w.run(party, {"audit", "--verify"});
        INFO(describe(w.as(party, {"audit", "--verify"}), r));
        CHECK(r.code == 0);
    }
    return o;
}

}  // namespace

TEST_CASE("chaos: SIGKILL of the seller or the buyer 20+ times during a 200+ MB handover", "[handover][chaos]") {
    const uint64_t seed = chaos_seed();
    SAY("[chaos] kill test: seed %llu (BATON_CHAOS_SEED=%llu replays the choices)", static_cast<unsigned long long>(seed),
        static_cast<unsigned long long>(seed));
    std::mt19937_64 rng(seed);
    HandoverWorld w("D-CHAOS-KILL");
    Evidence evidence(w, "baton-chaos-kill-" + std::to_string(seed));
    const auto t_start = SteadyClock::now();
    const uint64_t chunk_size = set_up(w, kSample);

    std::vector<std::string> trouble;  // processes that ended or failed to start on their own
    std::vector<std::unique_ptr<Proc>> dead;  // killed processes, kept for their logs
    const uint16_t port = free_port();
    const std::string address = "127.0.0.1:" + std::to_string(port);
    auto serve = serve_on(w, port, trouble);
    auto push = w.push_in_background(address, kPushOptions);

    // The pause before each kill: a random 0.3-2 s, cut short (after at least 0.15 s) once the
    // buyer holds a random 1..2m more chunks than at the kill before, m being the chunks to move
    // over 36 kills. So however fast this machine moves the data, the kills spread over the
    // whole delivery instead of missing most of it (here, with the 0.15 s floor, about 14 chunks
    // per kill: 20 kills before the last chunk in all but a tiny share of runs), and never come
    // faster than 0.3 s unless data moved in between. The kills after the
    // last chunk hit the buyer's check and acceptance and the small stages, until kMaxKills.
    uint64_t total_chunks = 0;
    {
        const auto st = w.status("seller");
        for (const auto& s : st["stages"]) total_chunks += s["chunks_total"].get<uint64_t>();
    }
    REQUIRE(total_chunks > 0);
    std::uniform_int_distribution<int> pause_ms(300, 2000);
    std::uniform_int_distribution<uint64_t> step_chunks(1, std::max<uint64_t>(1, 2 * total_chunks / 36));
    std::bernoulli_distribution pick_seller(0.5);
    int kills = 0, seller_kills = 0, buyer_kills = 0;
    std::vector<int> kills_at(kStages.size() + 1, 0);  // by the stage in progress just before; last: unknown
    std::optional<int> push_code;
    uint64_t held_before = 0;  // acknowledged at the last kill
    const auto t0 = SteadyClock::now();
    while (kills < kMaxKills) {
        const auto pause = std::chrono::milliseconds(pause_ms(rng));
        const uint64_t step = step_chunks(rng);
        const bool seller = pick_seller(rng);
        const auto started = SteadyClock::now();
        Progress now;
        while (push->running() && SteadyClock::now() - started < pause) {
            if (SteadyClock::now() - started >= 150ms) {
                now = seller_progress(w);
                if (now.held && *now.held >= held_before + step) break;
            }
            std::this_thread::sleep_for(20ms);
        }
        if (!push->running()) {
            push_code = push->wait(0ms);
            if (push_code == 0) break;
            // The push gave up on its own: that is a finding. Restart it to see the rest.
            trouble.push_back("push ended on its own with " + std::to_string(push_code.value_or(-1)) + ":\n" +
                              push->describe());
            dead.push_back(std::move(push));
            push = w.push_in_background(address, kPushOptions);
            push_code.reset();
            continue;
        }
        const double waited = seconds_since(started);
        if (!now.held) now = seller_progress(w);
        const size_t slot = now.stage < 0 ? kStages.size() : std::min(static_cast<size_t>(now.stage), kStages.size());
        if (seller) {
            const auto code = push->kill(SIGKILL);
            if (code == 0) {  // it finished just before the kill
                push_code = 0;
                break;
            }
            if (code != 128 + SIGKILL)
                trouble.push_back("push ended on its own with " + std::to_string(code.value_or(-1)) + ":\n" + push->describe());
            dead.push_back(std::move(push));
            push = w.push_in_background(address, kPushOptions);
            ++seller_kills;
        } else {
            const auto code = serve->kill(SIGKILL);
            if (code != 128 + SIGKILL)
                trouble.push_back("serve ended on its own with " + std::to_string(code.value_or(-1)) + ":\n" + serve->describe());
            dead.push_back(std::move(serve));
            serve = serve_on(w, port, trouble);
            ++buyer_kills;
        }
        ++kills;
        ++kills_at[slot];
        if (now.held) held_before = *now.held;
        SAY("[chaos] kill %2d at %6.2f s after %.2f s: %-6s (before: %s)", kills, seconds_since(t0), waited,
            seller ? "seller" : "buyer", now.text.c_str());
    }
    timing("kill phase (" + std::to_string(kills) + " kills)", seconds_since(t0));
    if (!push_code) push_code = push->wait(900s);
    timing("transfer to the end", seconds_since(t0));
    {
        INFO(push->describe() << "\n[serve]\n" << serve->describe());
        REQUIRE(push_code == 0);
    }
    {
        std::string all;
        for (const auto& t : trouble) all += t + "\n----\n";
        INFO(trouble.size() << " process(es) ended or failed on their own:\n" << all);
        CHECK(trouble.empty());
    }

    auto t1 = SteadyClock::now();
    w.require_exports_equal();
    timing("export 3 sets x 2 formats on both sides and compare", seconds_since(t1));
    {
        const auto stopped = serve->kill(SIGTERM, 30s);
        INFO(serve->describe());
        CHECK(stopped == 0);
    }
    t1 = SteadyClock::now();
    const Outcome o = check_after(w);
    timing("chunk, integrity and audit checks", seconds_since(t1));

    // At most one window sent again per interruption: in all (each kill interrupts one stage at
    // most), and per stage, counting the kills that came while it, or the stage before it, was
    // in progress (the seller may have moved on between our look at its database and the kill).
    const uint64_t window = kWindow * (chunk_size + kTagBytes);
    std::string per_stage;
    for (size_t i = 0; i < kStages.size(); ++i) {
        const uint64_t hits =
            static_cast<uint64_t>(kills_at[i] + (i > 0 ? kills_at[i - 1] : 0) + kills_at[kStages.size()]);
        INFO("stage " << kStages[i] << ": " << o.resent_per_stage[i] << " bytes re-sent, " << hits
                      << " kills while it or the one before was in progress");
        CHECK(o.resent_per_stage[i] <= hits * window);
        per_stage += " " + kStages[i] + " " + std::to_string(o.resent_per_stage[i]) + " (" +
                     std::to_string(kills_at[i]) + " kills)";
    }
    INFO("bytes re-sent " << o.bytes_resent << ", resumes " << o.resumes << ", kills " << kills);
    CHECK(o.bytes_resent <= static_cast<uint64_t>(kills) * window);
    CHECK(o.resumes <= static_cast<uint64_t>(kills));
    {
        INFO("the transfer ended after " << kills << " kills");
        CHECK(kills >= kMinKills);
    }
    SAY("[chaos] re-sent per stage:%s", per_stage.c_str());
    SAY("[chaos] %d kills (%d seller, %d buyer), bytes resent %llu, chunk count %llu; %llu bytes, %llu resumes, %.1f s in all",
        kills, seller_kills, buyer_kills, static_cast<unsigned long long>(o.bytes_resent),
        static_cast<unsigned long long>(o.chunks), static_cast<unsigned long long>(o.bytes),
        static_cast<unsigned long long>(o.resumes), seconds_since(t_start));
}

TEST_CASE("chaos: a proxy that cuts the connection 20+ times during a 200+ MB handover", "[handover][chaos]") {
    const uint64_t seed = chaos_seed();
    SAY("[chaos] proxy test: seed %llu (BATON_CHAOS_SEED=%llu replays the cuts)", static_cast<unsigned long long>(seed),
        static_cast<unsigned long long>(seed));
    HandoverWorld w("D-CHAOS-CUT");
    Evidence evidence(w, "baton-chaos-cut-" + std::to_string(seed));
    const auto t_start = SteadyClock::now();
    const uint64_t chunk_size = set_up(w, kSample);

    auto& serve = w.serve();
    Proc proxy(w.sb, "proxy",
               {FAULT_PROXY_BIN, "--listen", "127.0.0.1:0", "--to", serve.address(), "--cut-after-min", "1000000",
                "--cut-after-max", "30000000", "--seed", std::to_string(seed)});
    std::string proxy_address;
    {
        const bool up = eventually(
            [&] {
                const auto out = proxy.out();
                const auto at = out.find("listening on ");
                const auto eol = out.find('\n', at);
                if (at != std::string::npos && eol != std::string::npos) proxy_address = out.substr(at + 13, eol - at - 13);
                return !proxy_address.empty() || !proxy.running();
            },
            15s);
        INFO(proxy.describe());
        REQUIRE(up);
        REQUIRE(!proxy_address.empty());
    }

    const auto t0 = SteadyClock::now();
    auto push = w.push_in_background(proxy_address, kPushOptions);
    const auto code = push->wait(900s);
    timing("transfer through the proxy", seconds_since(t0));
    {
        INFO(push->describe() << "\n[serve log]\n" << serve.log() << "\n[proxy]\n" << proxy.describe());
        REQUIRE(code == 0);
    }
    REQUIRE(proxy.kill(SIGTERM) == 0);
    uint64_t cuts = 0;
    {
        std::istringstream in(proxy.err());
        for (std::string line; std::getline(in, line);) cuts += line.rfind("cut connection ", 0) == 0 ? 1 : 0;
    }
    std::string summary = proxy.out();
    summary = summary.substr(summary.find('\n') + 1);
    while (!summary.empty() && summary.back() == '\n') summary.pop_back();
    SAY("[chaos] proxy: %s; %llu cut lines on stderr", summary.c_str(), static_cast<unsigned long long>(cuts));
    size_t retries = 0;
    for (const auto& j : push->json_lines()) retries += j.value("event", "") == "retry" ? 1 : 0;

    auto t1 = SteadyClock::now();
    w.require_exports_equal();
    timing("export 3 sets x 2 formats on both sides and compare", seconds_since(t1));
    {
        const auto stopped = serve.stop(SIGTERM, 30s);
        INFO(serve.log());
        CHECK(stopped == 0);
    }
    t1 = SteadyClock::now();
    const Outcome o = check_after(w);
    timing("chunk, integrity and audit checks", seconds_since(t1));

    const uint64_t window = kWindow * (chunk_size + kTagBytes);
    INFO("bytes re-sent " << o.bytes_resent << ", resumes " << o.resumes << ", cuts " << cuts);
    CHECK(o.bytes_resent <= cuts * window);
    for (const auto r : o.resent_per_stage) CHECK(r <= cuts * window);
    CHECK(o.resumes <= cuts);
    {
        INFO("the transfer ended after " << cuts << " cuts");
        CHECK(cuts >= kMinCuts);
    }
    SAY("[chaos] %llu cuts (%zu reconnections by the push), bytes resent %llu, chunk count %llu; %llu bytes, %llu resumes, "
        "%.1f s in all",
        static_cast<unsigned long long>(cuts), retries, static_cast<unsigned long long>(o.bytes_resent),
        static_cast<unsigned long long>(o.chunks), static_cast<unsigned long long>(o.bytes),
        static_cast<unsigned long long>(o.resumes), seconds_since(t_start));
}
