// The evidence file codec and the offline verifier (protocol/evidence/): a complete file passes
// every named check; every removal, reordering, addition or altered byte fails a named check.
#include <catch2/catch.hpp>

#include <random>

#include "protocol/evidence/verify.h"
#include "tests/protocol/evidence_test_support.h"

using namespace baton;
using namespace baton::evidence;
using namespace baton::evidence::test;

namespace {

std::string describe(const Verification& v) {
    std::string s;
    for (const auto& c : v.checks) s += (c.passed ? "  ok   " : "  FAIL ") + c.name + ": " + c.message + "\n";
    return s;
}

bool has_check(const Verification& v, const std::string& name) {
    for (const auto& c : v.checks)
        if (c.name == name) return true;
    return false;
}

// Whether check `name` failed (and the file as a whole with it).
bool failed(const Verification& v, const std::string& name) {
    for (const auto& c : v.checks)
        if (c.name == name && !c.passed) return !v.ok();
    return false;
}

// Verifies `f` as its producer (the seller) would have signed it after the edit, so that the
// structural checks, not the producer's signature, must catch what was changed.
Verification verify(const World& w, const EvidenceFile& f) {
    EvidenceFile signed_file = f;
    sign_evidence(signed_file, w.parties.seller);
    return verify_evidence(encode_evidence(signed_file), w.authority.public_key);
}

}  // namespace

TEST_CASE("evidence files round-trip through the codec byte for byte", "[evidence][codec]") {
    const World w = make_world({.witness = true, .refusal = true});
    const Bytes bytes = encode_evidence(w.file);
    auto back = decode_evidence(bytes);
    REQUIRE(back.ok());
    CHECK(back->deal == w.file.deal);
    CHECK(back->log_leaves == w.file.log_leaves);
    CHECK(back->refused.size() == 1);
    CHECK(encode_evidence(*back) == bytes);
}

TEST_CASE("the codec refuses a wrong header, unknown or duplicate fields, disorder and trailing bytes",
          "[evidence][codec]") {
    const World w = make_world();
    const Bytes good = encode_evidence(w.file);
    auto refused = [](Bytes b, const std::string& needle) {
        auto r = decode_evidence(b);
        REQUIRE_FALSE(r.ok());
        INFO(r.error().message());
        CHECK(r.error().kind() == ErrorKind::bad_input);
        CHECK(r.error().message().find(needle) != std::string::npos);
    };
    Bytes b = good;
    b[0] = 'X';
    refused(b, "header");
    b = good;
    b[11] = 2;
    refused(b, "version 2");
    b = good;
    b.push_back(0);
    refused(b, "after the end marker");
    refused(Bytes(good.begin(), good.end() - 1), "no end marker");
    refused(Bytes(good.begin(), good.begin() + 12), "no end marker");
    // An unknown tag, inserted before the end marker.
    b = good;
    const Bytes unknown{0x0D, 0, 0, 0, 1, 0x55};
    b.insert(b.end() - 5, unknown.begin(), unknown.end());
    refused(b, "unknown field tag 13");
    // Fields out of order, a singular field twice, an item twice, a missing plan.
    EvidenceFile f = w.file;
    std::swap(f.manifests[0], f.manifests[1]);
    CHECK(decode_evidence(encode_evidence(f)).ok());  // order within a field is the verifier's business
    f = w.file;
    f.receipts.push_back(f.receipts[0]);
    refused(encode_evidence(f), "duplicate of an earlier receipt");
    f = w.file;
    f.plan.clear();
    refused(encode_evidence(f), "length 0");
    b = good;  // deal (tag 1) again at the end: out of order
    const Bytes deal{0x01, 0, 0, 0, 1, 'D'};
    b.insert(b.end() - 5, deal.begin(), deal.end());
    refused(b, "out of order");
    // A length past the end of the file.
    b = good;
    b[13] = 0x7F;
    refused(b, "past the end");
}

