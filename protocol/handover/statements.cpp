// Statement envelopes (handover.Statement), signatures, and the sign_* / open_* pairs.
#include "protocol/handover/statements.h"

#include <algorithm>

#include "protocol/handover.pb.h"
#include "protocol/handover/statement_internal.h"
#include "protocol/proto_util.h"

namespace baton::handover {

namespace {

namespace hw = wire::handover;

hw::StatementKind kind_to(StatementKind k) {
    switch (k) {
        case StatementKind::plan: return hw::STATEMENT_PLAN;
        case StatementKind::countersign: return hw::STATEMENT_COUNTERSIGN;
        case StatementKind::manifest: return hw::STATEMENT_MANIFEST;
        case StatementKind::receipt: return hw::STATEMENT_RECEIPT;
        case StatementKind::key_release: return hw::STATEMENT_KEY_RELEASE;
        case StatementKind::checkpoint: return hw::STATEMENT_CHECKPOINT;
        case StatementKind::refusal: return hw::STATEMENT_REFUSAL;
    }
    return hw::STATEMENT_KIND_UNSPECIFIED;
}

Result<StatementKind> kind_from(int k) {
    switch (k) {
        case hw::STATEMENT_PLAN: return StatementKind::plan;
        case hw::STATEMENT_COUNTERSIGN: return StatementKind::countersign;
        case hw::STATEMENT_MANIFEST: return StatementKind::manifest;
        case hw::STATEMENT_RECEIPT: return StatementKind::receipt;
        case hw::STATEMENT_KEY_RELEASE: return StatementKind::key_release;
        case hw::STATEMENT_CHECKPOINT: return StatementKind::checkpoint;
        case hw::STATEMENT_REFUSAL: return StatementKind::refusal;
        default: return input_error("statement: kind is unknown (" + std::to_string(k) + ")");
    }
}

Signed sign_body(StatementKind kind, Bytes body, const crypto::Ed25519KeyPair& key) {
    Signed s;
    s.kind = kind;
    s.signature = crypto::sign_in_context(key, statement_context(kind), body);
    s.body = std::move(body);
    s.signer = key.public_key;
    return s;
}

// The envelope is of kind `want` and its signature holds (auth otherwise).
Status check_opening(const Signed& s, StatementKind want) {
    if (s.kind != want)
        return auth_error("statement is a " + std::string(statement_context(s.kind)) + ", not a " +
                          std::string(statement_context(want)));
    return check_signature(s);
}

}  // namespace

std::string_view statement_context(StatementKind k) {
    switch (k) {
        case StatementKind::plan: return "plan";
        case StatementKind::countersign: return "plan-countersign";
        case StatementKind::manifest: return "manifest";
        case StatementKind::receipt: return "receipt";
        case StatementKind::key_release: return "key-release";
        case StatementKind::checkpoint: return "checkpoint";
        case StatementKind::refusal: return "witness-refusal";
    }
    return "?";
}

std::string_view receipt_kind_name(ReceiptKind k) {
    switch (k) {
        case ReceiptKind::delivered: return "delivered";
        case ReceiptKind::verified: return "verified";
        case ReceiptKind::rejected: return "rejected";
        case ReceiptKind::accepted: return "accepted";
        case ReceiptKind::purged: return "purged";
    }
    return "?";
}

// ---- envelopes ---------------------------------------------------------------------------------

Bytes encode_signed(const Signed& s) {
    hw::Statement w;
    w.set_kind(kind_to(s.kind));
    w.set_body(s.body.data(), s.body.size());
    w.set_signer(s.signer.data(), s.signer.size());
    w.set_signature(s.signature.data(), s.signature.size());
    return proto_util::serialize(w);
}

Result<Signed> decode_signed(ByteView bytes) {
    if (bytes.size() > kMaxStatementBytes)
        return input_error("statement is larger than " + std::to_string(kMaxStatementBytes) + " bytes");
    hw::Statement w;
    if (!proto_util::parse_strict(w, bytes)) return input_error("statement is malformed or holds unknown fields");
    Signed s;
    BATON_ASSIGN(s.kind, kind_from(w.kind()));
    if (w.body().empty()) return input_error("statement: body is empty");
    if (w.signer().size() != s.signer.size())
        return input_error("statement: signer must be 32 bytes, got " + std::to_string(w.signer().size()));
    if (w.signature().size() != s.signature.size())
        return input_error("statement: signature must be 64 bytes, got " + std::to_string(w.signature().size()));
    s.body = to_bytes(w.body());
    std::copy(w.signer().begin(), w.signer().end(), s.signer.begin());
    std::copy(w.signature().begin(), w.signature().end(), s.signature.begin());
    return s;
}

Status check_signature(const Signed& s) {
    if (!crypto::verify_in_context(s.signer, statement_context(s.kind), s.body, s.signature))
        return auth_error(std::string(statement_context(s.kind)) + " statement: signature does not verify");
    return ok_status();
}

Digest32 statement_hash(const Signed& s) { return crypto::blake2b_256(s.body); }
Digest32 envelope_hash(const Signed& s) { return crypto::blake2b_256(encode_signed(s)); }

// ---- sign ----------------------------------------------------------------------------------------

Signed sign_plan(const Plan& p, const crypto::Ed25519KeyPair& key) {
    return sign_body(StatementKind::plan, encode_plan_body(p), key);
}
Signed sign_countersign(const Countersign& c, const crypto::Ed25519KeyPair& key) {
    return sign_body(StatementKind::countersign, encode_countersign_body(c), key);
}
Signed sign_manifest(const Manifest& m, const crypto::Ed25519KeyPair& key) {
    return sign_body(StatementKind::manifest, encode_manifest_body(m), key);
}
Signed sign_receipt(const Receipt& r, const crypto::Ed25519KeyPair& key) {
    return sign_body(StatementKind::receipt, encode_receipt_body(r), key);
}
Signed sign_key_release(const KeyRelease& k, const crypto::Ed25519KeyPair& key) {
    return sign_body(StatementKind::key_release, encode_key_release_body(k), key);
}
Signed sign_checkpoint(const Checkpoint& c, const crypto::Ed25519KeyPair& key) {
    return sign_body(StatementKind::checkpoint, encode_checkpoint_body(c), key);
}
Signed sign_refusal(const Refusal& r, const crypto::Ed25519KeyPair& key) {
    return sign_body(StatementKind::refusal, encode_refusal_body(r), key);
}

// ---- open ----------------------------------------------------------------------------------------

Result<Plan> open_plan(const Signed& s) {
    BATON_TRY(check_opening(s, StatementKind::plan));
    BATON_ASSIGN(auto plan, decode_plan_body(s.body));
    if (plan.seller.key != s.signer) return auth_error("plan statement is not signed by the plan's seller");
    return plan;
}

Result<Countersign> open_countersign(const Signed& s) {
    BATON_TRY(check_opening(s, StatementKind::countersign));
    return decode_countersign_body(s.body);
}

Result<Manifest> open_manifest(const Signed& s) {
    BATON_TRY(check_opening(s, StatementKind::manifest));
    return decode_manifest_body(s.body);
}

Result<Receipt> open_receipt(const Signed& s) {
    BATON_TRY(check_opening(s, StatementKind::receipt));
    return decode_receipt_body(s.body);
}

Result<KeyRelease> open_key_release(const Signed& s) {
    BATON_TRY(check_opening(s, StatementKind::key_release));
    return decode_key_release_body(s.body);
}

Result<Checkpoint> open_checkpoint(const Signed& s) {
    BATON_TRY(check_opening(s, StatementKind::checkpoint));
    return decode_checkpoint_body(s.body);
}

Result<Refusal> open_refusal(const Signed& s) {
    BATON_TRY(check_opening(s, StatementKind::refusal));
    return decode_refusal_body(s.body);
}

Result<Checkpoint> open_checkpoint(const Signed& s, const PublicKey& witness) {
    if (s.signer != witness) return auth_error("checkpoint is not signed by the plan's witness");
    return open_checkpoint(s);
}

Result<Refusal> open_refusal(const Signed& s, const PublicKey& witness) {
    if (s.signer != witness) return auth_error("witness refusal is not signed by the plan's witness");
    return open_refusal(s);
}

}  // namespace baton::handover
