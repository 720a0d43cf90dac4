// Building the content of a handover plan from `baton plan create`'s --stage and --mask options,
// checked against the seller's stored record sets (DESIGN §6).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/handover/statements.h"
#include "storage/db.h"

namespace baton::agent {

struct PlanContent {
    std::vector<handover::PlanStage> stages;
    std::vector<handover::PlanMask> masks;
    std::map<std::string, uint64_t> record_counts;  // every set of the plan -> its stored records
};

// Parses one "--stage NAME:SET[,SET...]". NAME is [A-Za-z0-9_-]{1,64}; at least one set, at most
// handover::kMaxSetsPerStage, none twice. Fails (usage) quoting the option and saying what is wrong.
Result<handover::PlanStage> parse_stage_spec(std::string_view text);

// Parses every option and checks it against the store: 1..kMaxStages stages with unique names,
// no set in two stages, every set stored (conflict naming it otherwise), at most kMaxMasks
// masks, each "SET.FIELD=RULE" with a known rule (usage), a set of the plan (usage), a field of
// that set's schema (bad_input naming the set's fields), and at most one rule per field (usage).
Result<PlanContent> build_plan_content(storage::Database& db, const std::vector<std::string>& stage_specs,
                                       const std::vector<std::string>& mask_specs);

}  // namespace baton::agent
