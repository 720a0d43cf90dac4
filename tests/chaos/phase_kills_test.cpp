// Chaos: kills aimed at each phase of a witnessed handover (issue 7 item 1; DESIGN §5). Three
// real processes — the seller's push, the buyer's serve, the witness's serve — hand over two
// stages (customers; transactions) with the witness closing each. For each stage's phases in order
// (each with probability 3/4) the test waits for the phase, then SIGKILLs one party a random
// 0–25 ms later and restarts it at once:
//
//   handshake    5–120 ms after another kill: any party, while the session is set up again
//   chunks       the buyer holds some but not all chunks of a stage: the buyer or the seller
//   key release  the seller holds the buyer's delivered receipt (the release comes next)
//   receipts     the seller has released the key: the buyer verifies and signs, the seller waits
//   checkpoint   the seller holds the acceptance: the witness logs it and cosigns (closure)
//
// After each handover: push exits 0; every stage accepted and closed on the witness's
// checkpoint; the buyer's exports equal the seller's input; every chunk held once and equal to
// the seller's; integrity_check and audit chains; the witness's log replays by the log rules and
// its latest checkpoint covers every leaf, and the seller's mirror equals it; re-sent bytes stay
// within one window per interruption; the canary is in no file of any home.
//
// Kills to reach: BATON_CHAOS_PHASE_KILLS (default 25; scripts/chaos asks for more). Handovers
// repeat in fresh worlds until that many kills were made. BATON_CHAOS_SEED replays the choices.
#include <algorithm>
#include <map>

#include "tests/chaos/chaos_support.h"
#include "tests/handover/witness_world.h"

using namespace baton::chaos_testing;

