// A deal's stored handover plan, decoded, and how commands show it (plan show, plan create,
// status, accept, reject, prepare, export). Stage numbers shown to people and in JSON count from
// 1 ("stage 2 (transactions)"); statements and storage count from 0.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "agent/home.h"
#include "protocol/handover/statements.h"
#include "storage/handover_store.h"

namespace baton::agent {

struct LoadedPlan {
    storage::StoredPlan stored;
    handover::Signed envelope;                         // the signed plan
    handover::Plan plan;
    crypto::Digest32 plan_hash{};
    std::optional<handover::Countersign> countersign;  // once the buyer agreed
    crypto::PublicKey countersigner{};                 // meaningful with countersign
};

// The plan stored for `deal`. Fails: conflict when there is none (naming the deal);
// verify_failed when the stored plan or countersignature does not open; io as storage does.
Result<LoadedPlan> load_plan(Home& home, std::string_view deal);

// The index of the stage called `name`. Fails (conflict) naming the deal and its stages.
Result<uint32_t> find_plan_stage(const handover::Plan& plan, std::string_view name);

// "stage 2 (transactions) of deal D-1"
std::string stage_label(std::string_view deal, uint32_t stage_number, std::string_view name);

// "Buyer Co 7QH4-M2XA-..."
std::string party_text(const handover::Party& p);
nlohmann::json party_json(const handover::Party& p);

// Who countersigned, for people: the buyer's name, or the unknown key's fingerprint.
std::string countersigner_text(const LoadedPlan& lp);

// The plan as JSON and as text. `record_counts` (set -> records, the seller's local sets) adds
// counts to the stages when given.
nlohmann::json plan_json(const LoadedPlan& lp, const std::map<std::string, uint64_t>* record_counts = nullptr);
std::string plan_text(const LoadedPlan& lp, const std::map<std::string, uint64_t>* record_counts = nullptr);

}  // namespace baton::agent
