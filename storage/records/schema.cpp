#include "storage/records/schema.h"

#include <fstream>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_set>

#include "storage/records/utf8.h"

namespace baton::records {

namespace {

using json = nlohmann::json;

constexpr std::pair<FieldType, std::string_view> kTypes[] = {
    {FieldType::string, "string"},   {FieldType::integer, "integer"},
    {FieldType::decimal, "decimal"}, {FieldType::date, "date"},
    {FieldType::datetime, "datetime"}, {FieldType::enumeration, "enum"},
    {FieldType::cn_resident_id, "cn_resident_id"}, {FieldType::cn_mobile, "cn_mobile"},
    {FieldType::cn_uscc, "cn_uscc"}, {FieldType::email, "email"},
};

// Builds the error messages of one schema file.
struct Ctx {
    std::string_view file;
    Error at(std::string_view what) const { return input_error(std::string(file) + ": " + std::string(what)); }
    Error field(std::string_view name, std::string_view what) const {
        return at("field '" + std::string(name) + "': " + std::string(what));
    }
};

bool valid_set_name(std::string_view s) {
    if (s.empty() || s.size() > kMaxSetNameBytes) return false;
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

// Returns why `s` is not a valid field name, or an empty string.
std::string field_name_problem(std::string_view s) {
    if (s.empty()) return "a field name must not be empty";
    if (s.size() > kMaxFieldNameBytes)
        return "a field name is limited to " + std::to_string(kMaxFieldNameBytes) + " bytes";
    if (s.front() == ' ' || s.back() == ' ') return "a field name must not start or end with a space";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) return "a field name must not contain control characters";
        if (c == '.' || c == '=') return "a field name must not contain '.' or '='";
    }
    return "";
}

// Rejects keys of `obj` outside `allowed`.
Status only_keys(const json& obj, std::initializer_list<std::string_view> allowed,
                 const std::function<Error(std::string)>& err) {
    for (const auto& [k, v] : obj.items()) {
        bool ok = false;
        for (auto a : allowed) ok = ok || a == k;
        if (!ok) return err("unknown key '" + k + "'");
    }
    return ok_status();
}

Result<bool> get_bool(const json& f, const char* key, const Ctx& c, std::string_view name) {
    if (!f.contains(key)) return false;
    if (!f[key].is_boolean()) return c.field(name, std::string("'") + key + "' must be true or false");
    return f[key].get<bool>();
}

Result<uint32_t> get_uint(const json& v, const char* key, uint32_t lo, uint32_t hi, const Ctx& c,
                          std::string_view name) {
    const std::string range = std::to_string(lo) + ".." + std::to_string(hi);
    if (!v.is_number_unsigned() && !v.is_number_integer())
        return c.field(name, std::string("'") + key + "' must be a whole number in " + range);
    const auto n = v.get<int64_t>();
    if (n < lo || n > hi) return c.field(name, std::string("'") + key + "' must be in " + range);
    return static_cast<uint32_t>(n);
}

Result<Reference> parse_reference(const json& v, const Ctx& c, std::string_view name, std::string_view own_set) {
    if (!v.is_string()) return c.field(name, "'references' must be a string \"set.field\"");
    const auto s = v.get<std::string>();
    const auto dot = s.find('.');
    if (dot == std::string::npos) return c.field(name, "'references' must be \"set.field\", not '" + s + "'");
    Reference r{s.substr(0, dot), s.substr(dot + 1)};
    if (!valid_set_name(r.set) || !field_name_problem(r.field).empty())
        return c.field(name, "'references' must be \"set.field\", not '" + s + "'");
    if (r.set == own_set)
        return c.field(name, "references its own set '" + r.set + "'; references within one set are not supported");
    return r;
}

Status parse_enum_values(const json& v, const Ctx& c, FieldDef& f) {
    if (!v.is_array() || v.empty() || v.size() > kMaxEnumValues)
        return c.field(f.name, "'values' must be a list of 1.." + std::to_string(kMaxEnumValues) + " strings");
    std::set<std::string> seen;
    for (const auto& e : v) {
        if (!e.is_string()) return c.field(f.name, "every entry of 'values' must be a string");
        auto s = e.get<std::string>();
        if (s.empty() || s.size() > kMaxEnumValueBytes)
            return c.field(f.name, "enum values must be 1.." + std::to_string(kMaxEnumValueBytes) + " bytes");
        if (!seen.insert(s).second) return c.field(f.name, "enum value '" + s + "' is listed twice");
        f.values.push_back(std::move(s));
    }
    return ok_status();
}

// Options that apply to one type only.
Status parse_type_options(const json& j, const Ctx& c, FieldDef& f) {
    const bool is_enum = f.type == FieldType::enumeration, is_dec = f.type == FieldType::decimal;
    if (j.contains("values") != is_enum)
        return c.field(f.name, is_enum ? "type enum needs 'values'" : "'values' applies only to type enum");
    if (j.contains("scale") != is_dec)
        return c.field(f.name, is_dec ? "type decimal needs 'scale'" : "'scale' applies only to type decimal");
    if (j.contains("strict") && f.type != FieldType::cn_uscc)
        return c.field(f.name, "'strict' applies only to type cn_uscc");
    if (is_enum) BATON_TRY(parse_enum_values(j["values"], c, f));
    if (is_dec) { BATON_ASSIGN(f.scale, get_uint(j["scale"], "scale", 0, kMaxScale, c, f.name)); }
    BATON_ASSIGN(f.strict, get_bool(j, "strict", c, f.name));
    return ok_status();
}

Result<FieldDef> parse_field(const json& j, size_t index, const Ctx& c, std::string_view own_set) {
    const std::string where = "field " + std::to_string(index + 1);
    if (!j.is_object()) return c.at(where + " must be an object");
    if (!j.contains("name") || !j["name"].is_string()) return c.at(where + " needs a string 'name'");
    FieldDef f;
    f.name = j["name"].get<std::string>();
    if (auto p = field_name_problem(f.name); !p.empty()) return c.at(where + ": " + p);
    BATON_TRY(only_keys(j,
                        {"name", "type", "required", "unique", "max_length", "references", "strict", "scale", "values"},
                        [&](std::string m) { return c.field(f.name, m); }));
    if (!j.contains("type") || !j["type"].is_string()) return c.field(f.name, "needs a string 'type'");
    auto t = parse_type(j["type"].get<std::string>());
    if (!t) return c.field(f.name, "unknown type '" + j["type"].get<std::string>() + "'");
    f.type = *t;
    BATON_ASSIGN(f.required, get_bool(j, "required", c, f.name));
    BATON_ASSIGN(f.unique, get_bool(j, "unique", c, f.name));
    if (j.contains("max_length")) {
        BATON_ASSIGN(f.max_length, get_uint(j["max_length"], "max_length", 1, kMaxLengthLimit, c, f.name));
    }
    if (j.contains("references")) {
        BATON_ASSIGN(f.references, parse_reference(j["references"], c, f.name, own_set));
    }
    BATON_TRY(parse_type_options(j, c, f));
    return f;
}

Status parse_fields(const json& arr, const Ctx& c, Schema& s) {
    if (!arr.is_array() || arr.empty() || arr.size() > kMaxFields)
        return c.at("'fields' must be a list of 1.." + std::to_string(kMaxFields) + " fields");
    for (size_t i = 0; i < arr.size(); ++i) {
        BATON_ASSIGN(FieldDef f, parse_field(arr[i], i, c, s.set));
        if (s.find(f.name)) return c.field(f.name, "is defined twice");
        s.fields.push_back(std::move(f));
    }
    return ok_status();
}

Status parse_primary_key(const json& v, const Ctx& c, Schema& s) {
    if (!v.is_array() || v.empty() || v.size() > s.fields.size())
        return c.at("'primary_key' must be a non-empty list of field names");
    for (const auto& e : v) {
        if (!e.is_string()) return c.at("'primary_key' must list field names as strings");
        const auto name = e.get<std::string>();
        auto idx = s.find(name);
        if (!idx) return c.at("primary key names '" + name + "', which is not a field");
        if (s.fields[*idx].in_primary_key) return c.at("primary key names '" + name + "' twice");
        s.fields[*idx].in_primary_key = true;
        s.primary_key.push_back(name);
        s.key_fields.push_back(*idx);
    }
    return ok_status();
}

// nlohmann keeps the last of two equal keys silently; this records the first duplicate instead.
Result<json> parse_json_strict(std::string_view text, const Ctx& c) {
    std::vector<std::unordered_set<std::string>> keys;
    std::string duplicate;
    json::parser_callback_t cb = [&](int, json::parse_event_t ev, json& parsed) {
        if (ev == json::parse_event_t::object_start) keys.emplace_back();
        else if (ev == json::parse_event_t::object_end && !keys.empty()) keys.pop_back();
        else if (ev == json::parse_event_t::key && !keys.empty() &&
                 !keys.back().insert(parsed.get<std::string>()).second && duplicate.empty())
            duplicate = parsed.get<std::string>();
        return true;
    };
    try {
        json j = json::parse(text.begin(), text.end(), cb);
        if (!duplicate.empty()) return c.at("key '" + duplicate + "' appears twice in one object");
        return j;
    } catch (const json::exception& e) {
        std::string m = e.what();
        if (auto p = m.find("] "); p != std::string::npos) m = m.substr(p + 2);
        return c.at("not valid JSON: " + m);
    }
}

}  // namespace

