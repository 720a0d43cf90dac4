// Handover state in the agent's database (migration 3; docs/handover.md "Storage").
//
// Storage knows nothing of the protocol: signed statements (plan, countersignature, manifest,
// receipts, key releases) are kept as the exact bytes received or made, beside the few facts the
// agent queries (state, counts). Every function runs inside the caller's transaction when one is
// open, so "commit, then tell the peer" is one Transaction around several calls.
//
// Tables:
//   handover_plans    deal (key), role ('seller'|'buyer'), plan statement, plan hash, countersign
//   handover_stages   (deal, stage_number) key; name, state, manifest statement, chunk count and
//                     size, chunk hashes (n x 32 bytes), the content key sealed under the storage
//                     key, chunks held (buyer), bytes re-sent (seller), reject reason, times
//   handover_chunks   (deal, stage_number, idx) key; the chunk ciphertext (sealed under the
//                     stage's content key: never plaintext)
//   handover_receipts (deal, stage_number, kind) key; the statement bytes
//   handover_key_releases (deal, stage_number) key; statement and sealed key
//
// Errors: io for SQLite failures (full disk included), conflict for a state that does not allow
// the call (named in the message), verify_failed for stored data that fails authentication.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/time.h"
#include "storage/db.h"
#include "storage/record_batch.h"

