// certs/verifier.h: the one decision whether a certificate is acceptable for (deal, role, time).
// Each refusal must come back with its own CertCheck, at a fixed clock.
#include <catch2/catch.hpp>

#include "certs_test_util.h"
#include "core/crypto.h"

using namespace baton;
using namespace baton::certs;
using namespace baton::certs::testing;

namespace {

// A protobuf Envelope {1: body, 2: signature}, built by hand so tests can pair any body with any
// signature.
void put_varint(Bytes& out, size_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<uint8_t>(v | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<uint8_t>(v));
}

Bytes envelope(ByteView body, ByteView signature) {
    Bytes out{0x0a};
    put_varint(out, body.size());
    append(out, body);
    out.push_back(0x12);
    put_varint(out, signature.size());
    append(out, signature);
    return out;
}

Certificate decoded(const Bytes& env) {
    auto cert = decode_certificate(env);
    REQUIRE(cert.ok());
    return std::move(cert).value();
}

CertCheck check(const Certificate& c, const TrustStore& t, const Expectation& e) {
    return verify_certificate(c, t, e).check;
}

}  // namespace

TEST_CASE("a good certificate is accepted for its deal, role, subject and time", "[verifier]") {
    Fixture f;
    const auto cert = f.issue();
    const auto verdict = verify_certificate(cert, f.trust(), f.expect());
    CHECK(verdict.ok());
    CHECK(verdict.check == CertCheck::accepted);
    // Role and subject are optional expectations.
    CHECK(check(cert, f.trust(), Expectation{kDeal, std::nullopt, std::nullopt, kNow}) == CertCheck::accepted);
}

TEST_CASE("the envelope built by hand matches what the codec writes", "[verifier]") {
    Fixture f;
    const auto cert = f.issue();
    CHECK(envelope(cert.body, cert.signature) == cert.envelope);
}

TEST_CASE("a certificate whose signature bytes were changed is refused as bad_signature", "[verifier]") {
    Fixture f;
    const auto cert = f.issue();
    for (size_t i : {size_t{0}, size_t{31}, size_t{32}, size_t{63}}) {
        Bytes sig = cert.signature;
        sig[i] ^= 0x01;
        const auto altered = decoded(envelope(cert.body, sig));  // the parser does not check signatures
        CHECK(check(altered, f.trust(), f.expect()) == CertCheck::bad_signature);
    }
}

TEST_CASE("a body signed by another key under the authority's name is refused as bad_signature", "[verifier]") {
    Fixture f;
    const auto cert = f.issue();
    const auto mallory = key_from_fill(0xEE);
    const auto forged = decoded(envelope(cert.body, crypto::sign_in_context(mallory, kCertificateContext, cert.body)));
    CHECK(check(forged, f.trust(), f.expect()) == CertCheck::bad_signature);
}

TEST_CASE("an authority signature made for another context is refused as bad_signature", "[verifier]") {
    Fixture f;
    const auto cert = f.issue();
    const auto cross = decoded(envelope(cert.body, crypto::sign_in_context(f.authority, kRevocationContext, cert.body)));
    CHECK(check(cross, f.trust(), f.expect()) == CertCheck::bad_signature);
}

TEST_CASE("a certificate from an authority that is not trusted is refused as unknown_authority", "[verifier]") {
    Fixture f;
    const auto mallory = key_from_fill(0xEE);
    auto self_made = issue_certificate(mallory, "Authority Co", f.request());
    REQUIRE(self_made.ok());
    CHECK(check(*self_made, f.trust(), f.expect()) == CertCheck::unknown_authority);

    SECTION("and trust in that authority for another deal does not count") {
        TrustStore t;
        t.anchors.push_back({"D-OTHER", f.authority.public_key, "Authority Co"});
        CHECK(check(f.issue(), t, f.expect()) == CertCheck::unknown_authority);
    }
    SECTION("and an empty trust store trusts nobody") {
        CHECK(check(f.issue(), TrustStore{}, f.expect()) == CertCheck::unknown_authority);
    }
}

TEST_CASE("a certificate for another deal is refused as wrong_deal", "[verifier]") {
    Fixture f;
    auto want = f.expect();
    want.deal = "D-2026-002";
    auto trust = f.trust();
    trust.anchors.push_back({"D-2026-002", f.authority.public_key, "Authority Co"});
    const auto verdict = verify_certificate(f.issue(), trust, want);
    CHECK(verdict.check == CertCheck::wrong_deal);
    CHECK_THAT(verdict.detail, Catch::Contains(kDeal) && Catch::Contains("D-2026-002"));
}

