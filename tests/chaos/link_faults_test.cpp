// Chaos: link faults. The staged handover (docs/handover.md) of some 40 MB between a real seller
// (`baton push`) and a real buyer (`baton serve`) through baton-fault-proxy
// (tests/support/fault_proxy.cpp), which gives every connection one fault, drawn with even odds
// from: cut (a reset), flip (one bit of one frame's payload), truncate (a frame cut short, then a
// reset), replay (a frame sent twice), reorder (two frames swapped) and stall (1-5 s of silence,
// then a reset or not), in either direction, after a random 0.5-4 MB, and a new fault after
// another 0.5-4 MB while the connection stays open (--rearm). Each run is a fresh world;
// runs follow each other until BATON_CHAOS_LINK_FAULTS faults (default 100) were injected.
// BATON_CHAOS_LINK_KINDS (default "cut,flip,truncate,replay,reorder,stall") narrows the kinds.
//
// After every run: the push ended with 0; every set's export on the buyer equals the seller's
// byte for byte; every chunk of every stage is stored exactly once on the buyer and equal to the
// seller's (no tampered byte committed); PRAGMA integrity_check is ok and `baton audit --verify`
// passes on both; the seller's count of bytes sent again is at most one window (W = 8 chunks of
// chunk_size + 16 bytes) per fault.
//
// The random choices (each run's proxy seed) come from one seed, printed first;
// BATON_CHAOS_SEED=S replays them (the timing still varies, so which frame a fault hits may
// too). On a failure the logs of every process and both status reports are copied to
// $TMPDIR/baton-chaos-link-<seed>-<run>/.
#include <array>

#include "tests/chaos/chaos_support.h"

using namespace baton::chaos_testing;

namespace {

// About 40 MB in stage 1 (some 40 chunks of 1 MiB): 1,500 customers, 70% of them with an
// incompressible remark of 50,000 bytes, so that the zstd-compressed stage stays that large.
const Sample kSample{.customers = 1500, .transactions_per_customer = 1, .seed = 11, .canary = "", .remark_bytes = 50000};
constexpr uint64_t kMinTransferBytes = 30'000'000;
// Budgets of 0.5-4 MB: some 15 faults per run, and each connection still moves a few chunks.
constexpr uint64_t kBudgetMin = 500'000, kBudgetMax = 4'000'000;
constexpr uint64_t kDefaultFaults = 100;
constexpr uint64_t kMinFaultsPerRun = 5;  // runs are bounded by target / this, should faults stop firing
constexpr std::array<const char*, 6> kKinds{"cut", "flip", "truncate", "replay", "reorder", "stall"};

uint64_t env_number(const char* name, uint64_t fallback) {
    if (const char* s = std::getenv(name); s && *s) return std::strtoull(s, nullptr, 10);
    return fallback;
}

// baton-fault-proxy with every fault kind in front of `to`; returns its address once it listens.
std::string start_proxy(Proc& proxy) {
    std::string address;
    const bool up = eventually(
        [&] {
            const auto out = proxy.out();
            const auto at = out.find("listening on ");
            const auto eol = out.find('\n', at);
            if (at != std::string::npos && eol != std::string::npos) address = out.substr(at + 13, eol - at - 13);
            return !address.empty() || !proxy.running();
        },
        15s);
    INFO(proxy.describe());
    REQUIRE(up);
    REQUIRE(!address.empty());
    return address;
}

// The faults the proxy logged ("fault ID KIND ..."), by kind in kKinds order.
std::array<uint64_t, kKinds.size()> faults_logged(const std::string& err) {
    std::array<uint64_t, kKinds.size()> n{};
    std::istringstream in(err);
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        std::string fault, id, kind;
        if (!(words >> fault >> id >> kind) || fault != "fault") continue;
        for (size_t k = 0; k < kKinds.size(); ++k) n[k] += kind == kKinds[k] ? 1 : 0;
    }
    return n;
}

struct RunResult {
    std::array<uint64_t, kKinds.size()> faults{};
    uint64_t all_faults() const {
        uint64_t n = 0;
        for (const auto f : faults) n += f;
        return n;
    }
};

