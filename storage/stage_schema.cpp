#include "storage/stage_schema.h"

namespace baton::storage {

namespace {

using records::FieldDef;
using records::MaskRule;

// The rule of every source field (keep unless the set's rules say otherwise).
Result<std::vector<MaskRule>> field_rules(const records::Schema& schema, const PrepareSet& set) {
    std::vector<MaskRule> rules(schema.fields.size(), MaskRule::keep);
    std::vector<bool> seen(schema.fields.size(), false);
    for (const PrepareField& r : set.rules) {
        auto idx = schema.find(r.name);
        if (!idx) return input_error("set " + set.name + " has no field '" + r.name + "' to " + r.rule);
        if (seen[*idx]) return input_error("set " + set.name + ", field '" + r.name + "' has two rules");
        seen[*idx] = true;
        BATON_ASSIGN(rules[*idx], records::parse_mask_rule(r.rule));
    }
    return rules;
}

// The definition a field is sent with under `rule`.
FieldDef sent_field(const FieldDef& f, MaskRule rule) {
    if (rule == MaskRule::keep) {
        FieldDef out = f;
        out.in_primary_key = false;  // parse_schema derives it from primary_key
        return out;
    }
    FieldDef out;
    out.name = f.name;
    out.type = records::FieldType::string;
    out.required = f.is_required();
    return out;
}

Status build_sent_schema(SentSet& s) {
    s.sent.set = s.source.set;
    for (size_t i = 0; i < s.source.fields.size(); ++i) {
        if (s.rules[i] == MaskRule::drop) continue;
        s.sent_fields.push_back(i);
        s.sent.fields.push_back(sent_field(s.source.fields[i], s.rules[i]));
        const bool kept_decimal = s.rules[i] == MaskRule::keep && s.source.fields[i].type == records::FieldType::decimal;
        if (kept_decimal) s.total_fields.push_back(s.sent.fields.size() - 1);
    }
    for (size_t k : s.source.key_fields)
        if (s.rules[k] != MaskRule::drop) s.sent.primary_key.push_back(s.source.fields[k].name);
    if (s.sent.fields.empty()) return input_error("the plan drops every field of set " + s.info.name);
    if (s.sent.primary_key.empty())
        return input_error("the plan drops every primary key field of set " + s.info.name +
                           "; keep, mask or pseudonymize at least one");
    s.schema_json = records::schema_to_json(s.sent);
    // Parsing back fills in the derived parts (key_fields, in_primary_key) and proves it valid.
    auto parsed = records::parse_schema(s.schema_json, "set " + s.info.name + " as sent");
    if (!parsed) return internal_error(parsed.error().message());
    s.sent = std::move(parsed).value();
    return ok_status();
}

}  // namespace

Result<SentSet> plan_sent_set(Database& db, const PrepareSet& set) {
    BATON_ASSIGN(auto info, find_record_set(db, set.name));
    if (!info) return conflict_error("no record set named " + set.name);
    SentSet s;
    s.info = std::move(*info);
    auto schema = records::parse_schema(s.info.schema_json, "stored schema of set " + s.info.name);
    if (!schema) return verify_error(schema.error().message());
    s.source = std::move(schema).value();
    if (s.source.fields.size() != s.info.columns.size())
        return verify_error("stored set " + s.info.name + " has " + std::to_string(s.info.columns.size()) +
                            " columns for " + std::to_string(s.source.fields.size()) + " fields");
    BATON_ASSIGN(s.rules, field_rules(s.source, set));
    for (size_t i = 0; i < s.source.fields.size(); ++i) {
        s.masks.push_back({s.source.fields[i].name, std::string(records::mask_rule_name(s.rules[i]))});
        s.pseudonymizes = s.pseudonymizes || s.rules[i] == MaskRule::pseudonymize;
    }
    for (const std::string& c : s.info.columns) {
        auto idx = s.source.find(c);
        if (!idx) return verify_error("stored set " + s.info.name + " has a column '" + c + "' that is not a field");
        if (s.rules[*idx] != MaskRule::drop) s.columns.push_back(c);
    }
    BATON_TRY(build_sent_schema(s));
    return s;
}

Result<ReceivedSet> parse_received_set(const CheckSet& set) {
    ReceivedSet r;
    BATON_ASSIGN(r.schema, records::parse_schema(set.schema_json, "schema of set " + set.name + " as sent"));
    if (r.schema.set != set.name) return input_error("the schema sent for set " + set.name + " names set " + r.schema.set);
    std::vector<bool> used(r.schema.fields.size(), false);
    for (const std::string& c : set.columns) {
        auto idx = r.schema.find(c);
        if (!idx || used[*idx]) return input_error("set " + set.name + ": column '" + c + "' is not a field, or twice");
        used[*idx] = true;
        r.column_fields.push_back(*idx);
    }
    if (r.column_fields.size() != r.schema.fields.size())
        return input_error("set " + set.name + ": the columns do not list every field");
    return r;
}

}  // namespace baton::storage
