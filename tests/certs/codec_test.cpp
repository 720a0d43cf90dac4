// certs/codec.h and certs/armor.h: hostile bytes — altered, truncated, oversized — are refused
// by the parser or by the verifier, never accepted.
#include <catch2/catch.hpp>

#include "certs/armor.h"
#include "certs_test_util.h"

using namespace baton;
using namespace baton::certs;
using namespace baton::certs::testing;

namespace {

const uint8_t kFlips[] = {0x01, 0x80, 0xFF};

}  // namespace

TEST_CASE("an issued certificate decodes back to the fields it was issued with", "[codec]") {
    Fixture f;
    const auto cert = f.issue();
    auto back = decode_certificate(cert.envelope);
    REQUIRE(back.ok());
    CHECK(back->serial == 7);
    CHECK(back->subject_name == "Seller Ltd");
    CHECK(back->subject_contact == "ops@seller.example");
    CHECK(back->subject_key == f.seller.key);
    CHECK(back->role == Role::seller);
    CHECK(back->deal == kDeal);
    CHECK(back->jurisdiction == "CN");
    CHECK(back->not_before == kNotBefore);
    CHECK(back->not_after == kNotAfter);
    CHECK(back->issuer_key == f.authority.public_key);
    CHECK(back->issuer_name == "Authority Co");
    CHECK(back->envelope == cert.envelope);
}

TEST_CASE("a certificate with any byte of its envelope flipped is never accepted", "[codec][verifier]") {
    Fixture f;
    const auto cert = f.issue();
    size_t refused_by_parser = 0, refused_by_verifier = 0;
    for (size_t i = 0; i < cert.envelope.size(); ++i) {
        for (uint8_t flip : kFlips) {
            Bytes env = cert.envelope;
            env[i] ^= flip;
            auto decoded = decode_certificate(env);
            if (!decoded) {
                CHECK(decoded.error().kind() == ErrorKind::bad_input);
                ++refused_by_parser;
                continue;
            }
            const auto verdict = verify_certificate(*decoded, f.trust(), f.expect());
            INFO("byte " << i << " xor " << int(flip) << " gave " << check_name(verdict.check));
            CHECK_FALSE(verdict.ok());
            ++refused_by_verifier;
        }
    }
    // Both defences are exercised: structure checks in the parser, the signature in the verifier.
    CHECK(refused_by_parser > 0);
    CHECK(refused_by_verifier > 0);
}

TEST_CASE("every truncation of a certificate envelope is refused by the parser", "[codec]") {
    Fixture f;
    const auto cert = f.issue();
    for (size_t n = 0; n < cert.envelope.size(); ++n) {
        auto decoded = decode_certificate(ByteView(cert.envelope.data(), n));
        INFO("prefix of " << n << " bytes");
        REQUIRE_FALSE(decoded.ok());
        CHECK(decoded.error().kind() == ErrorKind::bad_input);
    }
}

TEST_CASE("a certificate envelope larger than kMaxEnvelopeBytes is refused before parsing", "[codec]") {
    Fixture f;
    Bytes big = f.issue().envelope;
    big.resize(kMaxEnvelopeBytes + 1, 0);
    auto decoded = decode_certificate(big);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().kind() == ErrorKind::bad_input);
    CHECK_THAT(decoded.error().message(), Catch::Contains("larger than"));
}

TEST_CASE("issuing refuses an empty or inverted window, a bad deal id and a bad jurisdiction", "[codec]") {
    Fixture f;
    auto r = f.request();
    r.not_after = r.not_before;
    CHECK(issue_certificate(f.authority, "A", r).error().kind() == ErrorKind::usage);
    r = f.request();
    r.not_after = r.not_before - 1;
    CHECK(issue_certificate(f.authority, "A", r).error().kind() == ErrorKind::usage);
    r = f.request();
    r.deal = "deal with spaces";
    CHECK(issue_certificate(f.authority, "A", r).error().kind() == ErrorKind::usage);
    r = f.request();
    r.deal = std::string(65, 'D');
    CHECK(issue_certificate(f.authority, "A", r).error().kind() == ErrorKind::usage);
    r = f.request();
    r.jurisdiction = "cn";
    CHECK(issue_certificate(f.authority, "A", r).error().kind() == ErrorKind::usage);
}

TEST_CASE("an identity decodes to what it was made from", "[codec][identity]") {
    const auto key = key_from_fill(0x51);
    const auto id = make_identity(key, "Seller Ltd", "ops@seller.example", kNow);
    auto back = decode_identity(id.envelope);
    REQUIRE(back.ok());
    CHECK(back->name == "Seller Ltd");
    CHECK(back->contact == "ops@seller.example");
    CHECK(back->key == key.public_key);
    CHECK(back->created_at == kNow);
}

