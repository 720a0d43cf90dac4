// The checks each side of a handover makes on what its peer sends (docs/handover.md "Session
// flow"), and the receipts the buyer signs. Pure functions: statements in, verdicts out; the
// caller supplies keys, the plan it holds and the time.
//
// Every check verifies the signature and the signer first, then that the statement belongs to
// this deal, this plan and this stage. Failures are Errors whose message names what did not
// match; `refusal_code` gives the stable code to send to the peer.
#pragma once

#include "protocol/handover/statements.h"

namespace baton::handover {

// Buyer: a proposed plan is acceptable when the seller signed it (its signer is the key the
// session authenticated, and plan.seller), it names this agent as buyer and this deal.
Result<Plan> check_proposed_plan(const Signed& plan, const PublicKey& session_peer, const PublicKey& own_key,
                                 std::string_view deal);
// Seller: the countersignature is by plan.buyer over exactly this plan.
Result<Countersign> check_countersign(const Signed& countersign, const Plan& plan, const Digest32& plan_hash);
// Buyer: a manifest is by plan.seller for this plan, names stage `stage_number` as the plan
// does, with the plan's sets for it in order.
Result<Manifest> check_manifest(const Signed& manifest, const Plan& plan, const Digest32& plan_hash);
// Seller: a receipt by plan.buyer for this manifest.
Result<Receipt> check_receipt(const Signed& receipt, const Plan& plan, const Digest32& plan_hash,
                              const Signed& manifest);
// Buyer: a key release by plan.seller for this manifest, committing to `sealed_key`.
Result<KeyRelease> check_key_release(const Signed& release, const Plan& plan, const Signed& manifest,
                                     ByteView sealed_key);

// The buyer's receipt of `kind` for a manifest. `reason_*` only for rejected.
Receipt make_receipt(ReceiptKind kind, const Manifest& m, const Signed& manifest, std::string reason_code = {},
                     std::string reason_detail = {}, UnixTime now = 0);
KeyRelease make_key_release(const Manifest& m, const Signed& manifest, ByteView sealed_key, UnixTime now);

// What the buyer computed from a stage's data (storage's check, seen from the protocol).
struct ComputedSet {
    std::string name;
    uint64_t records = 0;
    std::vector<DecimalTotal> totals;
};
struct ComputedStage {
    std::string failure_code, failure_detail;  // set when the data itself failed to decode/validate
    std::vector<ComputedSet> sets;
    Digest32 plaintext_digest{};
    uint64_t plaintext_bytes = 0;
};
// The verdict of comparing what was computed with what the manifest promised: nullopt when
// everything matches, else (code, detail) for a rejected receipt: the data's own failure first,
// then count_mismatch, total_mismatch, size_mismatch, digest_mismatch, each naming set and field.
struct Verdict {
    std::string code, detail;
};
std::optional<Verdict> compare_with_manifest(const Manifest& m, const ComputedStage& c);

}  // namespace baton::handover
