// Signed statements of a handover (DESIGN §2-§3, docs/handover.md): the plan and the buyer's
// countersignature, the seller's manifest of each prepared stage, the buyer's receipts and the
// seller's key releases; and the witness's checkpoints and refusals (docs/witness.md). Each is a validated struct here and a protobuf body on the wire
// (protocol/handover.proto); only statements.cpp sees the generated types.
//
// A statement travels as an envelope:  kind || body bytes || signer key || signature, where
//   signature = Ed25519(signer, "baton-v1:" || context(kind) || 0x00 || body)   (crypto::sign_in_context)
// over the exact body bytes received; nothing is ever re-serialized before it is verified. The
// contexts are "plan", "plan-countersign", "manifest", "receipt", "key-release", "checkpoint",
// "witness-refusal": a signature of one kind can never pass as another.
//
// The hash of a statement is BLAKE2b-256 of its body bytes (plan_hash, manifest_hash below).
//
// Decoders bound every field (strings, counts, list lengths) before allocating, refuse unknown
// fields and inconsistent values, and fail with bad_input naming the field. Opening a statement
// (open_*) checks the envelope's kind and signature first (auth on failure) and then decodes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/status.h"
#include "core/time.h"

namespace baton::handover {

using crypto::Digest32;
using crypto::PublicKey;

enum class StatementKind { plan, countersign, manifest, receipt, key_release, checkpoint, refusal };
std::string_view statement_context(StatementKind k);  // "plan", "plan-countersign", ...

// A signed envelope, as received: the body is kept byte for byte.
struct Signed {
    StatementKind kind = StatementKind::plan;
    Bytes body;
    PublicKey signer{};
    crypto::Signature signature{};
};

// Bounds (a statement is at most one transport message, so < 64 KiB).
inline constexpr size_t kMaxStatementBytes = 60000;
inline constexpr size_t kMaxStages = 64;
inline constexpr size_t kMaxSetsPerStage = 16;
inline constexpr size_t kMaxMasks = 256;
inline constexpr size_t kMaxNameBytes = 128;       // stage, set, field and party names
inline constexpr size_t kMaxReasonBytes = 1024;
inline constexpr size_t kMaxStageNameBytes = 64;   // stage names: [A-Za-z0-9_-]{1,64}
inline constexpr size_t kMaxReasonCodeBytes = 64;  // receipts' reason_code: [a-z0-9_]{1,64}
inline constexpr size_t kMaxFieldsPerSet = 1024;   // columns, totals, masks of one SetSummary
inline constexpr size_t kMaxDecimalBytes = 64;     // a DecimalTotal's sum
inline constexpr uint32_t kMinChunkSize = 4096;
inline constexpr uint32_t kMaxChunkSize = 16u << 20;

Bytes encode_signed(const Signed& s);
// Fails (bad_input) on a malformed or oversized envelope or an unknown kind.
Result<Signed> decode_signed(ByteView bytes);
// Ok when `s.signature` is `s.signer`'s signature over s.body in s.kind's context (auth otherwise).
Status check_signature(const Signed& s);
Digest32 statement_hash(const Signed& s);  // BLAKE2b-256(body)
Digest32 envelope_hash(const Signed& s);   // BLAKE2b-256(encode_signed(s)): how a Refusal names a statement

// ---- the plan (DESIGN §6 "baton plan create") ------------------------------------------------
struct Party {
    PublicKey key{};
    std::string name;
};
struct PlanStage {
    std::string name;               // [A-Za-z0-9_-]{1,64}, unique in the plan
    std::vector<std::string> sets;  // record set names, 1..kMaxSetsPerStage, no set in two stages
};
struct PlanMask {
    std::string set, field;
    std::string rule;               // "keep" | "mask" | "pseudonymize" | "drop"
};
struct Plan {
    std::string deal;
    std::array<uint8_t, 16> plan_id{};  // random: two plans with equal text still differ
    Party seller, buyer;
    std::optional<Party> witness;
    std::vector<PlanStage> stages;      // 1..kMaxStages, in order
    std::vector<PlanMask> masks;        // at most one per (set, field); set must be in a stage
    bool manual_accept = false;
    UnixTime created_at = 0;
};

// The buyer's countersignature: it agrees to exactly the plan whose body hashes to plan_hash.
struct Countersign {
    std::string deal;
    Digest32 plan_hash{};
    UnixTime signed_at = 0;
};

// ---- the manifest of one prepared stage ------------------------------------------------------
struct DecimalTotal {
    std::string field;
    std::string sum;                    // exact decimal text, e.g. "-1234.50" (scale of the field)
};
struct FieldRule {
    std::string field;
    std::string rule;                   // the masking rule applied ("keep" fields are listed too)
};
struct SetSummary {
    std::string name;
    std::string schema_json;            // the schema of the records as sent (after masking)
    std::vector<std::string> columns;   // export column order (the seller's source order, minus drops)
    uint64_t records = 0;
    std::vector<DecimalTotal> totals;   // every decimal field kept as is
    std::vector<FieldRule> masks;       // one per field of the seller's schema
};
struct Manifest {
    std::string deal;
    Digest32 plan_hash{};
    uint32_t stage_number = 0;          // index in plan.stages
    std::string stage;
    uint32_t chunk_size = 0;            // plaintext bytes per chunk (the last may be shorter)
    uint32_t chunk_count = 0;           // >= 1
    uint64_t ciphertext_bytes = 0;      // sum of all chunk ciphertexts
    uint64_t plaintext_bytes = 0;
    Digest32 merkle_root{};             // RFC 9162 root (BLAKE2b-256) over the chunk ciphertexts
    Digest32 plaintext_digest{};        // docs/handover.md "Stage plaintext"
    std::vector<SetSummary> sets;       // in the plan's order for the stage
    UnixTime prepared_at = 0;
};

// ---- receipts (signed by the buyer; purged: by the seller) ------------------------------------
// purged: the seller's statement, after `baton purge`, that it deleted an accepted stage's data;
// its manifest_hash and merkle_root are the purged stage's. open_receipt checks the signature, not
// who signed: the caller compares the signer with the plan's seller (purged) or buyer (others).
enum class ReceiptKind { delivered, verified, rejected, accepted, purged };
std::string_view receipt_kind_name(ReceiptKind k);  // "delivered", ...

struct Receipt {
    std::string deal;
    Digest32 plan_hash{};
    uint32_t stage_number = 0;
    std::string stage;
    ReceiptKind kind = ReceiptKind::delivered;
    Digest32 manifest_hash{};
    Digest32 merkle_root{};
    std::string reason_code;            // rejected only: stable snake_case (chunk_mismatch, count_mismatch, ...)
    std::string reason_detail;          // rejected only: for people
    UnixTime signed_at = 0;
};

// ---- key release (signed by the seller) ------------------------------------------------------
// The content key travels beside the statement, sealed to the buyer (crypto::seal_to_identity);
// the statement commits to it by hash, so a witness can log the release without the key.
struct KeyRelease {
    std::string deal;
    uint32_t stage_number = 0;
    std::string stage;
    Digest32 manifest_hash{};
    Digest32 sealed_key_hash{};         // BLAKE2b-256 of the sealed key bytes
    UnixTime released_at = 0;
};

// ---- witness statements (signed by the plan's witness; docs/witness.md) ----------------------
// A signed checkpoint of a deal's witness log: the log's first tree_size leaves have this root.
struct Checkpoint {
    std::string deal;
    Digest32 plan_hash{};               // the deal's plan (the log's first leaf)
    uint64_t tree_size = 0;             // >= 1
    Digest32 root{};                    // RFC 9162 root, BLAKE2b-256, over the first tree_size leaves
    UnixTime signed_at = 0;
};

// The witness's refusal of a submitted statement; it is logged as a leaf in place of the statement.
struct Refusal {
    std::string deal;
    Digest32 statement_hash{};          // envelope_hash of the refused statement
    std::string reason_code;            // [a-z0-9_]{1,64}: conflicting_manifest, stage_not_offered, ...
    std::string reason_detail;          // for people, <= kMaxReasonBytes
    UnixTime signed_at = 0;
};

// Sign: encode the body, sign it in its context. Open: check_signature, then decode the body.
Signed sign_plan(const Plan& p, const crypto::Ed25519KeyPair& key);
Signed sign_countersign(const Countersign& c, const crypto::Ed25519KeyPair& key);
Signed sign_manifest(const Manifest& m, const crypto::Ed25519KeyPair& key);
Signed sign_receipt(const Receipt& r, const crypto::Ed25519KeyPair& key);
Signed sign_key_release(const KeyRelease& k, const crypto::Ed25519KeyPair& key);
Signed sign_checkpoint(const Checkpoint& c, const crypto::Ed25519KeyPair& key);
Signed sign_refusal(const Refusal& r, const crypto::Ed25519KeyPair& key);

// open_plan also requires the signer to be plan.seller (auth otherwise).
Result<Plan> open_plan(const Signed& s);
Result<Countersign> open_countersign(const Signed& s);
Result<Manifest> open_manifest(const Signed& s);
Result<Receipt> open_receipt(const Signed& s);
Result<KeyRelease> open_key_release(const Signed& s);
// Checkpoints and refusals are opened against the witness the caller expects (the plan's):
// another signer fails with auth.
Result<Checkpoint> open_checkpoint(const Signed& s, const PublicKey& witness);
Result<Refusal> open_refusal(const Signed& s, const PublicKey& witness);
// The same without the signer check (the signature is still checked).
Result<Checkpoint> open_checkpoint(const Signed& s);
Result<Refusal> open_refusal(const Signed& s);

// ---- checks and bare bodies (added beside the signed forms) ----------------------------------
// validate_*: every bound and consistency rule the decoders enforce, so a signer can refuse to sign
// a statement its peer would refuse. Fail (bad_input) naming the field, e.g.
// "manifest: sets[2].records ...". The rules, beyond the comments on the structs above:
//  - deal ids as certs::check_deal_id; names 1..kMaxNameBytes of UTF-8 without control characters;
//  - plan: 16-byte plan id, seller/buyer/witness keys pairwise distinct;
//  - manifest: chunk_size in [kMinChunkSize, kMaxChunkSize]; chunk_count is exactly the pieces of
//    plaintext_bytes (at least 1: an empty stage has one empty chunk); ciphertext_bytes =
//    plaintext_bytes + 16 * chunk_count; 1..kMaxSetsPerStage sets with unique names;
//  - receipt: reason_code ([a-z0-9_]{1,64}) present exactly for rejected, reason_detail only there;
//  - checkpoint: tree_size >= 1; refusal: reason_code [a-z0-9_]{1,64}, reason_detail <= kMaxReasonBytes.
// An encoded body must also leave room for its envelope within kMaxStatementBytes.
Status validate_plan(const Plan& p);
Status validate_countersign(const Countersign& c);
Status validate_manifest(const Manifest& m);
Status validate_receipt(const Receipt& r);
Status validate_key_release(const KeyRelease& k);
Status validate_checkpoint(const Checkpoint& c);
Status validate_refusal(const Refusal& r);

// The body bytes sign_* signs, and their decoders (strict parse + validate_*, no signature): for
// fuzzing, and for bodies whose envelope was verified already.
Bytes encode_plan_body(const Plan& p);
Bytes encode_countersign_body(const Countersign& c);
Bytes encode_manifest_body(const Manifest& m);
Bytes encode_receipt_body(const Receipt& r);
Bytes encode_key_release_body(const KeyRelease& k);
Bytes encode_checkpoint_body(const Checkpoint& c);
Bytes encode_refusal_body(const Refusal& r);
Result<Plan> decode_plan_body(ByteView body);
Result<Countersign> decode_countersign_body(ByteView body);
Result<Manifest> decode_manifest_body(ByteView body);
Result<Receipt> decode_receipt_body(ByteView body);
Result<KeyRelease> decode_key_release_body(ByteView body);
Result<Checkpoint> decode_checkpoint_body(ByteView body);
Result<Refusal> decode_refusal_body(ByteView body);

}  // namespace baton::handover
