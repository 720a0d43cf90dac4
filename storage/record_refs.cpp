#include "storage/record_refs.h"

#include "storage/record_store.h"

namespace baton::storage {

namespace {

using records::FieldDef;
using records::Schema;

Result<Schema> stored_schema(const RecordSetInfo& s) {
    auto schema = records::parse_schema(s.schema_json, "stored schema of set " + s.name);
    if (!schema) return verify_error(schema.error().message());
    return schema;
}

// How many records of `dependent` hold a value of field `field` that `hashes` lacks.
Result<uint64_t> count_dangling(Database& db, const crypto::Key32& storage_key, const std::string& dependent,
                                size_t field, const records::KeyHashSet& hashes, const records::KeyHasher& hasher) {
    BATON_ASSIGN(auto reader, RecordSetReader::open(db, storage_key, dependent));
    std::vector<FieldValue> row;
    uint64_t dangling = 0;
    for (;;) {
        BATON_ASSIGN(bool more, reader.next(row));
        if (!more) return dangling;
        if (row[field] && !hashes.contains(hasher.hash_one(*row[field]))) ++dangling;
    }
}

// Checks the references of one stored set `dep` to the set `schema` describes.
Status check_one(Database& db, const crypto::Key32& storage_key, const RecordSetInfo& dep, const Schema& schema,
                 const records::Validator& validator, const records::KeyHasher& hasher) {
    BATON_ASSIGN(Schema dep_schema, stored_schema(dep));
    for (size_t i = 0; i < dep_schema.fields.size(); ++i) {
        const FieldDef& f = dep_schema.fields[i];
        if (!f.references || f.references->set != schema.set) continue;
        const std::string what = "set " + dep.name + ", field '" + f.name + "' references " + schema.set + "." +
                                 f.references->field;
        if (auto target = records::check_reference_target(dep_schema, f, schema); !target)
            return conflict_error("cannot replace set " + schema.set + ": " + target.error().message());
        const records::KeyHashSet* hashes = validator.value_hashes(*schema.find(f.references->field));
        if (!hashes) return internal_error(what + ": no hashes of the new values");
        BATON_ASSIGN(uint64_t dangling, count_dangling(db, storage_key, dep.name, i, *hashes, hasher));
        if (dangling)
            return conflict_error("cannot replace set " + schema.set + ": " + what + ", and " + std::to_string(dangling) +
                                  " of its records hold values the new file lacks");
    }
    return ok_status();
}

}  // namespace

Result<std::unique_ptr<StoredReferences>> StoredReferences::load(Database& db, const Schema& schema) {
    auto refs = std::unique_ptr<StoredReferences>(new StoredReferences());
    for (const FieldDef& f : schema.fields) {
        if (!f.references || refs->knows(*f.references)) continue;
        const records::Reference& r = *f.references;
        const std::string what = "set " + schema.set + ", field '" + f.name + "' references " + r.set + "." + r.field;
        if (r.set == schema.set) return conflict_error(what + ": references within one set are not supported");
        BATON_ASSIGN(auto target, find_record_set(db, r.set));
        if (!target) return conflict_error(what + ", but set " + r.set + " is not imported; import " + r.set + " first");
        BATON_ASSIGN(Schema target_schema, stored_schema(*target));
        BATON_TRY(records::check_reference_target(schema, f, target_schema));
        BATON_ASSIGN(auto hashes, load_key_hashes(db, target->id, r.field));
        refs->sets_.emplace(key(r), std::move(hashes));
    }
    return refs;
}

bool StoredReferences::contains(const records::Reference& ref, const records::KeyHash& h) const {
    auto it = sets_.find(key(ref));
    return it != sets_.end() && it->second.contains(h);
}

Status check_dependents(Database& db, const crypto::Key32& storage_key, const Schema& schema,
                        const records::Validator& validator, const records::KeyHasher& hasher) {
    BATON_ASSIGN(auto sets, list_record_sets(db));
    for (const RecordSetInfo& s : sets)
        if (s.name != schema.set) BATON_TRY(check_one(db, storage_key, s, schema, validator, hasher));
    return ok_status();
}

}  // namespace baton::storage
