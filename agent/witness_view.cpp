#include "agent/witness_view.h"

#include "protocol/witness/checkpoint.h"
#include "protocol/witness/log.h"
#include "storage/witness_store.h"

namespace baton::agent {

namespace {

std::optional<uint64_t> index_of(const std::vector<std::pair<uint64_t, Bytes>>& leaves, const Bytes& envelope) {
    for (const auto& [i, leaf] : leaves)
        if (leaf == envelope) return i;
    return std::nullopt;
}

// Replays a stored log and checks its latest checkpoint: signed by `witness`, same size, same root.
std::string problem_of(storage::Database& db, const std::string& deal, const crypto::PublicKey& witness,
                       uint64_t& leaves_out, uint64_t& refusals_out, uint64_t& checkpoint_out) {
    auto leaves = storage::indexed_log_leaves(db, deal);
    if (!leaves) return leaves.error().message();
    witness::WitnessLog log(deal, witness);
    for (const auto& [i, leaf] : *leaves) {
        if (i != log.size()) return "leaf " + std::to_string(log.size()) + " is missing";
        Status st = log.replay(leaf);
        if (!st) return st.error().message();
    }
    leaves_out = log.size();
    auto refused = storage::refused_statements(db, deal);
    if (refused) refusals_out = refused->size();
    auto latest = storage::latest_checkpoint(db, deal);
    if (!latest) return latest.error().message();
    if (!*latest) return "no checkpoint";
    checkpoint_out = (*latest)->first;
    auto env = handover::decode_signed((*latest)->second);
    if (!env) return "checkpoint: " + env.error().message();
    auto cp = handover::open_checkpoint(*env, witness);
    if (!cp) return "checkpoint: " + cp.error().message();
    if (cp->tree_size != log.size())
        return "the latest checkpoint covers " + std::to_string(cp->tree_size) + " of " + std::to_string(log.size()) + " leaves";
    if (!log.has_plan() || cp->plan_hash != log.plan_hash() || cp->root != log.checkpoint(0).root)
        return "the latest checkpoint's root is not the log's";
    return "";
}

}  // namespace

nlohmann::json DealWitnessView::json() const {
    if (!witnessed_deal) return nullptr;
    return {{"leaves", leaves}, {"refusals", refusals}, {"checkpoint_size", checkpoint_size}};
}

std::string DealWitnessView::text() const {
    if (!witnessed_deal) return "";
    std::string s = "  witness log: checkpoint of " + std::to_string(checkpoint_size) + " leaves";
    if (leaves > 0) s += ", " + std::to_string(leaves) + " mirrored";
    if (refusals > 0) s += ", " + std::to_string(refusals) + " statement(s) REFUSED by the witness";
    return s + "\n";
}

Result<DealWitnessView> deal_witness_view(Home& home, const LoadedPlan& lp) {
    DealWitnessView v;
    if (!lp.plan.witness) return v;
    v.witnessed_deal = true;
    auto& db = home.db();
    const std::string& deal = lp.plan.deal;
    BATON_ASSIGN(auto leaves, storage::indexed_log_leaves(db, deal));
    BATON_ASSIGN(auto refused, storage::refused_statements(db, deal));
    BATON_ASSIGN(v.checkpoint_size, storage::latest_checkpoint_size(db, deal));
    v.leaves = leaves.size();
    v.refusals = refused.size();
    if (lp.stored.role != "seller") return v;
    for (uint32_t n = 0; n < lp.plan.stages.size(); ++n) {
        StageWitnessState s;
        BATON_ASSIGN(auto row, storage::find_stage(db, deal, n));
        if (row && row->manifest) s.witnessed = index_of(leaves, *row->manifest).has_value();
        BATON_ASSIGN(auto receipts, storage::load_receipts(db, deal, n));
        for (const auto& [kind, bytes] : receipts)
            if (kind == "accepted") {
                auto i = index_of(leaves, bytes);
                s.closed = i && *i < v.checkpoint_size;
            }
        v.stages.push_back(s);
    }
    return v;
}

Result<nlohmann::json> witness_logs_json(Home& home, std::string_view only_deal) {
    auto& db = home.db();
    BATON_ASSIGN(auto deals, storage::log_deals(db));
    nlohmann::json out = nlohmann::json::array();
    for (const auto& deal : deals) {
        if (!only_deal.empty() && deal != only_deal) continue;
        BATON_ASSIGN(auto plan, storage::find_plan(db, deal));
        if (plan) continue;  // a seller's mirror: shown with the deal
        uint64_t leaves = 0, refusals = 0, cp = 0;
        const std::string problem = problem_of(db, deal, home.identity().key, leaves, refusals, cp);
        out.push_back({{"deal", deal}, {"leaves", leaves}, {"refusals", refusals}, {"checkpoint_size", cp},
                       {"verified", problem.empty()}, {"problem", problem.empty() ? nlohmann::json() : nlohmann::json(problem)}});
    }
    return out;
}

std::string witness_logs_text(const nlohmann::json& logs) {
    std::string s;
    for (const auto& l : logs) {
        s += "deal " + l["deal"].get<std::string>() + ": this agent is the witness; log of " +
             std::to_string(l["leaves"].get<uint64_t>()) + " leaves (" + std::to_string(l["refusals"].get<uint64_t>()) +
             " refusals), checkpoint of " + std::to_string(l["checkpoint_size"].get<uint64_t>()) + " leaves: " +
             (l["verified"].get<bool>() ? "verified" : "DOES NOT VERIFY: " + l["problem"].get<std::string>()) + "\n";
    }
    return s;
}

}  // namespace baton::agent
