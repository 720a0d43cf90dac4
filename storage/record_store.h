// Record sets in the agent's database (migration 2; DESIGN §5, issue 4).
//
// Tables:
//   record_sets        one row per set: name, canonical schema JSON, the source file's column
//                      order, record count, content digest, when and from what it was imported,
//                      and a random import id. No record values.
//   record_batches     the set's records, sealed (storage/record_batch.h): the only place values
//                      are stored, and never in plaintext — not in the database, not in the WAL,
//                      not in temporary files (the writer builds no temporary tables or indices).
//   record_key_hashes  keyed hashes (records::KeyHasher) of the accepted values of each unique
//                      or single-field primary key field, so that later sets' `references` can be
//                      checked without decrypting anything.
//
// Every function runs inside the caller's transaction when one is open: an import or a replace
// commits as a whole or leaves nothing.
//
// Errors: io for SQLite failures (a full disk included), conflict for a set that exists or does
// not, verify_failed for stored data that fails authentication, decoding, or its count or digest.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/time.h"
#include "storage/db.h"
#include "storage/record_batch.h"
#include "storage/records/key_hash.h"

namespace baton::storage {

struct RecordSetInfo {
    int64_t id = 0;
    std::string name;
    std::string schema_json;           // records::schema_to_json of the import's schema
    std::vector<std::string> columns;  // schema field names in the source file's order
    ImportId import_id{};
    uint64_t records = 0;
    uint64_t rejected = 0;             // records sent to a rejects file by the import
    crypto::Digest32 digest{};
    std::string source_file, source_format, source_encoding;
    UnixTime imported_at = 0;
};

// All sets, by name. Needs no key.
Result<std::vector<RecordSetInfo>> list_record_sets(Database& db);
// The set called `name`, if stored.
Result<std::optional<RecordSetInfo>> find_record_set(Database& db, std::string_view name);

// Writes one set: seals rows into batches as they come and inserts them.
class RecordSetWriter {
public:
    struct Params {
        std::string name;
        std::string schema_json;
        std::vector<std::string> columns;
        size_t field_count = 0;
        std::string source_file, source_format;
    };

    // Starts the set. With `replace`, deletes a stored set of that name first (its batches are
    // overwritten on disk: secure_delete); without, fails (conflict) when one exists.
    // REQUIRES: a transaction is open on `db` and stays open until finish(); field_count > 0.
    static Result<RecordSetWriter> begin(Database& db, const crypto::Key32& storage_key, Params params, bool replace);

    // Adds a row (values in schema field order; views need only last the call).
    Status add(std::span<const FieldValue> row);
    // Stores the accepted values' hashes of `field`. Call after the last add().
    Status add_key_hashes(std::string_view field, const records::KeyHashSet& hashes);
    // Seals the last batch and writes the counts, the digest and the input's encoding (known
    // only once it was read). The set exists once the caller commits.
    Result<RecordSetInfo> finish(uint64_t rejected, std::string source_encoding, UnixTime now);

private:
    RecordSetWriter(Database& db, RecordSetInfo info, crypto::Key32 key, size_t field_count);
    Status flush();

    Database* db_;
    RecordSetInfo info_;
    crypto::Key32 key_;
    BatchEncoder batch_;
    ContentDigest digest_;
    std::unique_ptr<Statement> insert_;
    uint64_t next_batch_ = 0;
};

// Reads a set back, checking every batch and, at the end, the count and the digest.
class RecordSetReader {
public:
    // Fails (conflict) when there is no such set.
    static Result<RecordSetReader> open(Database& db, const crypto::Key32& storage_key, std::string_view name);

    const RecordSetInfo& info() const { return info_; }
    size_t field_count() const { return field_count_; }

    // The next record's values in schema field order (views valid until the next call), or false
    // at the end — only after the count and the content digest matched. Fails (verify_failed)
    // on a batch that does not authenticate or decode, a missing or extra batch, a wrong count or
    // digest. REQUIRES: no earlier call failed.
    Result<bool> next(std::vector<FieldValue>& row);

private:
    RecordSetReader(RecordSetInfo info, crypto::Key32 key, size_t fields, Statement st);
    Result<bool> load_batch();
    Status check_end();

    RecordSetInfo info_;
    crypto::Key32 key_;
    size_t field_count_;
    std::unique_ptr<Statement> select_;
    std::optional<BatchDecoder> batch_;
    uint32_t in_batch_ = 0;
    uint64_t next_batch_ = 0;
    uint64_t seen_ = 0;
    ContentDigest digest_;
};

// The stored hashes of `field` of set `set_id`: an empty set when none are stored.
Result<records::KeyHashSet> load_key_hashes(Database& db, int64_t set_id, std::string_view field);

}  // namespace baton::storage
