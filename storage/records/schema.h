// Record-set schemas (DESIGN §6 "Schema files"): a JSON file naming the set, its primary key
// and its fields, parsed strictly.
//
//   { "set": "customers", "primary_key": ["customer_id"],
//     "fields": [ { "name": "customer_id", "type": "string", "required": true }, ... ] }
//
// Top-level keys: set, primary_key, fields — all required. Field keys: name, type (required);
// required, unique (booleans); max_length (1..1048576, in Unicode code points); references
// ("set.field", another set); strict (boolean, cn_uscc only); scale (0..18, decimal only, required
// there); values (enum only, required there: 1..4096 distinct non-empty strings).
// Anything else — an unknown key, an unknown type, an option on a type it does not apply to, a
// duplicate key in any object, a duplicate field name, a primary key naming no field — fails.
//
// Names: a set is [A-Za-z_][A-Za-z0-9_]* (at most 64 bytes). A field name is matched to CSV
// headers and JSON keys exactly: 1..128 bytes of UTF-8 with no control characters, no '.' or '='
// (they separate set, field and rule in "--mask SET.FIELD=RULE") and no leading or trailing
// space. Primary key fields are always treated as required.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace baton::records {

enum class FieldType {
    string, integer, decimal, date, datetime, enumeration, cn_resident_id, cn_mobile, cn_uscc, email
};

std::string_view type_name(FieldType t);  // as written in schemas: "enum" for enumeration
std::optional<FieldType> parse_type(std::string_view name);

struct Reference {
    std::string set;
    std::string field;
    bool operator==(const Reference&) const = default;
};

struct FieldDef {
    std::string name;
    FieldType type = FieldType::string;
    bool required = false;           // as written; see is_required()
    bool unique = false;
    bool strict = false;             // cn_uscc: a failing check character is an error, not a warning
    std::optional<uint32_t> max_length;
    uint32_t scale = 0;              // decimal: most digits after the point
    std::vector<std::string> values; // enum: the allowed values
    std::optional<Reference> references;
    bool in_primary_key = false;     // derived from the schema's primary_key
    bool operator==(const FieldDef&) const = default;

    bool is_required() const { return required || in_primary_key; }
};

struct Schema {
    std::string set;
    std::vector<std::string> primary_key;  // field names, in key order
    std::vector<size_t> key_fields;        // their indices in `fields`
    std::vector<FieldDef> fields;          // in the order written
    bool operator==(const Schema&) const = default;

    // Index of the field named `name`, if any.
    std::optional<size_t> find(std::string_view name) const;
    std::vector<std::string> field_names() const;
};

inline constexpr size_t kMaxSchemaBytes = 1u << 20;
inline constexpr size_t kMaxFields = 1024;
inline constexpr size_t kMaxFieldNameBytes = 128;
inline constexpr size_t kMaxSetNameBytes = 64;
inline constexpr size_t kMaxEnumValues = 4096;
inline constexpr size_t kMaxEnumValueBytes = 256;
inline constexpr uint32_t kMaxLengthLimit = 1u << 20;  // a field is at most 1 MiB anyway
inline constexpr uint32_t kMaxScale = 18;

// Parses a schema. `file` names it in messages ("customers.schema.json: field 'mobile': ...").
// Fails (bad_input) as the file comment says.
Result<Schema> parse_schema(std::string_view json_text, std::string_view file);

// Reads and parses a schema file. Fails (io) when unreadable, (bad_input) when bigger than
// kMaxSchemaBytes or invalid.
Result<Schema> load_schema(const std::string& path);

// The schema as compact JSON with keys in a fixed order and only the options that are set:
// store it with the set. parse_schema(schema_to_json(s)) == s.
std::string schema_to_json(const Schema& s);

// Checks that `ref` (a field of `from`) can be resolved against `target`, the referenced set's
// schema: the set names match, the field exists and is unique or the whole single-field primary
// key. Fails (bad_input) naming both.
Status check_reference_target(const Schema& from, const FieldDef& field, const Schema& target);

}  // namespace baton::records