namespace {

// ~20 MB of chunks in stage 1, so that delivery lasts long enough to be hit; stage 2 is small.
const Sample kPhaseSample{.customers = 1600, .transactions_per_customer = 2, .seed = 17,
                          .canary = "CANARY-PHASE-7f3a9c", .remark_bytes = 12000};
const std::vector<std::string> kPhases{"handshake", "chunks", "key release", "receipts", "checkpoint"};
const std::vector<std::string> kStagePhases{"chunks", "key release", "receipts", "checkpoint"};  // in order

uint64_t wanted_kills() {
    if (const char* s = std::getenv("BATON_CHAOS_PHASE_KILLS"); s && *s) return std::strtoull(s, nullptr, 10);
    return 25;
}

// Whether `phase` of stage `i` is under way now, from the seller's and the buyer's databases.
bool in_phase(const WitnessWorld& w, const std::string& phase, size_t i) {
    const auto seller = stage_rows(w.db("seller"), w.deal).value_or(std::vector<StageRow>{});
    const auto buyer = stage_rows(w.db("buyer"), w.deal).value_or(std::vector<StageRow>{});
    if (phase == "chunks")
        return i < buyer.size() && buyer[i].state == "receiving" && buyer[i].held > 0 && buyer[i].held < buyer[i].count;
    if (i >= seller.size()) return false;
    if (phase == "key release") return seller[i].state == "delivered";
    if (phase == "receipts") return seller[i].state == "key_released";
    // checkpoint: accepted while the next stage is not offered yet, so its closure is pending
    return seller[i].state == "accepted" && (i + 1 == seller.size() || seller[i + 1].state == "prepared");
}

std::string pick(std::mt19937_64& rng, const std::vector<std::string>& from) {
    return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
}

// Polls `done` every 2 ms (phases can last only tens of milliseconds) until it holds or `limit`.
template <typename Pred>
bool poll_until(Pred done, std::chrono::milliseconds limit) {
    const auto end = SteadyClock::now() + limit;
    while (!done()) {
        if (SteadyClock::now() >= end) return false;
        std::this_thread::sleep_for(2ms);
    }
    return true;
}

// The parties whose death matters in a phase.
std::vector<std::string> victims(const std::string& phase) {
    if (phase == "handshake") return {"seller", "buyer", "witness"};
    if (phase == "checkpoint") return {"witness", "seller"};
    return {"seller", "buyer"};
}

struct Tally {
    std::map<std::string, uint64_t> by_phase, by_party;
    uint64_t kills = 0, handovers = 0, failures = 0;
};

// One witnessed handover with phase-aimed kills until it completes; returns the kills made.
uint64_t witnessed_handover_under_kills(std::mt19937_64& rng, uint64_t round, uint64_t max_kills, Tally& tally) {
    WitnessWorld w("D-CHAOS-PHASE-" + std::to_string(round));
    Evidence evidence(w, "baton-chaos-phase-" + std::to_string(round));
    w.prepare_witnessed_deal(kPhaseSample);
    w.ok("seller", {"prepare", "--deal", w.deal, "--all"});
    std::vector<std::string> trouble;
    std::vector<std::unique_ptr<Proc>> dead;
    const uint16_t buyer_port = free_port(), witness_port = free_port();
    auto witness = w.witness_serve(witness_port);
    auto buyer = serve_on(w, buyer_port, trouble);
    const std::vector<std::string> push_extra{"--json", "--max-backoff", "0.3", "--retry-for", "120", "--witness",
                                              "127.0.0.1:" + std::to_string(witness_port)};
    auto start_push = [&] { return w.push_in_background("127.0.0.1:" + std::to_string(buyer_port), push_extra); };
    auto push = start_push();

    uint64_t kills = 0;
    auto kill_and_restart = [&](const std::string& phase) {
        const std::string party = pick(rng, victims(phase));
        std::unique_ptr<Proc>& victim = party == "seller" ? push : party == "buyer" ? buyer : witness;
        (void)victim->kill(SIGKILL);
        dead.push_back(std::move(victim));
        if (party == "seller") push = start_push();
        if (party == "buyer") buyer = serve_on(w, buyer_port, trouble);
        if (party == "witness") witness = w.witness_serve(witness_port);
        ++kills;
        ++tally.by_phase[phase];
        ++tally.by_party[party];
    };
    auto chance = [&](int percent) { return std::uniform_int_distribution<int>(1, 100)(rng) <= percent; };
    auto pause_ms = [&](int lo, int hi) {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(lo, hi)(rng)));
    };
    // Each stage's phases in order, most of them hit; after a kill, often one more 5-120 ms into
    // the reconnection's handshake.
    for (size_t i = 0; i < kWitnessedStages.size(); ++i) {
        for (const auto& phase : kStagePhases) {
            if (kills >= max_kills || !push->running()) break;
            if (!chance(75)) continue;
            if (!poll_until([&] { return in_phase(w, phase, i) || !push->running(); }, 30s) || !push->running()) continue;
            pause_ms(0, 25);
            kill_and_restart(phase);
            if (kills < max_kills && chance(40)) {
                pause_ms(5, 120);
                kill_and_restart("handshake");
            }
        }
    }
    const auto code = push->wait(180s);
    INFO(push->describe());
    REQUIRE(code.has_value());
    CHECK(*code == 0);
    const uint64_t failed_before = tally.failures;
    if (!code || *code != 0) ++tally.failures;
    (void)buyer->kill(SIGTERM);
    (void)witness->kill(SIGTERM);

    const Outcome o = check_after(w, kWitnessedStages);
    for (const auto& st : kWitnessedStages) {
        const auto s = w.stage("seller", st);
        CHECK(s["closed"] == true);
    }
    w.require_exports_equal(kWitnessedStages);
    const auto witness_log = w.held("witness"), mirror = w.held("seller");
    verify_log(witness_log, w.deal);
    CHECK(mirror.leaves == witness_log.leaves);
    CHECK(o.bytes_resent <= kills * kWindow * (kChunkSize + kTagBytes));
    require_no_canary(w, kPhaseSample.canary);
    if (failed_assertions() > 0 && tally.failures == failed_before) ++tally.failures;
    SAY("[chaos] phase handover %llu: %llu kills, %llu resumes, %llu bytes re-sent", static_cast<unsigned long long>(round),
        static_cast<unsigned long long>(kills), static_cast<unsigned long long>(o.resumes),
        static_cast<unsigned long long>(o.bytes_resent));
    return kills;
}

}  // namespace

TEST_CASE("chaos: kills aimed at every phase of a witnessed handover", "[handover][chaos][witness]") {
    const uint64_t seed = chaos_seed(), wanted = wanted_kills();
    SAY("[chaos] phase kills: seed %llu (BATON_CHAOS_SEED=%llu replays the choices), %llu kills wanted",
        static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed),
        static_cast<unsigned long long>(wanted));
    std::mt19937_64 rng(seed);
    const auto t0 = SteadyClock::now();
    Tally tally;
    while (tally.kills < wanted) {
        tally.kills += witnessed_handover_under_kills(rng, ++tally.handovers, std::min<uint64_t>(12, wanted - tally.kills), tally);
        if (failed_assertions() > 0) break;
    }
    std::string phases, parties;
    for (const auto& [k, v] : tally.by_phase) phases += " " + k + " " + std::to_string(v) + ",";
    for (const auto& [k, v] : tally.by_party) parties += " " + k + " " + std::to_string(v) + ",";
    SAY("[chaos] phase kills: %llu trials, %llu failures in %llu handovers (%.0f s); by phase:%s by party:%s",
        static_cast<unsigned long long>(tally.kills), static_cast<unsigned long long>(tally.failures),
        static_cast<unsigned long long>(tally.handovers), seconds_since(t0), phases.c_str(), parties.c_str());
    for (const auto& phase : kPhases) CHECK(tally.by_phase[phase] > 0);
    CHECK(tally.kills >= wanted);
}
