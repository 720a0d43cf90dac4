#include "agent/plan_build.h"

#include <cctype>
#include <set>

#include "storage/record_store.h"
#include "storage/records/masking.h"
#include "storage/records/schema.h"

namespace baton::agent {

namespace {

constexpr size_t kMaxStageNameBytes = 64;

bool valid_stage_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxStageNameBytes) return false;
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
    return true;
}

std::vector<std::string> split_commas(std::string_view text) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (;;) {
        const size_t comma = text.find(',', start);
        parts.emplace_back(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (comma == std::string_view::npos) return parts;
        start = comma + 1;
    }
}

Status check_stages(const std::vector<handover::PlanStage>& stages) {
    if (stages.empty()) return usage_error("a plan needs at least one --stage NAME:SET[,SET...]");
    if (stages.size() > handover::kMaxStages)
        return usage_error("a plan has at most " + std::to_string(handover::kMaxStages) + " stages");
    std::set<std::string> names, sets;
    for (const auto& s : stages) {
        if (!names.insert(s.name).second) return usage_error("--stage " + s.name + ": two stages are called " + s.name);
        for (const auto& set : s.sets)
            if (!sets.insert(set).second)
                return usage_error("--stage " + s.name + ": set " + set + " is in another stage already");
    }
    return ok_status();
}

// Stored record counts of every set of the plan, and their schemas.
Status load_sets(storage::Database& db, const std::vector<handover::PlanStage>& stages, PlanContent& out,
                 std::map<std::string, records::Schema>& schemas) {
    for (const auto& stage : stages)
        for (const auto& set : stage.sets) {
            BATON_ASSIGN(auto info, storage::find_record_set(db, set));
            if (!info)
                return conflict_error("--stage " + stage.name + ": no record set '" + set +
                                      "' in this agent (see baton sets; import it first)");
            BATON_ASSIGN(auto schema, records::parse_schema(info->schema_json, "stored schema of set " + set));
            out.record_counts[set] = info->records;
            schemas.emplace(set, std::move(schema));
        }
    return ok_status();
}

Result<handover::PlanMask> check_mask(std::string_view text, const std::map<std::string, records::Schema>& schemas) {
    const std::string opt = "--mask " + std::string(text);
    auto spec = records::parse_mask_spec(text);
    if (!spec) return spec.error().context(opt);
    auto it = schemas.find(spec->set);
    if (it == schemas.end()) return usage_error(opt + ": set " + spec->set + " is in no --stage of the plan");
    if (!it->second.find(spec->field)) {
        std::string fields;
        for (const auto& f : it->second.fields) fields += (fields.empty() ? "" : ", ") + f.name;
        return input_error(opt + ": set " + spec->set + " has no field '" + spec->field + "' (fields: " + fields + ")");
    }
    return handover::PlanMask{spec->set, spec->field, std::string(records::mask_rule_name(spec->rule))};
}

}  // namespace

Result<handover::PlanStage> parse_stage_spec(std::string_view text) {
    const std::string opt = "--stage " + std::string(text);
    const size_t colon = text.find(':');
    if (colon == std::string_view::npos) return usage_error(opt + ": expected NAME:SET[,SET...]");
    handover::PlanStage stage{std::string(text.substr(0, colon)), split_commas(text.substr(colon + 1))};
    if (!valid_stage_name(stage.name))
        return usage_error(opt + ": a stage name is 1 to 64 letters, digits, '_' or '-'");
    if (stage.sets.size() > handover::kMaxSetsPerStage)
        return usage_error(opt + ": a stage has at most " + std::to_string(handover::kMaxSetsPerStage) + " sets");
    std::set<std::string> seen;
    for (const auto& s : stage.sets) {
        if (s.empty()) return usage_error(opt + ": empty set name");
        if (!seen.insert(s).second) return usage_error(opt + ": set " + s + " is named twice");
    }
    return stage;
}

Result<PlanContent> build_plan_content(storage::Database& db, const std::vector<std::string>& stage_specs,
                                       const std::vector<std::string>& mask_specs) {
    PlanContent out;
    for (const auto& text : stage_specs) {
        BATON_ASSIGN(auto stage, parse_stage_spec(text));
        out.stages.push_back(std::move(stage));
    }
    BATON_TRY(check_stages(out.stages));
    if (mask_specs.size() > handover::kMaxMasks)
        return usage_error("a plan has at most " + std::to_string(handover::kMaxMasks) + " --mask options");
    std::map<std::string, records::Schema> schemas;
    BATON_TRY(load_sets(db, out.stages, out, schemas));
    std::set<std::pair<std::string, std::string>> masked;
    for (const auto& text : mask_specs) {
        BATON_ASSIGN(auto mask, check_mask(text, schemas));
        if (!masked.emplace(mask.set, mask.field).second)
            return usage_error("--mask " + text + ": " + mask.set + "." + mask.field + " has a rule already");
        out.masks.push_back(std::move(mask));
    }
    return out;
}

}  // namespace baton::agent
