#include "agent/plan_view.h"

#include "certs/fingerprint.h"

namespace baton::agent {

namespace {

Status open_countersign(LoadedPlan& lp) {
    const std::string what = "stored countersignature of the plan of deal " + lp.plan.deal;
    auto env = handover::decode_signed(*lp.stored.countersign);
    if (!env) return verify_error(what + ": " + env.error().message());
    auto cs = handover::open_countersign(*env);
    if (!cs) return verify_error(what + ": " + cs.error().message());
    if (cs->plan_hash != lp.plan_hash) return verify_error(what + " is for another plan");
    lp.countersign = std::move(cs).value();
    lp.countersigner = env->signer;
    return ok_status();
}

std::string acceptance_text(const handover::Plan& p) {
    return p.manual_accept ? "manual (the buyer's operator runs baton accept or baton reject)"
                           : "automatic (once a stage is verified)";
}

std::string sets_text(const handover::PlanStage& s, const std::map<std::string, uint64_t>* counts) {
    std::string t;
    for (const auto& set : s.sets) {
        t += (t.empty() ? "" : ", ") + set;
        if (counts)
            if (auto it = counts->find(set); it != counts->end()) t += " (" + std::to_string(it->second) + " records)";
    }
    return t;
}

}  // namespace

Result<LoadedPlan> load_plan(Home& home, std::string_view deal) {
    BATON_ASSIGN(auto stored, storage::find_plan(home.db(), deal));
    if (!stored) return conflict_error("deal " + std::string(deal) + " has no plan (see baton plan create, baton status)");
    LoadedPlan lp;
    lp.stored = std::move(*stored);
    const std::string what = "stored plan of deal " + std::string(deal);
    auto env = handover::decode_signed(lp.stored.plan);
    if (!env) return verify_error(what + ": " + env.error().message());
    lp.envelope = std::move(env).value();
    auto plan = handover::open_plan(lp.envelope);
    if (!plan) return verify_error(what + ": " + plan.error().message());
    lp.plan = std::move(plan).value();
    lp.plan_hash = handover::statement_hash(lp.envelope);
    if (lp.plan.deal != deal) return verify_error(what + " names deal " + lp.plan.deal);
    if (lp.stored.countersign) BATON_TRY(open_countersign(lp));
    return lp;
}

Result<uint32_t> find_plan_stage(const handover::Plan& plan, std::string_view name) {
    std::string names;
    for (uint32_t i = 0; i < plan.stages.size(); ++i) {
        if (plan.stages[i].name == name) return i;
        names += (names.empty() ? "" : ", ") + plan.stages[i].name;
    }
    return conflict_error("the plan of deal " + plan.deal + " has no stage '" + std::string(name) + "' (stages: " +
                          names + ")");
}

std::string stage_label(std::string_view deal, uint32_t stage_number, std::string_view name) {
    return "stage " + std::to_string(stage_number + 1) + " (" + std::string(name) + ") of deal " + std::string(deal);
}

std::string party_text(const handover::Party& p) { return p.name + " " + certs::fingerprint(p.key); }

nlohmann::json party_json(const handover::Party& p) {
    return {{"name", p.name}, {"fingerprint", certs::fingerprint(p.key)}};
}

std::string countersigner_text(const LoadedPlan& lp) {
    if (lp.countersigner == lp.plan.buyer.key) return lp.plan.buyer.name + " (the buyer)";
    return "unknown key " + certs::fingerprint(lp.countersigner);
}

nlohmann::json plan_json(const LoadedPlan& lp, const std::map<std::string, uint64_t>* record_counts) {
    const auto& p = lp.plan;
    nlohmann::json stages = nlohmann::json::array();
    for (uint32_t i = 0; i < p.stages.size(); ++i) {
        nlohmann::json s{{"number", i + 1}, {"name", p.stages[i].name}, {"sets", p.stages[i].sets}};
        if (record_counts) {
            nlohmann::json counts = nlohmann::json::object();
            for (const auto& set : p.stages[i].sets)
                if (auto it = record_counts->find(set); it != record_counts->end()) counts[set] = it->second;
            s["records"] = counts;
        }
        stages.push_back(s);
    }
    nlohmann::json masks = nlohmann::json::array();
    for (const auto& m : p.masks) masks.push_back({{"set", m.set}, {"field", m.field}, {"rule", m.rule}});
    nlohmann::json j{{"deal", p.deal},
                     {"role", lp.stored.role},
                     {"plan_id", to_hex(p.plan_id)},
                     {"plan_hash", to_hex(lp.plan_hash)},
                     {"seller", party_json(p.seller)},
                     {"buyer", party_json(p.buyer)},
                     {"witness", p.witness ? party_json(*p.witness) : nlohmann::json()},
                     {"stages", stages},
                     {"masks", masks},
                     {"acceptance", p.manual_accept ? "manual" : "automatic"},
                     {"created_at", format_time(p.created_at)},
                     {"countersigned", lp.countersign.has_value()}};
    if (lp.countersign) {
        j["countersigned_by"] = {{"fingerprint", certs::fingerprint(lp.countersigner)},
                                 {"is_buyer", lp.countersigner == p.buyer.key}};
        j["countersigned_at"] = format_time(lp.countersign->signed_at);
    }
    return j;
}

std::string plan_text(const LoadedPlan& lp, const std::map<std::string, uint64_t>* record_counts) {
    const auto& p = lp.plan;
    TextBlock t;
    t.line("deal", p.deal).line("this agent", lp.stored.role);
    t.line("seller", party_text(p.seller)).line("buyer", party_text(p.buyer));
    t.line("witness", p.witness ? party_text(*p.witness) : "none");
    for (uint32_t i = 0; i < p.stages.size(); ++i)
        t.line("stage " + std::to_string(i + 1), p.stages[i].name + ": " + sets_text(p.stages[i], record_counts));
    for (const auto& m : p.masks) t.line("mask", m.set + "." + m.field + " = " + m.rule);
    if (p.masks.empty()) t.line("masks", "none (every field is handed over as imported)");
    t.line("acceptance", acceptance_text(p)).line("created", format_time(p.created_at));
    t.line("countersigned", lp.countersign ? "by " + countersigner_text(lp) + " at " + format_time(lp.countersign->signed_at)
                                           : "not yet (the buyer countersigns when the seller first connects)");
    t.line("plan hash", to_hex(lp.plan_hash));
    return t.str();
}

}  // namespace baton::agent