// One handover through a proxy seeded with `proxy_seed`, in a fresh world. Fills `result` as it
// learns the faults, so that a failed REQUIRE (an exception) still leaves them counted.
void link_run(int run, uint64_t seed, uint64_t proxy_seed, const std::string& kinds, RunResult& result) {
    const auto t_start = SteadyClock::now();
    HandoverWorld w("D-CHAOS-LINK");
    Evidence evidence(w, "baton-chaos-link-" + std::to_string(seed) + "-" + std::to_string(run));
    const uint64_t chunk_size = set_up(w, kSample, kMinTransferBytes);
    const double setup_s = seconds_since(t_start);

    auto& serve = w.serve();
    Proc proxy(w.sb, "proxy",
               {FAULT_PROXY_BIN, "--listen", "127.0.0.1:0", "--to", serve.address(), "--faults", kinds,
                "--rearm", "--cut-after-min", std::to_string(kBudgetMin), "--cut-after-max",
                std::to_string(kBudgetMax), "--seed", std::to_string(proxy_seed)});
    const std::string proxy_address = start_proxy(proxy);

    const auto t0 = SteadyClock::now();
    auto push = w.push_in_background(proxy_address, kPushOptions);
    const auto code = push->wait(600s);
    const double transfer_s = seconds_since(t0);
    const auto stopped = proxy.kill(SIGTERM);
    result.faults = faults_logged(proxy.err());
    std::string summary = proxy.out();
    summary = summary.substr(summary.find('\n') + 1);
    while (!summary.empty() && summary.back() == '\n') summary.pop_back();
    {
        INFO(push->describe() << "\n[serve log]\n" << serve.log() << "\n[proxy]\n" << proxy.describe());
        REQUIRE(code == 0);
    }
    CHECK(stopped == 0);
    size_t retries = 0;
    for (const auto& j : push->json_lines()) retries += j.value("event", "") == "retry" ? 1 : 0;

    w.require_exports_equal();
    {
        const auto serve_stopped = serve.stop(SIGTERM, 30s);
        INFO(serve.log());
        CHECK(serve_stopped == 0);
    }
    const uint64_t resent_all = check_after(w).bytes_resent;
    const uint64_t faults = result.all_faults(), window = kWindow * (chunk_size + kTagBytes);
    INFO("bytes re-sent " << resent_all << ", faults " << faults << ", window " << window);
    CHECK(resent_all <= faults * window);
    SAY("[chaos] run %d (proxy seed %llu): %s; %zu reconnections, %llu bytes re-sent; set-up %.1f s, transfer %.1f s, "
        "%.1f s in all",
        run, static_cast<unsigned long long>(proxy_seed), summary.c_str(), retries,
        static_cast<unsigned long long>(resent_all), setup_s, transfer_s, seconds_since(t_start));
}

}  // namespace

TEST_CASE("chaos: handovers through a link that cuts, flips, truncates, replays, reorders and stalls frames",
          "[handover][chaos][link]") {
    const uint64_t seed = chaos_seed();
    const uint64_t target = env_number("BATON_CHAOS_LINK_FAULTS", kDefaultFaults);
    const char* kinds_env = std::getenv("BATON_CHAOS_LINK_KINDS");
    const std::string kinds = kinds_env && *kinds_env ? kinds_env : "cut,flip,truncate,replay,reorder,stall";
    SAY("[chaos] link faults: seed %llu (BATON_CHAOS_SEED=%llu replays the choices), %llu faults of %s to reach",
        static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed),
        static_cast<unsigned long long>(target), kinds.c_str());
    std::mt19937_64 rng(seed);
    const auto t_start = SteadyClock::now();
    std::array<uint64_t, kKinds.size()> per_kind{};
    uint64_t faults = 0;
    int runs = 0, failures = 0;
    const int max_runs = static_cast<int>(target / kMinFaultsPerRun) + 10;
    while (faults < target && runs < max_runs) {
        const uint64_t proxy_seed = rng();
        const int failed_before = failed_assertions();
        RunResult r;
        try {
            link_run(++runs, seed, proxy_seed, kinds, r);
        } catch (...) {  // a REQUIRE failed: reported by Catch, counted below; on to the next run
        }
        failures += failed_assertions() != failed_before ? 1 : 0;
        for (size_t k = 0; k < kKinds.size(); ++k) per_kind[k] += r.faults[k];
        faults += r.all_faults();
    }
    std::string counts;
    for (size_t k = 0; k < kKinds.size(); ++k)
        counts += std::string(k ? ", " : "") + kKinds[k] + " " + std::to_string(per_kind[k]);
    SAY("[chaos] link faults: %llu trials, %d failures (failed runs, of %d runs; %s)",
        static_cast<unsigned long long>(faults), failures, runs, counts.c_str());
    timing("link faults: " + std::to_string(faults) + " faults in " + std::to_string(runs) + " runs", seconds_since(t_start));
    CHECK(failures == 0);
    CHECK(faults >= target);
    for (size_t k = 0; k < kKinds.size(); ++k) {
        INFO("no " << kKinds[k] << " fault was injected");
        CHECK((target < 50 || per_kind[k] > 0 || ("," + kinds + ",").find(std::string(",") + kKinds[k] + ",") == std::string::npos));
    }
}
