// Shared by the chaos tests (tests/chaos/): what every run checks afterwards and the tools to
// drive real processes through faults. Each chaos test is its own executable that includes this
// header once (it registers a Catch2 listener that counts failed assertions, for Evidence).
//
//   SAY(...)          one flushed line on stdout ("[chaos] ..."), for the CTest log
//   chaos_seed()      BATON_CHAOS_SEED or a random seed: print it, so a run can be replayed
//   Evidence          on a failed test case, copies every process's output and both status
//                     reports to $TMPDIR/<name>
//   query()           rows of SQL on a database file (optionally with others attached)
//   stage_rows()      a party's stages, read cheaply from its database
//   seller_progress() where the seller is, from its stage rows
//   serve_on()        the buyer's serve on a fixed port, retried while the port is still held
//   set_up()          sample data generated, imported, planned and prepared up front
//   check_after()     everything that must hold after a completed handover: receipts, every
//                     chunk once and equal to the seller's, integrity_check, audit chains
#pragma once

#define CATCH_CONFIG_EXTERNAL_INTERFACES  // Catch::TestEventListenerBase, for FailureCounter
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sqlite3.h>

#include "tests/handover/handover_world.h"

namespace baton::chaos_testing {

using namespace baton::handover_testing;
using namespace std::chrono_literals;

constexpr uint64_t kWindow = 8;     // W, docs/handover.md
constexpr uint64_t kTagBytes = 16;  // Poly1305 tag on every chunk
constexpr uint64_t kChunkSize = 1u << 20;  // the default chunk size, which the chaos tests prepare with
const std::vector<std::string> kPushOptions{"--json", "--max-backoff", "0.5", "--retry-for", "120"};

// printf to stdout, one line, flushed (run the test binary with -s or look at the CTest log).
#define SAY(...) (std::printf(__VA_ARGS__), std::printf("\n"), std::fflush(stdout))

inline void timing(const std::string& what, double seconds) { SAY("[timing] %-60s %7.2f s", what.c_str(), seconds); }

inline uint64_t chaos_seed() {
    if (const char* s = std::getenv("BATON_CHAOS_SEED"); s && *s) return std::strtoull(s, nullptr, 10);
    return std::random_device{}();
}

// Failed assertions so far (every CHECK and REQUIRE, in the harness too), for Evidence.
inline int& failed_assertions() {
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
inline std::vector<std::vector<std::string>> query(const std::string& path, const std::string& sql,
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

inline std::string db_of(const HandoverWorld& w, const std::string& party) { return w.sb.home(party) + "/baton.db"; }

// One stage as a party's database has it.
struct StageRow {
    std::string name, state;
    uint64_t held = 0, count = 0;
};

// The deal's stages in the database at `path`, in stage order, read directly (read-only, a few
// milliseconds) rather than with `baton status`, so that it can be polled every few milliseconds.
// nullopt while the database is busy or not there yet.
inline std::optional<std::vector<StageRow>> stage_rows(const std::string& path, const std::string& deal) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        return std::nullopt;
    }
    sqlite3_busy_timeout(db, 50);
    sqlite3_stmt* st = nullptr;
    std::vector<StageRow> rows;
    int rc = sqlite3_prepare_v2(db, "SELECT name, state, chunks_held, chunk_count FROM handover_stages "
                                    "WHERE deal = ? ORDER BY stage_number", -1, &st, nullptr);
    if (rc == SQLITE_OK) rc = sqlite3_bind_text(st, 1, deal.c_str(), -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK) {
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            rows.push_back({reinterpret_cast<const char*>(sqlite3_column_text(st, 0)),
                            reinterpret_cast<const char*>(sqlite3_column_text(st, 1)),
                            static_cast<uint64_t>(sqlite3_column_int64(st, 2)),
                            static_cast<uint64_t>(sqlite3_column_int64(st, 3))});
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (rc != SQLITE_DONE) return std::nullopt;
    return rows;
}

// Where the seller is: the stage in progress (the first one not accepted; kStages.size() when
// all are; -1 when unknown), as "name state held/total", and the chunks the buyer acknowledged
// over all stages; unknown while the seller's database is busy.
struct Progress {
    int stage = -1;
    std::string text = "progress unknown";
    std::optional<uint64_t> held;
};

inline Progress seller_progress(const HandoverWorld& w) {
    Progress p;
    const auto rows = stage_rows(db_of(w, "seller"), w.deal);
    if (!rows || rows->size() != kStages.size()) return p;
    p.held = 0;
    p.stage = static_cast<int>(rows->size());
    p.text = "all accepted";
    for (size_t i = 0; i < rows->size(); ++i) {
        const StageRow& r = (*rows)[i];
        *p.held += r.held;
        if (r.state != "accepted" && p.stage == static_cast<int>(rows->size())) {
            p.stage = static_cast<int>(i);
            p.text = r.name + " " + r.state + " " + std::to_string(r.held) + "/" + std::to_string(r.count);
        }
    }
    return p;
}

// `baton serve` as the buyer on 127.0.0.1:port, once it says it listens. A restart right after
// a SIGKILL may find the port still held for a moment: it tries again (the failures are returned
// in `trouble`).
inline std::unique_ptr<Proc> serve_on(const HandoverWorld& w, uint16_t port, std::vector<std::string>& trouble) {
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
// transfer and not the preparation; at least `min_bytes` of chunks. Returns the chunk size.
inline uint64_t set_up(HandoverWorld& w, const Sample& data, uint64_t min_bytes) {
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
    REQUIRE(bytes >= min_bytes);
    return chunk_size;
}

struct Outcome {
    uint64_t bytes_resent = 0, resumes = 0, chunks = 0, bytes = 0;
    std::vector<uint64_t> resent_per_stage;
};

// Everything that must hold once the push has ended with 0 and the serve is stopped, for the
// plan's `stages` (one set each, in order).
inline Outcome check_after(const HandoverWorld& w, const std::vector<std::string>& stages = kStages) {
    Outcome o;
    const auto seller = w.status("seller"), buyer = w.status("buyer");
    INFO("seller status:\n" << seller.dump(2) << "\nbuyer status:\n" << buyer.dump(2));
    REQUIRE(seller["stages"].size() == stages.size());
    REQUIRE(buyer["stages"].size() == stages.size());
    for (size_t i = 0; i < stages.size(); ++i) {
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
    for (size_t i = 0; i < stages.size(); ++i) {
        const std::string n = std::to_string(buyer["stages"][i]["chunks_total"].get<uint64_t>());
        const std::string where = " WHERE deal = '" + w.deal + "' AND stage_number = " + std::to_string(i);
        const auto rows = query(bdb, "SELECT count(*), count(DISTINCT idx), min(idx), max(idx) FROM handover_chunks" + where);
        INFO("buyer's chunks of stage " << stages[i] << ": count, distinct, min, max = " << rows[0][0] << ", "
                                        << rows[0][1] << ", " << rows[0][2] << ", " << rows[0][3] << "; chunk_count " << n);
        CHECK(rows[0][0] == n);
        CHECK(rows[0][1] == n);
        CHECK(rows[0][2] == "0");
        CHECK(rows[0][3] == std::to_string(std::stoull(n) - 1));
        const auto same = query(bdb,
                                "SELECT count(s.idx), coalesce(sum(CASE WHEN s.idx IS NULL THEN length(b.ciphertext) END), 0) "
                                "FROM handover_chunks b LEFT JOIN other0.handover_chunks s ON b.deal = s.deal AND "
                                "b.stage_number = s.stage_number AND b.idx = s.idx AND b.ciphertext = s.ciphertext "
                                "WHERE b.deal = '" + w.deal + "' AND b.stage_number = " + std::to_string(i),
                                {sdb});
        INFO("chunks equal to the seller's: " << same[0][0] << "; bytes in chunks that differ: " << same[0][1]);
        CHECK(same[0][1] == "0");  // no tampered byte committed
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

// No file of any party's home holds `canary` (DESIGN §5), after whatever happened.
inline void require_no_canary(const HandoverWorld& w, const std::string& canary) {
    REQUIRE_FALSE(canary.empty());
    for (const char* party : {"seller", "buyer", "witness"}) {
        const auto found = files_containing(w.sb.home(party), canary);
        INFO(party << "'s home: " << found.size() << " file(s) hold the canary, first " << (found.empty() ? "" : found[0]));
        CHECK(found.empty());
    }
}

}  // namespace baton::chaos_testing