namespace baton::storage {

// ---- plans ------------------------------------------------------------------------------------
struct StoredPlan {
    std::string deal;
    std::string role;                  // "seller" or "buyer"
    Bytes plan;                        // signed plan envelope
    crypto::Digest32 plan_hash{};
    std::optional<Bytes> countersign;  // signed countersignature envelope, once agreed
    UnixTime created_at = 0;
};
// Inserts the plan. Fails (conflict) when the deal has a plan already.
Status save_plan(Database& db, const StoredPlan& plan);
Result<std::optional<StoredPlan>> find_plan(Database& db, std::string_view deal);
std::vector<std::string> list_plan_deals(Database& db);
// Stores the countersignature. Fails (conflict) when there is no plan or it has a different one.
Status save_countersign(Database& db, std::string_view deal, ByteView countersign);

// ---- stages (both roles) ----------------------------------------------------------------------
// State names, in order. Seller: prepared -> offered -> delivered -> key_released -> verified ->
// accepted | rejected. Buyer: offered (manifest held, no hashes) -> receiving -> delivered ->
// verified -> accepted | rejected.
struct StageRow {
    std::string deal;
    uint32_t stage_number = 0;
    std::string name;
    std::string state;
    std::optional<Bytes> manifest;     // signed manifest envelope
    uint32_t chunk_count = 0;
    uint32_t chunk_size = 0;
    uint32_t chunks_held = 0;          // buyer: committed prefix; seller: acknowledged by the buyer
    uint32_t chunks_sent = 0;          // seller: highest chunk index sent + 1, committed before the send
    uint64_t ciphertext_bytes = 0;
    uint64_t bytes_resent = 0;         // seller: chunk bytes sent again after a resume
    uint32_t resumes = 0;              // seller: sessions that continued a started delivery
    std::string reason;                // rejected: "code: detail"
    UnixTime updated_at = 0;
};
Result<std::optional<StageRow>> find_stage(Database& db, std::string_view deal, uint32_t stage_number);
Result<std::vector<StageRow>> list_stages(Database& db, std::string_view deal);
// Moves a stage to `state` (any state name above; the caller's state machine decides what is
// allowed), recording `reason` when non-empty. Fails (conflict) when the stage does not exist.
Status set_stage_state(Database& db, std::string_view deal, uint32_t stage_number, std::string_view state,
                       std::string_view reason, UnixTime now);
// Seller: records the buyer's acknowledgement and bytes re-sent after a resume.
Status set_chunks_acknowledged(Database& db, std::string_view deal, uint32_t stage_number, uint32_t held);
// Seller, before it sends chunk sent-1: records that chunks up to `sent` may have left, and the
// buyer's latest acknowledgement. Neither goes down.
Status set_chunks_sent(Database& db, std::string_view deal, uint32_t stage_number, uint32_t sent, uint32_t acknowledged);
Status add_bytes_resent(Database& db, std::string_view deal, uint32_t stage_number, uint64_t bytes, bool new_resume);

// ---- receipts and key releases (both roles) ---------------------------------------------------
// Idempotent for identical bytes; fails (conflict) when a different statement of that kind exists.
Status save_receipt(Database& db, std::string_view deal, uint32_t stage_number, std::string_view kind,
                    ByteView statement, UnixTime now);
// The stage's receipts in the order stored: (kind, statement).
Result<std::vector<std::pair<std::string, Bytes>>> load_receipts(Database& db, std::string_view deal,
                                                                  uint32_t stage_number);
Status save_key_release(Database& db, std::string_view deal, uint32_t stage_number, ByteView statement,
                        ByteView sealed_key);
struct StoredKeyRelease {
    Bytes statement;
    Bytes sealed_key;
};
Result<std::optional<StoredKeyRelease>> find_key_release(Database& db, std::string_view deal, uint32_t stage_number);

// The stage's content key, sealed under the storage key (bound to deal and stage).
Status save_content_key(Database& db, const crypto::Key32& storage_key, std::string_view deal, uint32_t stage_number,
                        const crypto::Key32& content_key);
Result<crypto::Key32> load_content_key(Database& db, const crypto::Key32& storage_key, std::string_view deal,
                                       uint32_t stage_number);

// ---- seller: preparing a stage ---------------------------------------------------------------
struct PrepareField {
    std::string name;
    std::string rule;                  // "keep" | "mask" | "pseudonymize" | "drop"
};
struct PrepareSet {
    std::string name;                  // a stored record set
    std::vector<PrepareField> rules;   // fields without a rule are kept
};
struct PrepareRequest {
    std::string deal;
    uint32_t stage_number = 0;
    std::string stage;
    std::vector<PrepareSet> sets;
    uint32_t chunk_size = 1u << 20;
    const Secret<32>* pseudonym_key = nullptr;  // REQUIRED when a rule is pseudonymize
};
struct PreparedTotal { std::string field, sum; };
struct PreparedSet {
    std::string name;
    std::string schema_json;           // after masking: dropped fields gone, masked and
                                       // pseudonymized fields typed string without unique/references
    std::vector<std::string> columns;  // source order minus dropped fields
    uint64_t records = 0;
    std::vector<PreparedTotal> totals; // decimal fields kept as is: exact sums
    std::vector<PrepareField> masks;   // one per field of the stored schema
};
struct PreparedStage {
    uint32_t chunk_size = 0, chunk_count = 0;
    uint64_t ciphertext_bytes = 0, plaintext_bytes = 0;
    crypto::Digest32 merkle_root{}, plaintext_digest{};
    std::vector<PreparedSet> sets;
};
// Progress, called after every batch: records done, records in all, bytes of ciphertext written so
// far. The sets are read once into a sealed spool, then sealed into chunks (stage_prepare.cpp says
// why): records_done reaches records_total when the last batch is spooled, and bytes grow after.
using PrepareProgress = std::function<void(uint64_t records_done, uint64_t records_total, uint64_t bytes)>;
// Reads the sets, masks, encodes, encrypts into chunks under a fresh content key, hashes, builds
// the Merkle tree; stores the chunks, their hashes, the sealed content key and a stage row in
// state "prepared" (manifest still empty). Memory: one chunk and one batch. Disk: a scratch file
// with no name beside the database, about the size of the chunks, gone when this returns.
// The schema as sent (storage/stage_schema.h): masked and pseudonymized fields keep `required`,
// lose `unique`, `references`, `max_length` and type options; the primary key keeps the key
// fields that are not dropped. Totals are in the order of the fields as sent.
// REQUIRES: an open transaction. Fails (conflict) when the stage exists or a set is missing;
// (bad_input) for a chunk size outside 4 KiB..16 MiB, a rule naming no field or a field twice, a
// set twice, a plan that drops every primary key field of a set; (usage) for an unknown rule;
// (verify_failed) for a stored set that does not read back; (internal) when a pseudonymize rule
// comes without pseudonym_key or outside a transaction; (io).
Result<PreparedStage> prepare_stage(Database& db, const crypto::Key32& storage_key, const PrepareRequest& req,
                                    const PrepareProgress& progress, UnixTime now);
// Stores the signed manifest of a prepared stage.
Status save_manifest(Database& db, std::string_view deal, uint32_t stage_number, ByteView manifest);

// ---- chunks (both roles) ----------------------------------------------------------------------
Result<Bytes> read_chunk(Database& db, std::string_view deal, uint32_t stage_number, uint32_t index);
// The chunk (merkle leaf) hashes of a stage, in order.
Result<std::vector<crypto::Digest32>> load_chunk_hashes(Database& db, std::string_view deal, uint32_t stage_number);

// ---- buyer: receiving a stage -----------------------------------------------------------------
struct InboundStage {
    std::string deal;
    uint32_t stage_number = 0;
    std::string name;
    Bytes manifest;                    // signed manifest envelope
    uint32_t chunk_count = 0, chunk_size = 0;
    uint64_t ciphertext_bytes = 0;
};
// Creates the stage row in state "offered". Idempotent for an identical manifest; fails
// (conflict) for a different one.
Status save_inbound_stage(Database& db, const InboundStage& stage, UnixTime now);
// Stores the chunk hashes (all of them, checked by the caller against the manifest root) and
// moves "offered" -> "receiving".
Status save_chunk_hashes(Database& db, std::string_view deal, uint32_t stage_number,
                         const std::vector<crypto::Digest32>& hashes, UnixTime now);
// Stores chunk `index` and increments chunks_held: chunks are held as a prefix, and none is stored
// twice. An index below chunks_held (a chunk sent again) is a no-op when the held bytes are
// identical and a conflict otherwise; an index above it or at chunk_count, no stored hashes yet,
// or more than chunk_size + 16 bytes is a conflict. The caller checked the ciphertext against the
// stored hash; it is checked again here (verify_failed), since a wrong chunk in the prefix could
// never be replaced.
Status store_chunk(Database& db, std::string_view deal, uint32_t stage_number, uint32_t index, ByteView ciphertext);

// What the buyer's check of a stage found (compared with the manifest by the caller).
struct StageCheck {
    bool ok = true;
    std::string code, detail;          // the first failure: chunk_decrypt_failed, batch_malformed,
                                       // schema_violation, unknown_set ...
    std::vector<PreparedSet> sets;     // records and totals computed from the data
    crypto::Digest32 plaintext_digest{};
    uint64_t plaintext_bytes = 0;
};
struct CheckSet {
    std::string name, schema_json;
    std::vector<std::string> columns;
};
// Decrypts every held chunk with `content_key`, decodes the batches, checks each value against
// the set's schema (from the manifest), and computes counts, totals and the plaintext digest.
// Memory: one chunk and one batch. Fails only for environment errors (io), a stage that does not
// exist (conflict) and a chunk size outside 4 KiB..16 MiB (bad_input); what the data does wrong
// is reported in StageCheck (codes: storage/stage_plaintext.h `fault`; the stage's chunk_count
// chunks are read, a missing one is chunk_missing). Values are checked for type, required,
// max_length and enum membership, not uniqueness or references; birth dates are not compared
// with today. `sets` is filled in only when ok.
Result<StageCheck> check_stage(Database& db, std::string_view deal, uint32_t stage_number,
                               const crypto::Key32& content_key, uint32_t chunk_size,
                               const std::vector<CheckSet>& sets);

// ---- buyer: reading an accepted stage ---------------------------------------------------------
// Reads one set's records from a stage's chunks (decrypting with the content key). Used by
// export; the caller checks that the stage is accepted.
class StageSetReader {
public:
    static Result<StageSetReader> open(Database& db, const crypto::Key32& storage_key, std::string_view deal,
                                       uint32_t stage_number, const CheckSet& set, uint32_t set_index,
                                       uint32_t chunk_size);
    const std::vector<std::string>& columns() const;
    // The next record of the set, values in column order (views valid until the next call), or
    // false at the end. Fails (verify_failed) on data that does not authenticate or decode.
    Result<bool> next(std::vector<records::FieldValue>& row);
    ~StageSetReader();
    StageSetReader(StageSetReader&&) noexcept;

private:
    struct Impl;
    explicit StageSetReader(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace baton::storage
