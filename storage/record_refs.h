// References between stored record sets (schema option "references": "set.field").
//
// A set can reference a field of another, already imported set when that field is unique or
// the whole single-field primary key (records::check_reference_target). Checks use the keyed
// hashes the referenced set's import stored (record_store.h), so nothing is decrypted to import.
// Replacing a referenced set is allowed only when every stored reference to it still resolves.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/crypto.h"
#include "storage/db.h"
#include "storage/records/schema.h"
#include "storage/records/validator.h"

namespace baton::storage {

class StoredReferences final : public records::ReferenceLookup {
public:
    // Loads the stored hashes of every field that a field of `schema` references. Fails
    // (conflict) naming the field when the referenced set is not imported or is `schema`'s own
    // set, (bad_input) when the stored set's field cannot be referenced, (io) on SQLite failures.
    static Result<std::unique_ptr<StoredReferences>> load(Database& db, const records::Schema& schema);

    bool knows(const records::Reference& ref) const override { return sets_.count(key(ref)) != 0; }
    bool contains(const records::Reference& ref, const records::KeyHash& h) const override;

private:
    static std::string key(const records::Reference& r) { return r.set + "." + r.field; }
    std::map<std::string, records::KeyHashSet> sets_;
};

// Before a new import of set `schema.set` replaces the stored one: checks that every other stored
// set whose fields reference it finds each of its non-null values among the new import's
// accepted values (`validator`, which checked the new file). Decrypts the referencing sets with
// their keys. Fails (conflict) naming the referencing set and field and how many of its records
// would be left dangling; (verify_failed) when a referencing set fails its own checks.
Status check_dependents(Database& db, const crypto::Key32& storage_key, const records::Schema& schema,
                        const records::Validator& validator, const records::KeyHasher& hasher);

}  // namespace baton::storage
