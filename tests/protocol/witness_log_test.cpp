// The witness log's rules (protocol/witness/log.h): what it appends, what it recognises as a
// duplicate, what it refuses and with which reason code; its checkpoints and proofs as a seller
// checks them (protocol/witness/checkpoint.h); and the witness's session messages on the wire.
#include <catch2/catch.hpp>

#include "protocol/session/codec.h"
#include "protocol/witness/checkpoint.h"
#include "protocol/witness/log.h"
#include "tests/protocol/handover_test_support.h"

namespace baton::witness {
namespace {

using namespace baton::handover;
using namespace baton::handover::test;

Bytes env(const Signed& s) { return encode_signed(s); }

// The sample deal's statements and a witness log for it.
struct Flow : SampleFlow {
    WitnessLog log() const { return WitnessLog(kHandoverDeal, p.witness.public_key); }
};

uint64_t must_append(WitnessLog& log, const Signed& s) {
    auto i = log.append(env(s));
    INFO((i ? "" : i.error().message()));
    REQUIRE(i);
    return *i;
}

void require_refused(const WitnessLog& log, const Signed& s, const std::string& code) {
    const Judgement j = log.judge(env(s));
    INFO(j.reason_code << ": " << j.reason_detail);
    CHECK(j.verdict == Verdict::refuse);
    CHECK(j.reason_code == code);
    CHECK_FALSE(j.reason_detail.empty());
}

// The log through the countersignature and the stage's manifest.
WitnessLog offered(const Flow& f) {
    WitnessLog log = f.log();
    must_append(log, f.plan_signed);
    must_append(log, f.countersign);
    must_append(log, f.manifest_signed);
    return log;
}

TEST_CASE("witness log: the plan comes first and must name this witness", "[witness][log]") {
    Flow f;
    WitnessLog log = f.log();
    auto j = log.judge(env(f.countersign));
    CHECK(j.verdict == Verdict::invalid);
    CHECK(j.reason_code == reason::plan_first);
    CHECK(log.judge(Bytes{1, 2, 3}).verdict == Verdict::invalid);

    Plan other = f.plan;
    other.witness = Party{fixed_signer(0x70).public_key, "Other notary"};
    j = log.judge(env(sign_plan(other, f.p.seller)));
    CHECK(j.verdict == Verdict::invalid);
    CHECK(j.reason_code == reason::not_the_witness);
    other.witness.reset();
    CHECK(log.judge(env(sign_plan(other, f.p.seller))).reason_code == reason::not_the_witness);

    WitnessLog elsewhere("D-2026-999", f.p.witness.public_key);
    CHECK(elsewhere.judge(env(f.plan_signed)).verdict == Verdict::invalid);

    Signed forged = f.plan_signed;
    forged.signature[0] ^= 1;
    CHECK(log.judge(env(forged)).verdict == Verdict::invalid);

    CHECK(log.judge(env(f.plan_signed)).verdict == Verdict::append);
    CHECK(must_append(log, f.plan_signed) == 0);
    CHECK(log.has_plan());
    CHECK(log.plan_hash() == f.plan_hash);
    CHECK(must_append(log, f.countersign) == 1);
}

TEST_CASE("witness log: a whole stage is appended in order, duplicates keep their index", "[witness][log]") {
    Flow f;
    WitnessLog log = f.log();
    const std::vector<Signed> flow{f.plan_signed, f.countersign, f.manifest_signed, f.receipt(ReceiptKind::delivered),
                                   f.key_release(), f.receipt(ReceiptKind::verified), f.receipt(ReceiptKind::accepted),
                                   f.receipt(ReceiptKind::purged, &f.p.seller)};
    for (size_t i = 0; i < flow.size(); ++i) CHECK(must_append(log, flow[i]) == i);
    CHECK(log.size() == flow.size());
    for (size_t i = 0; i < flow.size(); ++i) {
        const Judgement j = log.judge(env(flow[i]));
        CHECK(j.verdict == Verdict::duplicate);
        CHECK(j.index == i);
        CHECK_FALSE(j.refused);
        CHECK(log.index_of(env(flow[i])) == i);
    }
    CHECK(log.append(env(flow[3])).error().kind() == ErrorKind::conflict);  // append refuses a duplicate
}

TEST_CASE("witness log: a second, different manifest for a stage is refused as conflicting_manifest",
          "[witness][log]") {
    Flow f;
    WitnessLog log = offered(f);
    Manifest again = f.manifest;
    again.prepared_at += 1;  // re-prepared: other bytes, same stage
    const Signed second = sign_manifest(again, f.p.seller);
    require_refused(log, second, reason::conflicting_manifest);

    // The witness logs its signed refusal instead; the refused statement stays refused.
    const Refusal r{kHandoverDeal, envelope_hash(second), reason::conflicting_manifest, "a manifest is logged", kHandoverNow};
    auto index = log.add_refusal(env(sign_refusal(r, f.p.witness)));
    REQUIRE(index);
    CHECK(*index == 3);
    const Judgement j = log.judge(env(second));
    CHECK(j.verdict == Verdict::duplicate);
    CHECK(j.refused);
    CHECK(j.index == 3);
    CHECK(log.add_refusal(env(sign_refusal(r, f.p.witness))).error().kind() == ErrorKind::conflict);
    // Only the witness's refusals are leaves.
    CHECK(log.add_refusal(env(sign_refusal(Refusal{kHandoverDeal, fixed_digest(9), "x", "", 0}, f.p.seller)))
              .error()
              .kind() == ErrorKind::auth);
    // The first manifest is still the stage's.
    CHECK(must_append(log, f.receipt(ReceiptKind::delivered)) == 4);
}

TEST_CASE("witness log: receipts and key releases need the stage's logged manifest", "[witness][log]") {
    Flow f;
    WitnessLog log = f.log();
    must_append(log, f.plan_signed);
    must_append(log, f.countersign);
    require_refused(log, f.receipt(ReceiptKind::delivered), reason::stage_not_offered);
    require_refused(log, f.key_release(), reason::stage_not_offered);
    require_refused(log, f.receipt(ReceiptKind::accepted), reason::stage_not_offered);

    must_append(log, f.manifest_signed);
    Receipt other = sample_receipt(f.plan_hash, fixed_digest(0x77), ReceiptKind::delivered);
    require_refused(log, sign_receipt(other, f.p.buyer), reason::manifest_mismatch);
    other = sample_receipt(f.plan_hash, f.manifest_hash, ReceiptKind::delivered);
    other.merkle_root = fixed_digest(0x78);
    require_refused(log, sign_receipt(other, f.p.buyer), reason::manifest_mismatch);
    KeyRelease k = sample_key_release(fixed_digest(0x77));
    must_append(log, f.receipt(ReceiptKind::delivered));
    require_refused(log, sign_key_release(k, f.p.seller), reason::manifest_mismatch);
    other = sample_receipt(f.plan_hash, f.manifest_hash, ReceiptKind::delivered);
    other.stage_number = 0;  // stage 0 is "contacts"
    require_refused(log, sign_receipt(other, f.p.buyer), reason::unknown_stage);
}

TEST_CASE("witness log: key release only after delivered, purged only after accepted", "[witness][log]") {
    Flow f;
    WitnessLog log = offered(f);
    require_refused(log, f.key_release(), reason::not_delivered);
    require_refused(log, f.receipt(ReceiptKind::purged, &f.p.seller), reason::not_accepted);
    must_append(log, f.receipt(ReceiptKind::delivered));
    must_append(log, f.key_release());
    KeyRelease again = sample_key_release(f.manifest_hash);
    again.released_at += 5;
    require_refused(log, sign_key_release(again, f.p.seller), reason::conflicting_key_release);
    require_refused(log, f.receipt(ReceiptKind::purged, &f.p.seller), reason::not_accepted);
    must_append(log, f.receipt(ReceiptKind::verified));
    require_refused(log, f.receipt(ReceiptKind::purged, &f.p.seller), reason::not_accepted);
    must_append(log, f.receipt(ReceiptKind::accepted));
    require_refused(log, f.receipt(ReceiptKind::rejected), reason::conflicting_receipt);
    Receipt verified_again = sample_receipt(f.plan_hash, f.manifest_hash, ReceiptKind::verified);
    verified_again.signed_at += 1;
    require_refused(log, sign_receipt(verified_again, f.p.buyer), reason::conflicting_receipt);
    must_append(log, f.receipt(ReceiptKind::purged, &f.p.seller));
}

TEST_CASE("witness log: every statement must come from the party the plan names", "[witness][log]") {
    Flow f;
    WitnessLog log = f.log();
    must_append(log, f.plan_signed);
    require_refused(log, sign_countersign(sample_countersign(f.plan_hash), f.p.seller), reason::wrong_signer);
    must_append(log, f.countersign);
    require_refused(log, sign_manifest(f.manifest, f.p.buyer), reason::wrong_signer);
    require_refused(log, sign_manifest(f.manifest, f.p.witness), reason::wrong_signer);
    must_append(log, f.manifest_signed);
    require_refused(log, f.receipt(ReceiptKind::delivered, &f.p.seller), reason::wrong_signer);
    must_append(log, f.receipt(ReceiptKind::delivered));
    require_refused(log, sign_key_release(sample_key_release(f.manifest_hash), f.p.buyer), reason::wrong_signer);
    must_append(log, f.key_release());
    must_append(log, f.receipt(ReceiptKind::verified));
    must_append(log, f.receipt(ReceiptKind::accepted));
    require_refused(log, f.receipt(ReceiptKind::purged), reason::wrong_signer);  // the buyer cannot purge
}

TEST_CASE("witness log: plan-level refusals", "[witness][log]") {
    Flow f;
    WitnessLog log = f.log();
    must_append(log, f.plan_signed);
    require_refused(log, f.manifest_signed, reason::plan_not_agreed);
    require_refused(log, sign_countersign(sample_countersign(fixed_digest(0x42)), f.p.buyer), reason::countersign_mismatch);
    Plan second = f.plan;
    second.created_at += 1;
    require_refused(log, sign_plan(second, f.p.seller), reason::second_plan);
    must_append(log, f.countersign);
    Countersign again = sample_countersign(f.plan_hash);
    again.signed_at += 1;
    require_refused(log, sign_countersign(again, f.p.buyer), reason::conflicting_countersign);
    Manifest m = f.manifest;
    m.plan_hash = fixed_digest(0x42);
    require_refused(log, sign_manifest(m, f.p.seller), reason::wrong_plan);
    m = f.manifest;
    m.stage = "contacts";
    require_refused(log, sign_manifest(m, f.p.seller), reason::unknown_stage);
    m = f.manifest;
    m.stage_number = 5;
    require_refused(log, sign_manifest(m, f.p.seller), reason::unknown_stage);
}

TEST_CASE("witness log: malformed, forged and witness-only statements are refused", "[witness][log]") {
    Flow f;
    WitnessLog log = offered(f);
    Signed forged = f.receipt(ReceiptKind::delivered);
    forged.signature[5] ^= 1;
    require_refused(log, forged, reason::bad_signature);
    Signed flipped = f.receipt(ReceiptKind::delivered);
    flipped.body[3] ^= 1;
    require_refused(log, flipped, reason::bad_signature);
    require_refused(log, sign_checkpoint(log.checkpoint(kHandoverNow), f.p.witness), reason::not_submittable);
    require_refused(log, sign_refusal(Refusal{kHandoverDeal, fixed_digest(1), "x", "", 0}, f.p.witness),
                    reason::not_submittable);
    const Judgement garbage = log.judge(Bytes{0x08, 0x04, 0x12});
    CHECK(garbage.verdict == Verdict::refuse);
    CHECK(garbage.reason_code == reason::malformed_statement);
    // A valid envelope with an unknown trailing field: not canonical, so not a leaf.
    Bytes padded = env(f.receipt(ReceiptKind::delivered));
    padded.insert(padded.end(), {0x2a, 0x01, 0x00});
    CHECK(log.judge(padded).verdict == Verdict::refuse);
}

TEST_CASE("witness log: replaying stored leaves rebuilds the same tree and checks every rule", "[witness][log]") {
    Flow f;
    WitnessLog log = offered(f);
    Manifest again = f.manifest;
    again.prepared_at += 1;
    const Signed second = sign_manifest(again, f.p.seller);
    REQUIRE(log.add_refusal(env(sign_refusal(
        Refusal{kHandoverDeal, envelope_hash(second), reason::conflicting_manifest, "", kHandoverNow}, f.p.witness))));
    must_append(log, f.receipt(ReceiptKind::delivered));
    std::vector<Bytes> leaves{env(f.plan_signed), env(f.countersign), env(f.manifest_signed),
                              env(sign_refusal(Refusal{kHandoverDeal, envelope_hash(second), reason::conflicting_manifest,
                                                       "", kHandoverNow},
                                               f.p.witness)),
                              env(f.receipt(ReceiptKind::delivered))};
    WitnessLog replayed = f.log();
    for (const auto& l : leaves) REQUIRE(replayed.replay(l));
    CHECK(replayed.leaf_hashes() == log.leaf_hashes());
    CHECK(replayed.checkpoint(1).root == log.checkpoint(1).root);

    // A log whose key release precedes the delivered receipt breaks a rule, named by index.
    WitnessLog bad = f.log();
    REQUIRE(bad.replay(env(f.plan_signed)));
    REQUIRE(bad.replay(env(f.countersign)));
    REQUIRE(bad.replay(env(f.manifest_signed)));
    const Status st = bad.replay(env(f.key_release()));
    REQUIRE_FALSE(st);
    CHECK_THAT(st.error().message(), Catch::Contains("leaf 3") && Catch::Contains("not_delivered"));
}

TEST_CASE("witness checkpoints: signed heads with inclusion and consistency proofs", "[witness][checkpoint]") {
    Flow f;
    WitnessLog log = f.log();
    std::vector<Signed> flow{f.plan_signed, f.countersign, f.manifest_signed, f.receipt(ReceiptKind::delivered),
                             f.key_release(), f.receipt(ReceiptKind::verified), f.receipt(ReceiptKind::accepted)};
    TreeHead held;
    for (size_t i = 0; i < flow.size(); ++i) {
        const uint64_t index = must_append(log, flow[i]);
        const Signed cp_env = sign_checkpoint(log.checkpoint(kHandoverNow + i), f.p.witness);
        auto cp = open_plan_checkpoint(cp_env, f.plan, f.plan_hash);
        REQUIRE(cp);
        CHECK(cp->tree_size == i + 1);
        auto inc = log.inclusion_proof(index);
        REQUIRE(inc);
        CHECK(check_includes(*cp, index, env(flow[i]), *inc));
        // Every earlier leaf is in it too.
        for (uint64_t k = 0; k < index; ++k) CHECK(check_includes(*cp, k, env(flow[k]), log.inclusion_proof(k).value()));
        auto cons = log.consistency_proof(held.size);
        REQUIRE(cons);
        CHECK(check_extends(*cp, held, *cons));
        // A wrong leaf, index or proof fails.
        if (index > 0) CHECK(check_includes(*cp, index, env(f.plan_signed), *inc).error().kind() == ErrorKind::verify_failed);
        if (!inc->empty()) {
            auto bad = *inc;
            bad[0][0] ^= 1;
            CHECK(check_includes(*cp, index, env(flow[i]), bad).error().kind() == ErrorKind::verify_failed);
        }
        if (!cons->empty()) {
            auto bad = *cons;
            bad.back()[3] ^= 1;
            CHECK_FALSE(check_extends(*cp, held, bad));
            TreeHead forked = held;
            forked.root[0] ^= 1;
            CHECK_FALSE(check_extends(*cp, forked, *cons));
        }
        held = head_of(*cp);
    }
    // A checkpoint smaller than the one held does not extend it.
    WitnessLog small = f.log();
    must_append(small, f.plan_signed);
    CHECK(check_extends(small.checkpoint(1), held, {}).error().kind() == ErrorKind::verify_failed);

    // Signed by another key, for another plan: refused.
    const Checkpoint c = log.checkpoint(kHandoverNow);
    CHECK(open_plan_checkpoint(sign_checkpoint(c, f.p.seller), f.plan, f.plan_hash).error().kind() == ErrorKind::auth);
    CHECK(open_plan_checkpoint(sign_checkpoint(c, f.p.witness), f.plan, fixed_digest(3)).error().kind() ==
          ErrorKind::verify_failed);
    Plan unwitnessed = f.plan;
    unwitnessed.witness.reset();
    CHECK_FALSE(open_plan_checkpoint(sign_checkpoint(c, f.p.witness), unwitnessed, f.plan_hash));
}

TEST_CASE("witness session messages round-trip and are bounded", "[witness][codec]") {
    using session::SessionMessage;
    Flow f;
    const WitnessSubmit submit{env(f.manifest_signed), 7};
    auto back = session::decode_session_message(session::encode_session_message(SessionMessage(submit)));
    REQUIRE(back);
    auto* s = std::get_if<WitnessSubmit>(&*back);
    REQUIRE(s);
    CHECK(s->statement == submit.statement);
    CHECK(s->known_size == 7);

    WitnessReply reply{SubmitOutcome::refused, 9, env(sign_refusal(Refusal{kHandoverDeal, fixed_digest(1), "x", "", 0}, f.p.witness)),
                       env(sign_checkpoint(Checkpoint{kHandoverDeal, f.plan_hash, 10, fixed_digest(2), 0}, f.p.witness)),
                       {Bytes(32, 1), Bytes(32, 2)}, {Bytes(32, 3)}};
    back = session::decode_session_message(session::encode_session_message(SessionMessage(reply)));
    REQUIRE(back);
    auto* r = std::get_if<WitnessReply>(&*back);
    REQUIRE(r);
    CHECK(r->outcome == SubmitOutcome::refused);
    CHECK(r->index == 9);
    CHECK(r->refusal == reply.refusal);
    CHECK(r->checkpoint == reply.checkpoint);
    CHECK(r->inclusion == reply.inclusion);
    CHECK(r->consistency == reply.consistency);

    auto refused = [](const WitnessReply& m, const std::string& names) {
        auto d = session::decode_session_message(session::encode_session_message(SessionMessage(m)));
        REQUIRE_FALSE(d);
        CHECK(d.error().kind() == ErrorKind::bad_input);
        CHECK_THAT(d.error().message(), Catch::Contains(names));
    };
    WitnessReply bad = reply;
    bad.inclusion[1].pop_back();
    refused(bad, "witness_reply.inclusion[1]");
    bad = reply;
    bad.consistency.assign(kMaxProofHashes + 1, Bytes(32, 0));
    refused(bad, "witness_reply.consistency");
    bad = reply;
    bad.outcome = SubmitOutcome::appended;
    refused(bad, "witness_reply.refusal");
    bad = reply;
    bad.refusal.clear();
    refused(bad, "witness_reply.refusal");
    bad = reply;
    bad.checkpoint.clear();
    refused(bad, "witness_reply.checkpoint");
    bad = reply;
    bad.outcome = static_cast<SubmitOutcome>(7);
    refused(bad, "witness_reply.outcome");

    const CheckpointNotice notice{reply.checkpoint};
    back = session::decode_session_message(session::encode_session_message(SessionMessage(notice)));
    REQUIRE(back);
    REQUIRE(std::get_if<CheckpointNotice>(&*back));
    CHECK(std::get<CheckpointNotice>(*back).checkpoint == reply.checkpoint);
    REQUIRE_FALSE(session::decode_session_message(session::encode_session_message(SessionMessage(CheckpointNotice{}))));
}

}  // namespace
}  // namespace baton::witness
