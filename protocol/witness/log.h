// The witness's log of one deal (docs/witness.md): which submitted statement it appends, which it
// has already, which it refuses and why. Pure: no storage, clock or keys; the agent
// (agent/witness_server.cpp) stores the leaves, signs refusals and checkpoints.
//
// A leaf is a statement envelope exactly as handover::encode_signed gives it (a submitted envelope
// that does not re-encode to the same bytes is refused as malformed_statement); its Merkle leaf
// hash is merkle::leaf_hash(blake2b_256_hasher(), envelope). Leaf 0 is the deal's plan.
//
// Rules, checked in this order for a submitted envelope:
//  - byte-identical to a leaf: duplicate (its index); identical to a refused statement: duplicate
//    of the refusal (the Refusal leaf's index);
//  - before the plan is logged, only a plan may come: signed by its seller, for this deal, naming
//    this witness. Anything else is `invalid`: there is no log yet in which to record a refusal;
//  - after the plan, every problem is a refusal with a stable reason code:
//      malformed_statement  not a canonical envelope, or a body that does not decode
//      not_submittable      a checkpoint or refusal (only the witness makes those)
//      bad_signature        the signature does not verify
//      wrong_signer         plan, manifest, key release and purged receipt: not the plan's seller;
//                           countersign and every other receipt: not the plan's buyer
//      second_plan          a plan other than the logged one
//      wrong_plan           deal or plan hash of another plan
//      countersign_mismatch a countersignature over another plan hash
//      conflicting_countersign  a second, different countersignature
//      plan_not_agreed      a manifest before the countersignature
//      unknown_stage        a stage number or name the plan does not have (or with other sets)
//      conflicting_manifest a second, different manifest for a stage
//      stage_not_offered    a receipt or key release for a stage with no logged manifest
//      manifest_mismatch    a receipt or key release whose manifest hash (or Merkle root) is not
//                           the logged manifest's
//      conflicting_receipt  a second, different receipt of a kind, or accepted and rejected both
//      not_delivered        a key release before the delivered receipt
//      conflicting_key_release  a second, different key release
//      not_accepted         a purged receipt before the accepted receipt
//    A refused statement is not appended; the caller appends the witness's signed Refusal
//    naming it (add_refusal).
//
// Bounds: at most kMaxLogLeaves leaves; a full log judges everything `invalid` (log_full).
// Thread-safety: a plain value.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/merkle.h"
#include "protocol/handover/statements.h"

namespace baton::witness {

using handover::Digest32;
using handover::PublicKey;

inline constexpr uint64_t kMaxLogLeaves = 4096;

enum class Verdict {
    append,     // a new leaf
    duplicate,  // already logged (index), or already refused (index of its Refusal; refused=true)
    refuse,     // log a Refusal (reason_code, reason_detail) instead
    invalid,    // neither: nothing can be logged (no plan yet, or the log is full)
};

struct Judgement {
    Verdict verdict = Verdict::invalid;
    uint64_t index = 0;          // duplicate
    bool refused = false;        // duplicate of a refused statement
    std::string reason_code;     // refuse, invalid
    std::string reason_detail;
};

class WitnessLog {
public:
    // An empty log of `deal` kept by the witness whose identity key is `witness`.
    WitnessLog(std::string deal, const PublicKey& witness);

    // The verdict on a submitted envelope, given the log so far. Changes nothing.
    Judgement judge(ByteView envelope) const;
    // Appends a statement judged `append`; returns its index. Fails (conflict) with the reason
    // when the judgement is anything else.
    Result<uint64_t> append(ByteView envelope);
    // Appends the witness's Refusal (its encoded envelope) of a statement; returns its index.
    // Fails (auth) unless signed by this witness in its context, (bad_input) unless it decodes,
    // is for this deal and the plan is logged, (conflict) when the statement was refused already
    // or is a leaf.
    Result<uint64_t> add_refusal(ByteView refusal_envelope);
    // Rebuilds from stored leaves in order: a refusal leaf goes through add_refusal, any other
    // through append. Fails naming the leaf index when a leaf breaks a rule.
    Status replay(ByteView leaf);