TEST_CASE("an identity with any byte of its envelope flipped or cut off is refused", "[codec][identity]") {
    const auto id = make_identity(key_from_fill(0x51), "Seller Ltd", "ops@seller.example", kNow);
    for (size_t i = 0; i < id.envelope.size(); ++i) {
        for (uint8_t flip : kFlips) {
            Bytes env = id.envelope;
            env[i] ^= flip;
            auto decoded = decode_identity(env);
            INFO("byte " << i << " xor " << int(flip));
            REQUIRE_FALSE(decoded.ok());
            CHECK((decoded.error().kind() == ErrorKind::bad_input || decoded.error().kind() == ErrorKind::auth));
        }
    }
    for (size_t n = 0; n < id.envelope.size(); ++n) {
        INFO("prefix of " << n << " bytes");
        CHECK_FALSE(decode_identity(ByteView(id.envelope.data(), n)).ok());
    }
}

TEST_CASE("a revocation list with any byte flipped is refused, and an intact one decodes", "[codec][crl]") {
    const auto issuer = key_from_fill(0xA1);
    const auto crl = issue_revocation_list(issuer, kDeal, 3, kNow, {9, 2, 5});
    auto back = decode_revocation_list(crl.envelope);
    REQUIRE(back.ok());
    CHECK(back->number == 3);
    CHECK(back->revoked_serials == std::vector<uint64_t>{2, 5, 9});
    CHECK(back->revokes(5));
    CHECK_FALSE(back->revokes(4));
    for (size_t i = 0; i < crl.envelope.size(); ++i) {
        Bytes env = crl.envelope;
        env[i] ^= 0x01;
        INFO("byte " << i);
        CHECK_FALSE(decode_revocation_list(env).ok());
    }
}

// ---- armor ------------------------------------------------------------------------------------

TEST_CASE("armored data round-trips through dearmor with 64-character lines", "[armor]") {
    Bytes data(200);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);
    const std::string text = armor("CERTIFICATE", data);
    CHECK(text.rfind("-----BEGIN BATON CERTIFICATE-----\n", 0) == 0);
    CHECK(text.find("\n-----END BATON CERTIFICATE-----\n") != std::string::npos);
    for (size_t start = text.find('\n') + 1, end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
        CHECK(end - start <= 64);
    auto back = dearmor("CERTIFICATE", as_bytes("\n  " + text + "\n\n"), kMaxEnvelopeBytes, "c.cert");
    REQUIRE(back.ok());
    CHECK(*back == data);
}

TEST_CASE("dearmor refuses another file type and names what it holds", "[armor]") {
    const std::string text = armor("IDENTITY", to_bytes("hello"));
    auto r = dearmor("CERTIFICATE", as_bytes(text), kMaxEnvelopeBytes, "x.cert");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind() == ErrorKind::bad_input);
    CHECK_THAT(r.error().message(), Catch::Contains("x.cert") && Catch::Contains("IDENTITY"));
    CHECK_FALSE(dearmor("CERTIFICATE", as_bytes("just text"), kMaxEnvelopeBytes, "x.cert").ok());
    CHECK_FALSE(dearmor("CERTIFICATE", as_bytes(""), kMaxEnvelopeBytes, "x.cert").ok());
}

TEST_CASE("dearmor refuses a file without its END line as truncated", "[armor]") {
    const std::string text = armor("CERTIFICATE", Bytes(100, 0x42));
    const std::string cut = text.substr(0, text.find("-----END"));
    auto r = dearmor("CERTIFICATE", as_bytes(cut), kMaxEnvelopeBytes, "x.cert");
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message(), Catch::Contains("truncated"));
    // Every cut that loses part of the END line is refused too.
    for (size_t n = 0; n + 1 < text.size(); ++n) {
        std::string prefix = text.substr(0, n);
        INFO("prefix of " << n << " characters");
        CHECK_FALSE(dearmor("CERTIFICATE", as_bytes(prefix), kMaxEnvelopeBytes, "x.cert").ok());
    }
}

TEST_CASE("dearmor refuses bad base64", "[armor]") {
    const std::string begin = "-----BEGIN BATON CERTIFICATE-----\n", end = "\n-----END BATON CERTIFICATE-----\n";
    for (const char* body : {"QUJD*EVG", "QUJDREV", "QU=DREVG", "!!!!"}) {
        INFO(body);
        auto r = dearmor("CERTIFICATE", as_bytes(begin + body + end), kMaxEnvelopeBytes, "x.cert");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().kind() == ErrorKind::bad_input);
    }
}

TEST_CASE("dearmor refuses content larger than its bound", "[armor]") {
    const std::string just_over = armor("CERTIFICATE", Bytes(kMaxEnvelopeBytes + 1, 0x42));
    auto r = dearmor("CERTIFICATE", as_bytes(just_over), kMaxEnvelopeBytes, "x.cert");
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message(), Catch::Contains("larger than"));
    CHECK(dearmor("CERTIFICATE", as_bytes(armor("CERTIFICATE", Bytes(kMaxEnvelopeBytes, 0x42))), kMaxEnvelopeBytes,
                  "x.cert")
              .ok());
    const std::string huge = armor("CERTIFICATE", Bytes(4 * kMaxEnvelopeBytes, 0x42));
    auto h = dearmor("CERTIFICATE", as_bytes(huge), kMaxEnvelopeBytes, "x.cert");
    REQUIRE_FALSE(h.ok());
    CHECK_THAT(h.error().message(), Catch::Contains("too large"));
}
