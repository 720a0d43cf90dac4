// Checks rows against a schema: types, required, max_length, enum values, primary key and unique
// duplicates, references to other sets; and counts what the import report shows.
//
// A row is the values of one record in schema field order (map_columns/map_row turn a reader's
// columns into that order). check_row() reports every problem it finds (problem.h kinds) and
// says whether the row is acceptable: no errors (warnings allowed). Only acceptable rows have
// their keys recorded, so a later row repeating the key of a refused row is not a duplicate —
// the import either refuses the file or sends the first row to the rejects file.
//
// Messages never quote the value (reports and logs must not carry personal data); the line and
// field locate it.
//
// Memory: per primary key and unique field, one KeyHashSet (key_hash.h) of accepted rows.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "storage/records/key_hash.h"
#include "storage/records/record_reader.h"
#include "storage/records/schema.h"
#include "storage/records/value_checks.h"

namespace baton::records {

// Answers whether another set holds a key: backed by the hashes its import recorded.
class ReferenceLookup {
public:
    virtual ~ReferenceLookup() = default;
    // True when `ref` can be checked (its set is imported and its hashes are at hand).
    virtual bool knows(const Reference& ref) const = 0;
    // True when the referenced field holds a value whose KeyHasher::hash_one() is `h`.
    virtual bool contains(const Reference& ref, const KeyHash& h) const = 0;
};

// A ReferenceLookup over caller-owned hash sets (e.g. loaded from the database, or taken from
// the Validator that imported the other set). REQUIRES: the sets outlive the lookup.
class MapReferenceLookup final : public ReferenceLookup {
public:
    void add(const Reference& ref, const KeyHashSet* hashes) { sets_[key(ref)] = hashes; }
    bool knows(const Reference& ref) const override { return sets_.count(key(ref)) != 0; }
    bool contains(const Reference& ref, const KeyHash& h) const override;

private:
    static std::string key(const Reference& r) { return r.set + "." + r.field; }
    std::map<std::string, const KeyHashSet*> sets_;
};

struct ImportStats {
    uint64_t rows = 0;                 // rows checked, plus records refused by the reader
    uint64_t rows_with_errors = 0;
    uint64_t rows_with_warnings = 0;   // rows with warnings and no errors
    std::vector<uint64_t> nulls;       // per schema field
    std::map<std::string, uint64_t> errors_by_kind;
    std::map<std::string, uint64_t> warnings_by_kind;
};

struct ValidatorOptions {
    CivilDate today = today_in_china();  // birth dates after it are refused
};

class Validator {
public:
    // REQUIRES: `schema` and `lookup` outlive the validator. `lookup` may be null when no field
    // has references. Fails (conflict) naming the field when a reference cannot be checked.
    static Result<std::unique_ptr<Validator>> create(const Schema& schema, const KeyHasher& hasher,
                                                     const ReferenceLookup* lookup, ValidatorOptions options = {});

    // Checks one row (REQUIRES: values.size() == schema.fields.size()), appends all its problems
    // to `out` with `line`, and returns true when it has no error.
    bool check_row(uint64_t line, std::span<const FieldValue> values, std::vector<Problem>& out);

    // Counts a record the reader refused (its Problem) in the stats.
    void count_reader_problem(const Problem& p);

    const ImportStats& stats() const { return stats_; }

    // Hashes of the accepted rows' values of field `i` when it is unique or the whole primary
    // key (what other sets reference); null otherwise.
    const KeyHashSet* value_hashes(size_t i) const;
    // Hashes of the accepted rows' primary keys (KeyHasher::hash of the key fields in key order).
    const KeyHashSet& primary_key_hashes() const { return pk_; }

private:
    Validator(const Schema& schema, const KeyHasher& hasher, const ReferenceLookup* lookup, ValidatorOptions o);

    void check_field(size_t i, std::string_view v, std::vector<Finding>& findings) const;
    void check_keys(std::span<const FieldValue> values, std::vector<Finding>& f, std::vector<size_t>& fields);
    void record_keys(std::span<const FieldValue> values);
    KeyHash primary_key_hash(std::span<const FieldValue> values);

    const Schema& schema_;
    KeyHasher hasher_;
    const ReferenceLookup* lookup_;
    ValidatorOptions opt_;
    std::vector<std::unordered_set<std::string_view>> enums_;  // per field; empty unless enum
    std::vector<bool> identifying_;
    std::vector<std::unique_ptr<KeyHashSet>> unique_;  // per field; null unless unique (and not the sole key)
    KeyHashSet pk_;
    std::string pk_label_;
    ImportStats stats_;
    // Scratch of check_row, kept to avoid allocations per row.
    std::vector<Finding> findings_;
    std::vector<size_t> finding_fields_;
    std::vector<bool> field_ok_;
    std::vector<FieldValue> key_values_;
    KeyHash row_pk_hash_{};                 // hashes computed by check_keys, reused by record_keys
    std::vector<KeyHash> row_unique_hash_;  // per field, valid where unique_ and a value
};

// How a reader's columns map onto a schema's fields.
struct ColumnMap {
    std::vector<size_t> field_of_column;  // per reader column: its schema field index
};

// Maps reader columns to schema fields. Every field needs a column and every column a field,
// each once. Fails (bad_input) naming `file`, listing unknown and missing columns.
Result<ColumnMap> map_columns(const Schema& schema, std::span<const std::string> columns, std::string_view file);

// Puts `record`'s values in schema field order into `row` (resized to the field count).
void map_row(const ColumnMap& map, const Record& record, std::vector<FieldValue>& row);

}  // namespace baton::records