std::string_view type_name(FieldType t) {
    for (const auto& [type, name] : kTypes)
        if (type == t) return name;
    return "?";
}

std::optional<FieldType> parse_type(std::string_view name) {
    for (const auto& [type, n] : kTypes)
        if (n == name) return type;
    return std::nullopt;
}

std::optional<size_t> Schema::find(std::string_view name) const {
    for (size_t i = 0; i < fields.size(); ++i)
        if (fields[i].name == name) return i;
    return std::nullopt;
}

std::vector<std::string> Schema::field_names() const {
    std::vector<std::string> out;
    for (const auto& f : fields) out.push_back(f.name);
    return out;
}

Result<Schema> parse_schema(std::string_view text, std::string_view file) {
    const Ctx c{file};
    if (text.size() > kMaxSchemaBytes)
        return c.at("schema is larger than " + std::to_string(kMaxSchemaBytes) + " bytes");
    BATON_ASSIGN(json j, parse_json_strict(text, c));
    if (!j.is_object()) return c.at("a schema must be a JSON object");
    BATON_TRY(only_keys(j, {"set", "primary_key", "fields"}, [&](std::string m) { return c.at(m); }));
    for (const char* k : {"set", "primary_key", "fields"})
        if (!j.contains(k)) return c.at(std::string("missing '") + k + "'");
    Schema s;
    if (!j["set"].is_string() || !valid_set_name(j["set"].get<std::string>()))
        return c.at("'set' must be a name of letters, digits and '_' (at most 64 bytes, not starting with a digit)");
    s.set = j["set"].get<std::string>();
    BATON_TRY(parse_fields(j["fields"], c, s));
    BATON_TRY(parse_primary_key(j["primary_key"], c, s));
    return s;
}

