#include "agent/notice_fields.h"

#include <algorithm>

#include "storage/records/schema.h"

namespace baton::agent {

namespace {

// Words that make a field a contact field; the first kNameWords only name a person.
constexpr std::string_view kWords[] = {"name", "姓名", "名称", "addr", "contact", "phone", "mobile",
                                       "mail", "地址", "电话", "手机", "联系", "邮箱", "邮件"};
constexpr size_t kNameWords = 3;

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool contains_word(std::string_view name, size_t from) {
    const std::string lower = ascii_lower(name);
    for (size_t i = from; i < std::size(kWords); ++i)
        if (lower.find(kWords[i]) != std::string::npos) return true;
    return false;
}

bool channel_type(std::string_view type) { return type == "cn_mobile" || type == "email"; }

// "contact_id", "Contact-ID", "id": an identifier, not a way to reach anyone.
bool identifier_name(std::string_view name) {
    const std::string lower = ascii_lower(name);
    if (lower == "id") return true;
    if (lower.size() < 3 || !lower.ends_with("id")) return false;
    const char sep = lower[lower.size() - 3];
    return sep == '_' || sep == '-' || sep == ' ';
}

std::optional<size_t> column_of(const handover::SetSummary& set, std::string_view name) {
    auto it = std::find(set.columns.begin(), set.columns.end(), name);
    if (it == set.columns.end()) return std::nullopt;
    return static_cast<size_t>(it - set.columns.begin());
}

// Adds `name` as a contact field when the rule says it is one.
Status add_field(const handover::SetSummary& set, const records::Schema& schema, const std::string& name,
                 const std::string& rule, NoticeSet& out) {
    std::string type;
    std::optional<size_t> column;
    if (rule != "drop") {
        auto f = schema.find(name);
        if (!f) return verify_error("set " + set.name + ": the manifest's rules name field '" + name +
                                    "', which its schema lacks");
        type = std::string(records::type_name(schema.fields[*f].type));
        column = column_of(set, name);
        if (!column) return verify_error("set " + set.name + ": field '" + name + "' is not among its columns");
    }
    if (!is_contact_field(name, type)) return ok_status();
    // A key matched by name only (contact_no as the primary key): it is the customer_key column, or
    // another set's key.
    if (auto f = schema.find(name); f && !channel_type(type) && (schema.fields[*f].in_primary_key || schema.fields[*f].references))
        return ok_status();
    out.fields.push_back({name, rule, is_channel_field(name, type), column});
    return ok_status();
}

}  // namespace

bool is_contact_field(std::string_view name, std::string_view type) {
    return channel_type(type) || (contains_word(name, 0) && !identifier_name(name));
}

bool is_channel_field(std::string_view name, std::string_view type) {
    return channel_type(type) || (contains_word(name, kNameWords) && !identifier_name(name));
}

Result<NoticeSet> notice_set(const handover::SetSummary& set) {
    auto schema = records::parse_schema(set.schema_json, "schema of set " + set.name + " in the manifest");
    if (!schema) return verify_error(schema.error().message());
    NoticeSet out;
    std::vector<std::string> seen;
    for (const auto& m : set.masks) {
        BATON_TRY(add_field(set, *schema, m.field, m.rule, out));
        seen.push_back(m.field);
    }
    for (const auto& f : schema->fields)  // fields without a listed rule were kept
        if (std::find(seen.begin(), seen.end(), f.name) == seen.end()) BATON_TRY(add_field(set, *schema, f.name, "keep", out));
    for (const auto& k : schema->primary_key) {
        auto column = column_of(set, k);
        if (!column) return verify_error("set " + set.name + ": key field '" + k + "' is not among its columns");
        out.key_names.push_back(k);
        out.key_columns.push_back(*column);
    }
    return out;
}

NoticeRow notice_row(const NoticeSet& set, std::span<const records::FieldValue> row) {
    NoticeRow r;
    for (size_t i = 0; i < set.key_columns.size(); ++i) {
        const std::string_view v = row[set.key_columns[i]].value_or(std::string_view());
        if (set.key_columns.size() == 1) r.key = std::string(v);
        else r.key += (i ? "; " : "") + set.key_names[i] + "=" + std::string(v);
    }
    for (const auto& f : set.fields) {
        const records::FieldValue v = f.column ? row[*f.column] : records::FieldValue();
        r.values.push_back(v);
        if (f.rule != "keep") r.notes.push_back(f.name + ": " + (f.rule == "drop" ? "dropped" : f.rule == "mask" ? "masked" : "pseudonymized"));
        else if (!v || v->empty()) r.notes.push_back(f.name + ": empty");
        else if (f.channel) r.reachable.push_back(f.name);
    }
    return r;
}

}  // namespace baton::agent