TEST_CASE("a certificate for another role is refused as wrong_role", "[verifier]") {
    Fixture f;
    const auto cert = f.issue();
    for (Role r : {Role::buyer, Role::witness}) {
        auto want = f.expect();
        want.role = r;
        CHECK(check(cert, f.trust(), want) == CertCheck::wrong_role);
    }
}

TEST_CASE("a certificate for another subject key is refused as wrong_subject", "[verifier]") {
    Fixture f;
    auto want = f.expect();
    want.subject_key = key_from_fill(0x52).public_key;
    CHECK(check(f.issue(), f.trust(), want) == CertCheck::wrong_subject);
}

TEST_CASE("a certificate is refused as not_yet_valid before not_before, which is inclusive", "[verifier]") {
    Fixture f;
    const auto cert = f.issue();
    CHECK(check(cert, f.trust(), f.expect(kNotBefore - 1)) == CertCheck::not_yet_valid);
    CHECK(check(cert, f.trust(), f.expect(kNotBefore - 365 * kDay)) == CertCheck::not_yet_valid);
    CHECK(check(cert, f.trust(), f.expect(kNotBefore)) == CertCheck::accepted);
}

TEST_CASE("a certificate is refused as expired from not_after on, which is exclusive", "[verifier]") {
    Fixture f;
    const auto cert = f.issue();
    CHECK(check(cert, f.trust(), f.expect(kNotAfter - 1)) == CertCheck::accepted);
    CHECK(check(cert, f.trust(), f.expect(kNotAfter)) == CertCheck::expired);
    CHECK(check(cert, f.trust(), f.expect(kNotAfter + 365 * kDay)) == CertCheck::expired);
}

TEST_CASE("a certificate listed by its authority's revocation list is refused as revoked", "[verifier]") {
    Fixture f;
    const auto cert = f.issue(f.request(7));
    auto trust = f.trust();
    trust.crls.push_back(issue_revocation_list(f.authority, kDeal, 1, kNow, {3, 7, 9}));
    CHECK(check(cert, trust, f.expect()) == CertCheck::revoked);
    // Other serials of the same authority are unaffected.
    CHECK(check(f.issue(f.request(8)), trust, f.expect()) == CertCheck::accepted);
}

TEST_CASE("a revocation list from another issuer does not revoke a certificate", "[verifier]") {
    Fixture f;
    auto trust = f.trust();
    trust.crls.push_back(issue_revocation_list(key_from_fill(0xEE), kDeal, 1, kNow, {7}));
    CHECK(check(f.issue(f.request(7)), trust, f.expect()) == CertCheck::accepted);
}

TEST_CASE("a revocation list for another deal does not revoke a certificate", "[verifier]") {
    Fixture f;
    auto trust = f.trust();
    trust.crls.push_back(issue_revocation_list(f.authority, "D-2026-002", 1, kNow, {7}));
    CHECK(check(f.issue(f.request(7)), trust, f.expect()) == CertCheck::accepted);
}

TEST_CASE("a refusal's error is of kind auth and names its reason", "[verifier]") {
    Fixture f;
    const auto verdict = verify_certificate(f.issue(), f.trust(), f.expect(kNotAfter));
    REQUIRE_FALSE(verdict.ok());
    const Error e = verdict.error();
    CHECK(e.kind() == ErrorKind::auth);
    CHECK_THAT(e.message(), Catch::Contains("expired") && Catch::Contains("Seller Ltd"));
}

TEST_CASE("every check has a distinct stable name", "[verifier]") {
    CHECK(std::string(check_name(CertCheck::accepted)) == "accepted");
    CHECK(std::string(check_name(CertCheck::wrong_deal)) == "wrong_deal");
    CHECK(std::string(check_name(CertCheck::unknown_authority)) == "unknown_authority");
    CHECK(std::string(check_name(CertCheck::bad_signature)) == "bad_signature");
    CHECK(std::string(check_name(CertCheck::revoked)) == "revoked");
    CHECK(std::string(check_name(CertCheck::not_yet_valid)) == "not_yet_valid");
    CHECK(std::string(check_name(CertCheck::expired)) == "expired");
    CHECK(std::string(check_name(CertCheck::wrong_role)) == "wrong_role");
    CHECK(std::string(check_name(CertCheck::wrong_subject)) == "wrong_subject");
}