Result<Schema> load_schema(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return io_error("cannot open schema " + path);
    std::string text(kMaxSchemaBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) return io_error("cannot read schema " + path);
    text.resize(static_cast<size_t>(in.gcount()));
    return parse_schema(text, path);
}

}  // namespace baton::records

namespace baton::records {

std::string schema_to_json(const Schema& s) {
    nlohmann::ordered_json j;
    j["set"] = s.set;
    j["primary_key"] = s.primary_key;
    j["fields"] = nlohmann::ordered_json::array();
    for (const FieldDef& f : s.fields) {
        nlohmann::ordered_json o;
        o["name"] = f.name;
        o["type"] = std::string(type_name(f.type));
        if (f.required) o["required"] = true;
        if (f.unique) o["unique"] = true;
        if (f.max_length) o["max_length"] = *f.max_length;
        if (f.references) o["references"] = f.references->set + "." + f.references->field;
        if (f.strict) o["strict"] = true;
        if (f.type == FieldType::decimal) o["scale"] = f.scale;
        if (f.type == FieldType::enumeration) o["values"] = f.values;
        j["fields"].push_back(std::move(o));
    }
    return j.dump();
}

Status check_reference_target(const Schema& from, const FieldDef& field, const Schema& target) {
    if (!field.references) return internal_error("check_reference_target: field has no reference");
    const Reference& r = *field.references;
    const std::string what = "set " + from.set + ", field '" + field.name + "' references " + r.set + "." + r.field;
    if (target.set != r.set) return internal_error(what + " but was checked against set " + target.set);
    auto idx = target.find(r.field);
    if (!idx) return input_error(what + ", but set " + r.set + " has no field '" + r.field + "'");
    const FieldDef& t = target.fields[*idx];
    const bool whole_key = target.key_fields.size() == 1 && target.key_fields[0] == *idx;
    if (!t.unique && !whole_key)
        return input_error(what + ", which is neither unique nor the whole primary key of " + r.set);
    return ok_status();
}

}  // namespace baton::records
