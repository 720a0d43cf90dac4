// Fixtures shared by the certs/ tests: deterministic keys from fixed seeds, a fixed clock, and
// one authority certifying one seller for one deal.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "certs/codec.h"
#include "certs/verifier.h"
#include "core/crypto.h"

namespace baton::certs::testing {

// Every byte of the seed is `fill`: distinct fills give distinct, reproducible keys.
inline crypto::Ed25519KeyPair key_from_fill(uint8_t fill) {
    Secret<32> seed;
    for (size_t i = 0; i < seed.size(); ++i) seed.data()[i] = fill;
    return crypto::ed25519_from_seed(seed);
}

// 2026-01-01T00:00:00Z: the clock every verifier test runs at.
constexpr UnixTime kNow = 1767225600;
constexpr UnixTime kDay = 86400;
constexpr UnixTime kNotBefore = kNow - 10 * kDay;
constexpr UnixTime kNotAfter = kNow + 80 * kDay;
inline const std::string kDeal = "D-2026-001";

struct Fixture {
    crypto::Ed25519KeyPair authority = key_from_fill(0xA1);
    crypto::Ed25519KeyPair seller_key = key_from_fill(0x51);
    Identity seller = make_identity(seller_key, "Seller Ltd", "ops@seller.example", kNow - 30 * kDay);

    CertificateRequest request(uint64_t serial = 7) const {
        return CertificateRequest{serial, seller, Role::seller, kDeal, "CN", kNotBefore, kNotAfter};
    }

    Certificate issue(const CertificateRequest& r) const {
        auto cert = issue_certificate(authority, "Authority Co", r);
        REQUIRE(cert.ok());
        return std::move(cert).value();
    }
    Certificate issue() const { return issue(request()); }

    TrustStore trust() const {
        TrustStore t;
        t.anchors.push_back({kDeal, authority.public_key, "Authority Co"});
        return t;
    }

    Expectation expect(UnixTime now = kNow) const { return Expectation{kDeal, Role::seller, seller.key, now}; }
};

}  // namespace baton::certs::testing
