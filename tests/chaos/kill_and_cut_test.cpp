// Chaos: the staged handover (docs/handover.md) of more than 200 MB between a real seller
// (`baton push`) and a real buyer (`baton serve`) while it is interrupted again and again —
//
//  (a) the seller's push or the buyer's serve, chosen at random, is killed with SIGKILL at a
//      random moment (0.3–2 s apart) and restarted at once, at least 20 times; the serve always
//      listens on the same port, the push reconnects with a short backoff;
//  (b) baton-fault-proxy between the two resets every connection after a random budget of
//      1–20 MB, at least 20 times.
//
// Either way the buyer must end with exactly what the seller sent: every set's export equal
// byte for byte, every chunk of every stage stored exactly once (and equal to the seller's), both
// databases intact, both audit chains verified, and the seller's count of bytes sent again no more
// than one window (W = 8 chunks of chunk_size + 16 bytes) per interruption.
//
// The random choices come from one seed, printed first; BATON_CHAOS_SEED=S replays them (the
// timing of the kills relative to the transfer still varies). On a failure the logs of every
// process and both status reports are copied to $TMPDIR/baton-chaos-<case>-<seed>/.
#include <map>

#include "tests/chaos/chaos_support.h"

using namespace baton::chaos_testing;

namespace {

// About 400 MB in stage 1 (385 chunks in all): 11,500 customers, 70% of them with a remark of
// 50,000 bytes. More than the 200 MB asked for, for the proxy test: its cuts come every 15.5 MB on
// average, so 20 of them need some 310 MB of traffic (standard deviation 38 MB).
const Sample kSample{.customers = 11500, .transactions_per_customer = 1, .seed = 11, .canary = "", .remark_bytes = 50000};
constexpr uint64_t kMinTransferBytes = 200'000'000;
constexpr int kMinKills = 20;       // (a)
constexpr int kMaxKills = 32;       // (a): then the transfer may finish
constexpr uint64_t kMinCuts = 20;   // (b)

}  // namespace

TEST_CASE("chaos: SIGKILL of the seller or the buyer 20+ times during a 200+ MB handover", "[handover][chaos]") {
    const uint64_t seed = chaos_seed();
    SAY("[chaos] kill test: seed %llu (BATON_CHAOS_SEED=%llu replays the choices)", static_cast<unsigned long long>(seed),
        static_cast<unsigned long long>(seed));
    std::mt19937_64 rng(seed);
    HandoverWorld w("D-CHAOS-KILL");
    Evidence evidence(w, "baton-chaos-kill-" + std::to_string(seed));
    const auto t_start = SteadyClock::now();
    const uint64_t chunk_size = set_up(w, kSample, kMinTransferBytes);

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
    const uint64_t chunk_size = set_up(w, kSample, kMinTransferBytes);

    auto& serve = w.serve();
    Proc proxy(w.sb, "proxy",
               {FAULT_PROXY_BIN, "--listen", "127.0.0.1:0", "--to", serve.address(), "--cut-after-min", "1000000",
                "--cut-after-max", "20000000", "--seed", std::to_string(seed)});
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
