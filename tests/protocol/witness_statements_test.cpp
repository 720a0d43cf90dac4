// Witness statements (checkpoint, refusal) and the seller's `purged` receipt: round trips, the
// bounds of their decoders, and refusal of a wrong context or a wrong signer.
#include <catch2/catch.hpp>

#include "tests/protocol/handover_test_support.h"

namespace baton::handover {
namespace {

using namespace test;

Checkpoint sample_checkpoint() { return Checkpoint{kHandoverDeal, fixed_digest(0x44), 3, fixed_digest(0x55), kHandoverNow + 50}; }

Refusal sample_refusal() {
    return Refusal{kHandoverDeal, fixed_digest(0x66), "conflicting_manifest", "stage 1 has a logged manifest",
                   kHandoverNow + 60};
}

template <typename T>
void require_error(const Result<T>& r, ErrorKind kind, const std::string& names) {
    REQUIRE_FALSE(r);
    CHECK(r.error().kind() == kind);
    CHECK_THAT(r.error().message(), Catch::Contains(names));
}

TEST_CASE("a checkpoint round-trips through its envelope", "[handover][statements][witness]") {
    const Parties p;
    const Checkpoint c = sample_checkpoint();
    REQUIRE(validate_checkpoint(c));
    const Signed s = sign_checkpoint(c, p.witness);
    CHECK(s.kind == StatementKind::checkpoint);
    auto env = decode_signed(encode_signed(s));
    REQUIRE(env);
    auto opened = open_checkpoint(*env, p.witness.public_key);
    REQUIRE(opened);
    CHECK(opened->deal == c.deal);
    CHECK(opened->plan_hash == c.plan_hash);
    CHECK(opened->tree_size == 3);
    CHECK(opened->root == c.root);
    CHECK(opened->signed_at == c.signed_at);
    CHECK(encode_checkpoint_body(*opened) == s.body);
    CHECK(statement_context(StatementKind::checkpoint) == "checkpoint");
}

TEST_CASE("a refusal round-trips through its envelope", "[handover][statements][witness]") {
    const Parties p;
    const Refusal r = sample_refusal();
    REQUIRE(validate_refusal(r));
    const Signed s = sign_refusal(r, p.witness);
    auto opened = open_refusal(s, p.witness.public_key);
    REQUIRE(opened);
    CHECK(opened->statement_hash == r.statement_hash);
    CHECK(opened->reason_code == "conflicting_manifest");
    CHECK(opened->reason_detail == r.reason_detail);
    CHECK(encode_refusal_body(*opened) == s.body);
    CHECK(statement_context(StatementKind::refusal) == "witness-refusal");
}

TEST_CASE("a witness statement signed by someone else than the witness fails with auth",
          "[handover][statements][witness][auth]") {
    const Parties p;
    // A valid signature, but by the seller: refused against the plan's witness.
    require_error(open_checkpoint(sign_checkpoint(sample_checkpoint(), p.seller), p.witness.public_key),
                  ErrorKind::auth, "witness");
    require_error(open_refusal(sign_refusal(sample_refusal(), p.buyer), p.witness.public_key), ErrorKind::auth,
                  "witness");
    // The witness's signature presented under another key.
    Signed forged = sign_checkpoint(sample_checkpoint(), p.witness);
    forged.signer = p.seller.public_key;
    require_error(open_checkpoint(forged), ErrorKind::auth, "signature");
}

TEST_CASE("a witness statement's signature never passes in another context", "[handover][statements][witness][auth]") {
    const Parties p;
    // Same body bytes relabelled: the signature was made in the checkpoint context.
    Signed cp = sign_checkpoint(sample_checkpoint(), p.witness);
    for (auto k : {StatementKind::refusal, StatementKind::receipt, StatementKind::manifest}) {
        Signed relabelled = cp;
        relabelled.kind = k;
        CHECK(check_signature(relabelled).error().kind() == ErrorKind::auth);
    }
    Signed as_refusal = cp;
    as_refusal.kind = StatementKind::refusal;
    require_error(open_refusal(as_refusal, p.witness.public_key), ErrorKind::auth, "");
    // An envelope of another kind is refused by the opener before anything else.
    require_error(open_checkpoint(sign_refusal(sample_refusal(), p.witness), p.witness.public_key), ErrorKind::auth,
                  "not a checkpoint");
    // A refusal body signed in the checkpoint context does not open as a refusal.
    Signed wrong_ctx{StatementKind::refusal, encode_refusal_body(sample_refusal()), p.witness.public_key, {}};
    wrong_ctx.signature = crypto::sign_in_context(p.witness, "checkpoint", wrong_ctx.body);
    require_error(open_refusal(wrong_ctx, p.witness.public_key), ErrorKind::auth, "signature");
    // A body byte flipped.
    Signed flipped = sign_refusal(sample_refusal(), p.witness);
    flipped.body[flipped.body.size() / 2] ^= 1;
    require_error(open_refusal(flipped, p.witness.public_key), ErrorKind::auth, "signature");
}

TEST_CASE("checkpoint and refusal decoders bound their fields", "[handover][statements][witness]") {
    const Parties p;
    Checkpoint c = sample_checkpoint();
    c.tree_size = 0;
    const Status v = validate_checkpoint(c);
    REQUIRE_FALSE(v);
    CHECK_THAT(v.error().message(), Catch::Contains("checkpoint: tree_size"));
    require_error(open_checkpoint(sign_checkpoint(c, p.witness)), ErrorKind::bad_input, "tree_size");
    c = sample_checkpoint();
    c.deal = "bad deal id";
    require_error(open_checkpoint(sign_checkpoint(c, p.witness)), ErrorKind::bad_input, "checkpoint: deal");

    Refusal r = sample_refusal();
    r.reason_code = "Conflicting";
    require_error(open_refusal(sign_refusal(r, p.witness)), ErrorKind::bad_input, "refusal: reason_code");
    r = sample_refusal();
    r.reason_code.clear();
    require_error(open_refusal(sign_refusal(r, p.witness)), ErrorKind::bad_input, "reason_code");
    r = sample_refusal();
    r.reason_detail.assign(kMaxReasonBytes + 1, 'x');
    require_error(open_refusal(sign_refusal(r, p.witness)), ErrorKind::bad_input, "reason_detail");
    r = sample_refusal();
    r.reason_detail = std::string("\xff\xfe", 2);
    REQUIRE_FALSE(validate_refusal(r));
    r = sample_refusal();
    r.signed_at = -1;
    require_error(open_refusal(sign_refusal(r, p.witness)), ErrorKind::bad_input, "signed_at");
    // A truncated body.
    Signed t = sign_checkpoint(sample_checkpoint(), p.witness);
    t.body.resize(t.body.size() - 3);
    require_error(decode_checkpoint_body(t.body), ErrorKind::bad_input, "checkpoint");
}

TEST_CASE("a purged receipt round-trips and names its kind", "[handover][statements][witness]") {
    const Parties p;
    Receipt r = sample_receipt(fixed_digest(1), fixed_digest(2), ReceiptKind::purged);
    REQUIRE(validate_receipt(r));
    auto opened = open_receipt(sign_receipt(r, p.seller));
    REQUIRE(opened);
    CHECK(opened->kind == ReceiptKind::purged);
    CHECK(opened->manifest_hash == fixed_digest(2));
    CHECK(receipt_kind_name(ReceiptKind::purged) == "purged");
    r.reason_code = "x";
    CHECK_FALSE(validate_receipt(r));  // a reason only on rejected receipts
}

TEST_CASE("envelope_hash names the exact envelope", "[handover][statements][witness]") {
    const Parties p;
    const auto s = sample_statements(p);
    CHECK(envelope_hash(s.manifest) == crypto::blake2b_256(encode_signed(s.manifest)));
    CHECK(envelope_hash(s.manifest) != statement_hash(s.manifest));
    CHECK(envelope_hash(s.manifest) != envelope_hash(s.delivered));
}

}  // namespace
}  // namespace baton::handover