TEST_CASE("a complete witnessed evidence file passes every check", "[evidence][verify]") {
    const World w = make_world({.witness = true, .refusal = true});
    const auto v = verify(w, w.file);
    INFO(describe(v));
    CHECK(v.ok());
    for (const char* name : {"format", "encoding", "plan", "revocation_lists", "certificates", "producer", "countersign", "manifests",
                             "receipts", "key_releases", "stage_sequence", "log_leaves", "log_membership", "checkpoints",
                             "log_proofs", "log_coverage", "closure", "refusals"})
        CHECK(has_check(v, name));
    REQUIRE(v.parties.size() == 3);
    CHECK(v.parties[2].role == "witness");
    REQUIRE(v.stages.size() == 2);
    CHECK(v.stages[0].state == "purged");
    CHECK(v.stages[1].state == "accepted");
    CHECK(v.stages[1].manifest->sets[0].records == 1200);
    CHECK(v.checkpoints.size() == w.file.log_leaves.size());
    REQUIRE(v.refusals.size() == 1);
    CHECK(v.refusals[0].reason_code == "conflicting_manifest");
    CHECK(v.refusals[0].refused_kind == "manifest");
}

TEST_CASE("an unwitnessed evidence file passes, and may not carry a log", "[evidence][verify]") {
    const World w = make_world({.witness = false});
    auto v = verify(w, w.file);
    INFO(describe(v));
    CHECK(v.ok());
    CHECK(v.parties.size() == 2);
    EvidenceFile f = w.file;
    f.log_leaves.push_back(f.plan);
    v = verify(w, f);
    CHECK(failed(v, "log"));
}

TEST_CASE("another authority, or a certificate missing, fails the certificates check", "[evidence][verify]") {
    const World w = make_world();
    auto v = verify_evidence(encode_evidence(w.file), fixed_signer(0x71).public_key);
    CHECK(failed(v, "certificates"));
    CHECK(failed(v, "revocation_lists"));
    EvidenceFile f = w.file;
    f.certificates.pop_back();  // the witness's
    CHECK(failed(verify(w, f), "certificates"));
    f = w.file;
    std::swap(f.certificates[0], f.certificates[1]);
    CHECK(failed(verify(w, f), "certificates"));
    // A revocation list from the authority that revokes the buyer's serial.
    f = w.file;
    f.revocation_lists.push_back(certs::issue_revocation_list(w.authority, kHandoverDeal, 2, kHandoverNow, {2}).envelope);
    v = verify(w, f);
    INFO(describe(v));
    CHECK(failed(v, "certificates"));
}

TEST_CASE("removing any receipt, key release, manifest or the countersignature fails a named check", "[evidence][verify]") {
    const World w = make_world();
    for (size_t i = 0; i < w.file.receipts.size(); ++i) {
        EvidenceFile f = w.file;
        f.receipts.erase(f.receipts.begin() + static_cast<long>(i));
        const auto v = verify(w, f);
        INFO("receipt " << i << "\n" << describe(v));
        CHECK_FALSE(v.ok());
        CHECK(failed(v, "log_membership"));
    }
    // Without a witness, the stage sequence alone catches a missing receipt (except the last ones).
    const World u = make_world({.witness = false});
    EvidenceFile f = u.file;
    f.receipts.erase(f.receipts.begin() + 1);  // stage 1 verified
    CHECK(failed(verify(u, f), "stage_sequence"));
    f = u.file;
    f.key_releases.erase(f.key_releases.begin());
    CHECK(failed(verify(u, f), "stage_sequence"));
    f = u.file;
    f.manifests.erase(f.manifests.begin());
    CHECK(failed(verify(u, f), "receipts"));
    f = u.file;
    f.countersign.reset();
    CHECK(failed(verify(u, f), "countersign"));
}

