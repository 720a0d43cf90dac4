// What `baton status` shows of witnessed handovers (docs/witness.md "Status"):
//  - the seller: per stage whether the witness logged its manifest ("witnessed") and whether the
//    stage is CLOSED (its accepted receipt is a mirrored leaf covered by a verified checkpoint);
//    per deal the mirror's size, refusals and latest checkpoint;
//  - the buyer: per deal the latest checkpoint the seller forwarded;
//  - the witness: each log it keeps, replayed by the log rules and checked against its latest
//    checkpoint (the root and this agent's signature).
// Read-only.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "agent/home.h"
#include "agent/plan_view.h"

namespace baton::agent {

struct StageWitnessState {
    bool witnessed = false;  // the stage's manifest is a leaf of the mirror
    bool closed = false;     // its accepted receipt is a leaf covered by a checkpoint
};

// The deal's witness log as this agent holds it (mirror or checkpoints), with per-stage states
// (seller only). Empty when the plan names no witness.
struct DealWitnessView {
    bool witnessed_deal = false;
    uint64_t leaves = 0, refusals = 0, checkpoint_size = 0;
    std::vector<StageWitnessState> stages;  // seller: one per plan stage
    nlohmann::json json() const;
    std::string text() const;               // one line, or empty
};
Result<DealWitnessView> deal_witness_view(Home& home, const LoadedPlan& lp);

// The logs this agent keeps as a witness (deals with a log and no plan of its own), verified.
// JSON: [{"deal","leaves","refusals","checkpoint_size","verified","problem"}].
Result<nlohmann::json> witness_logs_json(Home& home, std::string_view only_deal);
std::string witness_logs_text(const nlohmann::json& logs);

}  // namespace baton::agent
