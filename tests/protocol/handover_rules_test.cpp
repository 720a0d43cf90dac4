// The checks each side makes on its peer's handover statements (protocol/handover/rules.h) and
// the buyer's comparison of a stage's data with its manifest: every refusal path, each naming what
// did not match. Statements come from tests/protocol/handover_test_support.h; hostile ones are
// made by signing altered fields (or with the wrong key), as a peer could.
#include <catch2/catch.hpp>

#include "protocol/handover/rules.h"
#include "tests/protocol/handover_test_support.h"

namespace baton::handover {
namespace {

using namespace test;

// Fails the test unless `r` failed with `kind` and a message containing `needle`.
template <typename R>
void require_refused(const R& r, ErrorKind kind, const std::string& needle) {
    REQUIRE_FALSE(r.ok());
    INFO(r.error().message());
    CHECK(r.error().kind() == kind);
    CHECK(r.error().message().find(needle) != std::string::npos);
}

TEST_CASE("the buyer accepts a plan only from the session's seller, naming it, for this deal", "[handover][rules]") {
    SampleFlow d;
    const auto& seller = d.p.seller.public_key;
    const auto& buyer = d.p.buyer.public_key;

    auto ok = check_proposed_plan(d.plan_signed, seller, buyer, kHandoverDeal);
    REQUIRE(ok.ok());
    CHECK(ok->deal == kHandoverDeal);

    SECTION("another statement kind") {
        require_refused(check_proposed_plan(sign_countersign(sample_countersign(d.plan_hash), d.p.seller), seller,
                                            buyer, kHandoverDeal),
                        ErrorKind::bad_input, "expected a plan");
    }
    SECTION("signed by someone other than the session's peer") {
        require_refused(check_proposed_plan(d.plan_signed, d.p.witness.public_key, buyer, kHandoverDeal),
                        ErrorKind::auth, "not signed by the seller of this session");
    }
    SECTION("a plan naming another seller, signed by the session's peer") {
        Plan other = d.plan;
        other.seller.key = fixed_signer(0x64).public_key;
        require_refused(check_proposed_plan(sign_plan(other, d.p.seller), seller, buyer, kHandoverDeal),
                        ErrorKind::auth, "seller");
    }
    SECTION("a plan for another buyer") {
        require_refused(check_proposed_plan(d.plan_signed, seller, d.p.witness.public_key, kHandoverDeal),
                        ErrorKind::auth, "this agent is not the buyer");
    }
    SECTION("a plan for another deal") {
        require_refused(check_proposed_plan(d.plan_signed, seller, buyer, "D-2026-999"), ErrorKind::bad_input,
                        "it is for deal " + kHandoverDeal + ", the session is for D-2026-999");
    }
    SECTION("a signature that does not cover the body") {
        Signed forged = d.plan_signed;
        forged.signature[7] ^= 0x01;
        require_refused(check_proposed_plan(forged, seller, buyer, kHandoverDeal), ErrorKind::auth, "");
    }
}

TEST_CASE("the seller accepts only the plan's buyer's countersignature of this very plan", "[handover][rules]") {
    SampleFlow d;
    const Signed good = sign_countersign(sample_countersign(d.plan_hash), d.p.buyer);
    REQUIRE(check_countersign(good, d.plan, d.plan_hash).ok());

    require_refused(check_countersign(sign_countersign(sample_countersign(d.plan_hash), d.p.witness), d.plan,
                                      d.plan_hash),
                    ErrorKind::auth, "countersignature is not signed by the plan's buyer");
    require_refused(check_countersign(sign_countersign(sample_countersign(fixed_digest(0x77)), d.p.buyer), d.plan,
                                      d.plan_hash),
                    ErrorKind::bad_input, "it is for another plan");
    require_refused(check_countersign(d.manifest_signed, d.plan, d.plan_hash), ErrorKind::bad_input,
                    "expected a countersignature");
}

TEST_CASE("the buyer accepts a manifest only for a stage of its plan, with the plan's sets in order",
          "[handover][rules]") {
    SampleFlow d;
    auto ok = check_manifest(d.manifest_signed, d.plan, d.plan_hash);
    REQUIRE(ok.ok());
    CHECK(ok->stage == "ledger");

    auto resigned = [&](auto alter) {
        Manifest m = sample_manifest(d.plan_hash);
        alter(m);
        return sign_manifest(m, d.p.seller);
    };
    SECTION("signed by the buyer instead of the seller") {
        require_refused(check_manifest(sign_manifest(sample_manifest(d.plan_hash), d.p.buyer), d.plan, d.plan_hash),
                        ErrorKind::auth, "manifest is not signed by the plan's seller");
    }
    SECTION("for another plan") {
        require_refused(check_manifest(resigned([](Manifest& m) { m.plan_hash = fixed_digest(0x55); }), d.plan,
                                       d.plan_hash),
                        ErrorKind::bad_input, "it is for another plan");
    }
    SECTION("a stage number the plan does not have") {
        require_refused(check_manifest(resigned([](Manifest& m) { m.stage_number = 2; }), d.plan, d.plan_hash),
                        ErrorKind::bad_input, "stage number 2 is not in the plan");
    }
    SECTION("the plan's stage number under another name") {
        require_refused(check_manifest(resigned([](Manifest& m) { m.stage = "contacts"; }), d.plan, d.plan_hash),
                        ErrorKind::bad_input, "stage 1 is 'ledger' in the plan, not 'contacts'");
    }
    SECTION("a set missing") {
        require_refused(check_manifest(resigned([](Manifest& m) { m.sets.pop_back(); }), d.plan, d.plan_hash),
                        ErrorKind::bad_input, "stage ledger has the wrong sets");
    }
    SECTION("the sets in another order") {
        require_refused(check_manifest(resigned([](Manifest& m) { std::swap(m.sets[0], m.sets[1]); }), d.plan,
                                       d.plan_hash),
                        ErrorKind::bad_input, "set 0 is 'payments', the plan says 'orders'");
    }
}

TEST_CASE("the seller accepts only the plan's buyer's receipts for this manifest", "[handover][rules]") {
    SampleFlow d;
    const Digest32& manifest_hash = d.manifest_hash;
    const Signed good = sign_receipt(sample_receipt(d.plan_hash, manifest_hash, ReceiptKind::delivered), d.p.buyer);
    auto ok = check_receipt(good, d.plan, d.plan_hash, d.manifest_signed);
    REQUIRE(ok.ok());
    CHECK(ok->kind == ReceiptKind::delivered);

    require_refused(check_receipt(sign_receipt(sample_receipt(d.plan_hash, manifest_hash, ReceiptKind::accepted),
                                               d.p.seller),
                                  d.plan, d.plan_hash, d.manifest_signed),
                    ErrorKind::auth, "receipt is not signed by the plan's buyer");
    require_refused(check_receipt(sign_receipt(sample_receipt(d.plan_hash, fixed_digest(0x66), ReceiptKind::accepted),
                                               d.p.buyer),
                                  d.plan, d.plan_hash, d.manifest_signed),
                    ErrorKind::bad_input, "it is for another manifest of stage ledger");
    Receipt other_root = sample_receipt(d.plan_hash, manifest_hash, ReceiptKind::verified);
    other_root.merkle_root = fixed_digest(0x12);
    require_refused(check_receipt(sign_receipt(other_root, d.p.buyer), d.plan, d.plan_hash, d.manifest_signed),
                    ErrorKind::bad_input, "another manifest");
    require_refused(check_receipt(sign_receipt(sample_receipt(fixed_digest(0x01), manifest_hash, ReceiptKind::delivered),
                                               d.p.buyer),
                                  d.plan, d.plan_hash, d.manifest_signed),
                    ErrorKind::bad_input, "it is for another plan");

    // make_receipt builds exactly what check_receipt accepts.
    auto opened = open_manifest(d.manifest_signed);
    REQUIRE(opened.ok());
    const Signed made = sign_receipt(make_receipt(ReceiptKind::verified, *opened, d.manifest_signed), d.p.buyer);
    CHECK(check_receipt(made, d.plan, d.plan_hash, d.manifest_signed).ok());
}

TEST_CASE("the buyer accepts a key release only from the seller, for this manifest and this sealed key",
          "[handover][rules]") {
    SampleFlow d;
    auto m = open_manifest(d.manifest_signed);
    REQUIRE(m.ok());
    const Bytes sealed_key(80, 0x5a);
    const Signed good = sign_key_release(make_key_release(*m, d.manifest_signed, sealed_key, kHandoverNow), d.p.seller);
    REQUIRE(check_key_release(good, d.plan, d.manifest_signed, sealed_key).ok());

    Bytes other_key = sealed_key;
    other_key[79] ^= 0x01;
    require_refused(check_key_release(good, d.plan, d.manifest_signed, other_key), ErrorKind::auth,
                    "the sealed key is not the one the statement commits to");
    require_refused(check_key_release(sign_key_release(make_key_release(*m, d.manifest_signed, sealed_key, kHandoverNow),
                                                       d.p.buyer),
                                      d.plan, d.manifest_signed, sealed_key),
                    ErrorKind::auth, "key release is not signed by the plan's seller");
    const Signed other_manifest = sign_manifest(
        [&] {
            Manifest x = *m;
            x.merkle_root = fixed_digest(0x44);
            return x;
        }(),
        d.p.seller);
    require_refused(check_key_release(good, d.plan, other_manifest, sealed_key), ErrorKind::bad_input,
                    "it is for another manifest");
    require_refused(check_key_release(d.manifest_signed, d.plan, d.manifest_signed, sealed_key), ErrorKind::bad_input,
                    "expected a key release");
}

ComputedStage computed_as_promised(const Manifest& m) {
    ComputedStage c;
    for (const auto& s : m.sets) c.sets.push_back({s.name, s.records, s.totals});
    c.plaintext_digest = m.plaintext_digest;
    c.plaintext_bytes = m.plaintext_bytes;
    return c;
}

TEST_CASE("the buyer's verdict names the first difference between its data and the manifest",
          "[handover][rules]") {
    const Manifest m = sample_manifest(fixed_digest(0x01));
    ComputedStage c = computed_as_promised(m);
    CHECK_FALSE(compare_with_manifest(m, c).has_value());

    auto verdict = [&](const ComputedStage& x) {
        auto v = compare_with_manifest(m, x);
        REQUIRE(v.has_value());
        return *v;
    };
    SECTION("the data's own failure comes first") {
        c.failure_code = "batch_malformed";
        c.failure_detail = "chunk 2: not one zstd frame";
        c.sets[0].records += 1;
        const Verdict v = verdict(c);
        CHECK(v.code == "batch_malformed");
        CHECK(v.detail == "chunk 2: not one zstd frame");
    }
    SECTION("a set's record count") {
        c.sets[0].records = 1199;
        const Verdict v = verdict(c);
        CHECK(v.code == "count_mismatch");
        CHECK(v.detail == "set orders: the manifest says 1200 records, the data holds 1199");
    }
    SECTION("a set too few") {
        c.sets.pop_back();
        CHECK(verdict(c).code == "count_mismatch");
    }
    SECTION("a decimal total, to the cent") {
        c.sets[0].totals[0].sum = "-1234.49";
        const Verdict v = verdict(c);
        CHECK(v.code == "total_mismatch");
        CHECK(v.detail == "set orders field amount: the manifest's total is -1234.50, the data's is -1234.49");
    }
    SECTION("a total the data lacks") {
        c.sets[0].totals.clear();
        CHECK(verdict(c).detail.find("the data's is (none)") != std::string::npos);
    }
    SECTION("a total the manifest does not list") {
        c.sets[1].totals.push_back({"ref", "0"});
        const Verdict v = verdict(c);
        CHECK(v.code == "total_mismatch");
        CHECK(v.detail == "set payments: the data has totals the manifest does not list");
    }
    SECTION("the plaintext size") {
        c.plaintext_bytes += 1;
        CHECK(verdict(c).code == "size_mismatch");
    }
    SECTION("the plaintext digest") {
        c.plaintext_digest[31] ^= 0x01;
        const Verdict v = verdict(c);
        CHECK(v.code == "digest_mismatch");
        CHECK(v.detail.find("differs from the manifest's") != std::string::npos);
    }
}

}  // namespace
}  // namespace baton::handover