TEST_CASE("removing, reordering or adding a checkpoint or a log leaf fails", "[evidence][verify]") {
    const World w = make_world({.witness = true, .refusal = true});
    for (size_t i = 0; i < w.file.checkpoints.size(); ++i) {
        EvidenceFile f = w.file;
        f.checkpoints.erase(f.checkpoints.begin() + static_cast<long>(i));
        INFO("checkpoint " << i);
        CHECK(failed(verify(w, f), i + 1 == w.file.checkpoints.size() ? "log_coverage" : "checkpoints"));
    }
    EvidenceFile f = w.file;
    std::swap(f.checkpoints[2], f.checkpoints[3]);
    CHECK(failed(verify(w, f), "checkpoints"));
    f = w.file;
    std::swap(f.log_leaves[3], f.log_leaves[4]);
    CHECK(failed(verify(w, f), "checkpoints"));
    f = w.file;
    std::swap(f.log_leaves[0], f.log_leaves[1]);
    CHECK(failed(verify(w, f), "log_leaves"));
    f = w.file;
    f.log_leaves.pop_back();
    CHECK(failed(verify(w, f), "log_membership"));
    f = w.file;
    std::swap(f.receipts[0], f.receipts[1]);
    CHECK(failed(verify(w, f), "receipts"));
    f = w.file;
    std::swap(f.manifests[0], f.manifests[1]);
    CHECK(failed(verify(w, f), "manifests"));
    f = w.file;
    f.refused.clear();
    CHECK(failed(verify(w, f), "refusals"));
}

TEST_CASE("a stage that moves before the previous one was accepted fails the stage sequence", "[evidence][verify]") {
    World w = make_world({.witness = false, .purge = false});
    // Drop stage 1's accepted receipt: stage 2 then moved too early.
    EvidenceFile f = w.file;
    f.receipts.erase(f.receipts.begin() + 2);
    const auto v = verify(w, f);
    INFO(describe(v));
    CHECK(failed(v, "stage_sequence"));
}

TEST_CASE("an added byte anywhere fails verification", "[evidence][verify]") {
    const World w = make_world({.witness = true, .refusal = true});
    const Bytes good = encode_evidence(w.file);
    std::mt19937_64 rng(42);
    for (int n = 0; n < 100; ++n) {
        const size_t at = rng() % (good.size() + 1);
        Bytes b = good;
        b.insert(b.begin() + static_cast<long>(at), static_cast<uint8_t>(rng()));
        const auto v = verify_evidence(b, w.authority.public_key);
        INFO("byte inserted at " << at << "\n" << describe(v));
        REQUIRE_FALSE(v.ok());
        REQUIRE_FALSE(v.failures().empty());
    }
}

TEST_CASE("altering any one of many random bytes fails verification with a named check", "[evidence][verify]") {
    for (bool witness : {true, false}) {
        const World w = make_world({.witness = witness, .refusal = witness});
        const Bytes good = encode_evidence(w.file);
        REQUIRE(verify_evidence(good, w.authority.public_key).ok());
        std::mt19937_64 rng(witness ? 7 : 8);
        const int trials = 600;
        for (int n = 0; n < trials; ++n) {
            const size_t at = rng() % good.size();
            Bytes b = good;
            b[at] ^= static_cast<uint8_t>(1 + rng() % 255);
            const auto v = verify_evidence(b, w.authority.public_key);
            INFO("witness " << witness << ", byte " << at << " of " << good.size() << "\n" << describe(v));
            REQUIRE_FALSE(v.ok());
            const auto fails = v.failures();
            REQUIRE_FALSE(fails.empty());
            REQUIRE_FALSE(fails[0].message.empty());
        }
    }
}

TEST_CASE("a statement signed by the wrong party fails its check, naming the signer's role", "[evidence][verify]") {
    const World w = make_world({.witness = true, .refusal = false});
    const auto& p = w.parties;
    auto resign_receipt = [&](size_t i, const crypto::Ed25519KeyPair& key) {
        EvidenceFile f = w.file;
        const Receipt r = open_receipt(decode_signed(f.receipts[i]).value()).value();
        f.receipts[i] = encode_signed(sign_receipt(r, key));
        return f;
    };
    auto v = verify(w, resign_receipt(0, p.seller));  // a delivered receipt by the seller
    INFO(describe(v));
    CHECK(failed(v, "receipts"));
    bool named = false;
    for (const auto& c : v.checks) named = named || c.message.find("signed by seller, not the plan's buyer") != std::string::npos;
    CHECK(named);
    CHECK(failed(verify(w, resign_receipt(3, p.buyer)), "receipts"));  // the purged receipt by the buyer

    EvidenceFile f = w.file;
    const auto cs = open_countersign(decode_signed(*f.countersign).value()).value();
    f.countersign = encode_signed(sign_countersign(cs, p.seller));
    CHECK(failed(verify(w, f), "countersign"));

    f = w.file;
    const auto cp = open_checkpoint(decode_signed(f.checkpoints[4]).value()).value();
    f.checkpoints[4] = encode_signed(sign_checkpoint(cp, p.seller));
    CHECK(failed(verify(w, f), "checkpoints"));

    f = w.file;
    const auto kr = open_key_release(decode_signed(f.key_releases[1]).value()).value();
    f.key_releases[1] = encode_signed(sign_key_release(kr, p.buyer));
    CHECK(failed(verify(w, f), "key_releases"));
}