    const std::string& deal() const { return deal_; }
    uint64_t size() const { return leaf_hashes_.size(); }
    bool has_plan() const { return plan_.has_value(); }
    // REQUIRES: has_plan().
    const handover::Plan& plan() const { return *plan_; }
    const Digest32& plan_hash() const { return plan_hash_; }
    // Merkle leaf hashes, in order.
    const std::vector<Bytes>& leaf_hashes() const { return leaf_hashes_; }
    // The index of a logged leaf given its envelope bytes, if any.
    std::optional<uint64_t> index_of(ByteView envelope) const;

    // The unsigned checkpoint over the whole log at `now`. REQUIRES: has_plan().
    handover::Checkpoint checkpoint(UnixTime now) const;
    // Proofs in the current tree: the leaf at `index`; the tree of the first `size1` leaves as a
    // prefix (empty when size1 is 0 or the current size). Fail (bad_input) out of range.
    Result<merkle::Proof> inclusion_proof(uint64_t index) const;
    Result<merkle::Proof> consistency_proof(uint64_t size1) const;

private:
    struct StageFacts {
        std::optional<Digest32> manifest_hash;      // statement_hash of the logged manifest
        Digest32 merkle_root{};
        std::map<handover::ReceiptKind, Digest32> receipts;  // envelope hashes
        std::optional<Digest32> key_release;        // envelope hash
    };
    struct Checked;  // a statement's facts once its rules passed (log.cpp)

    Judgement judge_plan(const handover::Signed& s, Checked& out) const;
    Judgement judge_logged(const handover::Signed& s, const Digest32& env_hash, Checked& out) const;
    Judgement judge_countersign(const handover::Signed& s, const Digest32& env_hash) const;
    Judgement judge_manifest(const handover::Signed& s, Checked& out) const;
    Judgement judge_receipt(const handover::Signed& s, const Digest32& env_hash, Checked& out) const;
    Judgement judge_key_release(const handover::Signed& s, const Digest32& env_hash, Checked& out) const;
    Judgement decide(ByteView envelope, Checked& out) const;
    uint64_t push_leaf(ByteView envelope, const Digest32& env_hash);

    std::string deal_;
    PublicKey witness_{};
    std::optional<handover::Plan> plan_;
    Digest32 plan_hash_{};
    std::optional<Digest32> countersign_;           // envelope hash
    std::vector<StageFacts> stages_;
    std::vector<Bytes> leaf_hashes_;
    std::map<Digest32, uint64_t> leaves_;           // envelope hash -> index
    std::map<Digest32, uint64_t> refused_;          // refused statement's envelope hash -> refusal index
};

// Reason codes of the refusals above, for callers and tests.
namespace reason {
inline constexpr const char* malformed_statement = "malformed_statement";
inline constexpr const char* not_submittable = "not_submittable";
inline constexpr const char* bad_signature = "bad_signature";
inline constexpr const char* wrong_signer = "wrong_signer";
inline constexpr const char* second_plan = "second_plan";
inline constexpr const char* wrong_plan = "wrong_plan";
inline constexpr const char* countersign_mismatch = "countersign_mismatch";
inline constexpr const char* conflicting_countersign = "conflicting_countersign";
inline constexpr const char* plan_not_agreed = "plan_not_agreed";
inline constexpr const char* unknown_stage = "unknown_stage";
inline constexpr const char* conflicting_manifest = "conflicting_manifest";
inline constexpr const char* stage_not_offered = "stage_not_offered";
inline constexpr const char* manifest_mismatch = "manifest_mismatch";
inline constexpr const char* conflicting_receipt = "conflicting_receipt";
inline constexpr const char* not_delivered = "not_delivered";
inline constexpr const char* conflicting_key_release = "conflicting_key_release";
inline constexpr const char* not_accepted = "not_accepted";
// invalid (nothing logged):
inline constexpr const char* plan_first = "plan_first";
inline constexpr const char* not_the_witness = "not_the_witness";
inline constexpr const char* log_full = "log_full";
}  // namespace reason

}  // namespace baton::witness
