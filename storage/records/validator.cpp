#include "storage/records/validator.h"

namespace baton::records {

bool MapReferenceLookup::contains(const Reference& ref, const KeyHash& h) const {
    auto it = sets_.find(key(ref));
    return it != sets_.end() && it->second && it->second->contains(h);
}

Validator::Validator(const Schema& schema, const KeyHasher& hasher, const ReferenceLookup* lookup, ValidatorOptions o)
    : schema_(schema), hasher_(hasher.clone()), lookup_(lookup), opt_(o), enums_(schema.fields.size()),
      identifying_(schema.fields.size()), unique_(schema.fields.size()), row_unique_hash_(schema.fields.size()) {
    stats_.nulls.assign(schema.fields.size(), 0);
    const bool single_key = schema.key_fields.size() == 1;
    for (size_t i = 0; i < schema.fields.size(); ++i) {
        const FieldDef& f = schema.fields[i];
        for (const auto& v : f.values) enums_[i].insert(v);
        identifying_[i] = f.in_primary_key || f.unique || f.references.has_value();
        if (f.unique && !(single_key && f.in_primary_key)) unique_[i] = std::make_unique<KeyHashSet>();
    }
    for (const auto& k : schema.primary_key) pk_label_ += (pk_label_.empty() ? "" : ", ") + k;
}

Result<std::unique_ptr<Validator>> Validator::create(const Schema& schema, const KeyHasher& hasher,
                                                     const ReferenceLookup* lookup, ValidatorOptions options) {
    for (const FieldDef& f : schema.fields) {
        if (f.references && (!lookup || !lookup->knows(*f.references)))
            return conflict_error("set " + schema.set + ", field '" + f.name + "' references " + f.references->set +
                                  "." + f.references->field + ", which is not imported; import " + f.references->set +
                                  " first");
    }
    return std::unique_ptr<Validator>(new Validator(schema, hasher, lookup, options));
}

const KeyHashSet* Validator::value_hashes(size_t i) const {
    if (schema_.key_fields.size() == 1 && schema_.key_fields[0] == i) return &pk_;
    return i < unique_.size() ? unique_[i].get() : nullptr;
}

void Validator::check_field(size_t i, std::string_view v, std::vector<Finding>& findings) const {
    const FieldDef& f = schema_.fields[i];
    check_value(f, v, CheckContext{opt_.today, identifying_[i]}, findings);
    if (f.type == FieldType::enumeration && !enums_[i].count(v))
        findings.push_back(
            Finding{Severity::error, kind::not_in_enum, "not one of the schema's values for this field"});
}

KeyHash Validator::primary_key_hash(std::span<const FieldValue> values) {
    key_values_.clear();
    for (size_t k : schema_.key_fields) key_values_.push_back(values[k]);
    return hasher_.hash(key_values_);
}

// Duplicate and reference checks, for fields whose own checks passed. `fields` gets the field
// index of each finding (SIZE_MAX for the primary key). REQUIRES: row_pk_hash_ is this row's.
// Leaves the row's unique-field hashes for record_keys().
void Validator::check_keys(std::span<const FieldValue> values, std::vector<Finding>& f, std::vector<size_t>& fields) {
    const std::vector<bool>& field_ok = field_ok_;
    bool key_ok = true;
    for (size_t k : schema_.key_fields) key_ok = key_ok && field_ok[k] && values[k];
    if (key_ok && pk_.contains(row_pk_hash_)) {
        f.push_back(Finding{Severity::error, kind::duplicate_key,
                            "duplicate primary key (" + pk_label_ + "): an earlier row has the same key"});
        fields.push_back(SIZE_MAX);
    }
    for (size_t i = 0; i < values.size(); ++i) {
        if (!values[i] || !field_ok[i]) continue;
        const FieldDef& def = schema_.fields[i];
        if (unique_[i]) row_unique_hash_[i] = hasher_.hash_one(*values[i]);
        if (unique_[i] && unique_[i]->contains(row_unique_hash_[i])) {
            f.push_back(
                Finding{Severity::error, kind::duplicate_value, "unique field: an earlier row has the same value"});
            fields.push_back(i);
        }
        if (def.references && !lookup_->contains(*def.references, hasher_.hash_one(*values[i]))) {
            f.push_back(Finding{Severity::error, kind::dangling_reference,
                                "no record of " + def.references->set + " has this " + def.references->field});
            fields.push_back(i);
        }
    }
}

// REQUIRES: check_keys() ran on this row and found no error.
void Validator::record_keys(std::span<const FieldValue> values) {
    pk_.insert(row_pk_hash_);
    for (size_t i = 0; i < values.size(); ++i)
        if (unique_[i] && values[i]) unique_[i]->insert(row_unique_hash_[i]);
}

bool Validator::check_row(uint64_t line, std::span<const FieldValue> values, std::vector<Problem>& out) {
    ++stats_.rows;
    std::vector<Finding>& findings = findings_;
    std::vector<size_t>& fields = finding_fields_;  // field of each finding
    std::vector<bool>& field_ok = field_ok_;
    findings.clear();
    fields.clear();
    field_ok.assign(values.size(), true);
    row_pk_hash_ = primary_key_hash(values);  // early, so its table slot loads during the checks
    pk_.prefetch(row_pk_hash_);
    for (size_t i = 0; i < values.size(); ++i) {
        const size_t before = findings.size();
        if (!values[i]) {
            ++stats_.nulls[i];
            if (schema_.fields[i].is_required())
                findings.push_back(Finding{Severity::error, kind::required_missing, "required, but empty"});
        } else {
            check_field(i, *values[i], findings);
        }
        for (size_t k = before; k < findings.size(); ++k) {
            fields.push_back(i);
            if (findings[k].severity == Severity::error) field_ok[i] = false;
        }
    }
    check_keys(values, findings, fields);
    bool errors = false, warnings = false;
    for (size_t k = 0; k < findings.size(); ++k) {
        Finding& fd = findings[k];
        const bool is_error = fd.severity == Severity::error;
        errors = errors || is_error;
        warnings = warnings || !is_error;
        auto& counts = is_error ? stats_.errors_by_kind : stats_.warnings_by_kind;
        ++counts[std::string(fd.kind)];
        std::string field = fields[k] == SIZE_MAX ? pk_label_ : schema_.fields[fields[k]].name;
        out.push_back(Problem{line, 0, std::move(field), std::string(fd.kind), std::move(fd.message), fd.severity});
    }
    if (errors) ++stats_.rows_with_errors;
    else if (warnings) ++stats_.rows_with_warnings;
    if (!errors) record_keys(values);
    return !errors;
}

void Validator::count_reader_problem(const Problem& p) {
    ++stats_.rows;
    ++stats_.rows_with_errors;
    ++stats_.errors_by_kind[p.kind];
}

Result<ColumnMap> map_columns(const Schema& schema, std::span<const std::string> columns, std::string_view file) {
    ColumnMap map;
    std::vector<bool> covered(schema.fields.size(), false);
    std::string unknown, missing;
    for (const std::string& c : columns) {
        auto idx = schema.find(c);
        if (!idx) {
            unknown += (unknown.empty() ? "'" : ", '") + c + "'";
            continue;
        }
        if (covered[*idx]) return input_error(std::string(file) + ": column '" + c + "' appears twice");
        covered[*idx] = true;
        map.field_of_column.push_back(*idx);
    }
    for (size_t i = 0; i < covered.size(); ++i)
        if (!covered[i]) missing += (missing.empty() ? "'" : ", '") + schema.fields[i].name + "'";
    if (unknown.empty() && missing.empty()) return map;
    std::string m = std::string(file) + ": the columns do not match schema " + schema.set;
    if (!unknown.empty()) m += "; not in the schema: " + unknown;
    if (!missing.empty()) m += "; missing: " + missing;
    return input_error(m);
}

void map_row(const ColumnMap& map, const Record& record, std::vector<FieldValue>& row) {
    row.assign(map.field_of_column.size(), std::nullopt);
    for (size_t c = 0; c < map.field_of_column.size() && c < record.values.size(); ++c)
        row[map.field_of_column[c]] = record.values[c];
}

}  // namespace baton::records