TEST_CASE("a witness checkpoint over other leaves, or a refusal without its statement, fails", "[evidence][verify]") {
    const World w = make_world({.witness = true, .refusal = true});
    EvidenceFile f = w.file;
    auto cp = open_checkpoint(decode_signed(f.checkpoints.back()).value()).value();
    cp.root[0] ^= 1;
    f.checkpoints.back() = encode_signed(sign_checkpoint(cp, w.parties.witness));
    auto v = verify(w, f);
    CHECK(failed(v, "checkpoints"));
    CHECK(failed(v, "log_coverage"));
    f = w.file;
    f.refused[0].envelope = f.manifests[0];  // another statement than the refused one
    CHECK(failed(verify(w, f), "refusals"));
}

TEST_CASE("the producer's signature catches what no other check can: the last receipt left out", "[evidence][verify]") {
    const World w = make_world({.witness = false, .purge = false});
    EvidenceFile f = w.file;
    f.receipts.pop_back();  // the last stage's accepted receipt: the rest still reads as a handover in progress
    CHECK(verify(w, f).ok());  // re-signed by its producer, it is a valid (shorter) file
    auto v = verify_evidence(encode_evidence(f), w.authority.public_key);  // as left: the seller's signature breaks
    INFO(describe(v));
    CHECK(failed(v, "producer"));
    // Signed by a key that is no party of the plan.
    sign_evidence(f, fixed_signer(0x77));
    CHECK(failed(verify_evidence(encode_evidence(f), w.authority.public_key), "producer"));
    // Signed by the buyer: fine, any party may write the file.
    sign_evidence(f, w.parties.buyer);
    v = verify_evidence(encode_evidence(f), w.authority.public_key);
    CHECK(v.ok());
    CHECK(v.producer == "buyer");
    // The codec requires the producer field.
    Bytes b = encode_evidence(w.file);
    b.erase(b.end() - 5 - 101, b.end() - 5);
    auto r = decode_evidence(b);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().find("no producer signature") != std::string::npos);
}

TEST_CASE("an altered byte fails a structural check even when the file is signed again after it", "[evidence][verify]") {
    // What the producer signs is signed again by someone (authority, seller, buyer, witness) or
    // cross-checked: a producer who alters its own file after the fact is still caught.
    for (bool witness : {true, false}) {
        const World w = make_world({.witness = witness, .refusal = witness});
        const Bytes good = encode_evidence(w.file);
        const size_t signed_len = producer_signed_bytes(w.file).size();
        std::mt19937_64 rng(witness ? 17 : 18);
        for (int n = 0; n < 400; ++n) {
            const size_t at = rng() % signed_len;
            Bytes b = good;
            b[at] ^= static_cast<uint8_t>(1 + rng() % 255);
            auto f = decode_evidence(b);
            if (!f) continue;  // the format check fails it
            sign_evidence(*f, w.parties.seller);
            const auto v = verify_evidence(encode_evidence(*f), w.authority.public_key);
            INFO("witness " << witness << ", byte " << at << "\n" << describe(v));
            REQUIRE_FALSE(v.ok());
            bool other = false;
            for (const auto& c : v.failures()) other = other || c.name != "producer";
            REQUIRE(other);
        }
    }
}
