// The one place that decides whether a certificate is acceptable for a (deal, role, time).
//
// Checks, in this order, each refusal with its own reason:
//   wrong_deal        the certificate names another deal
//   unknown_authority its issuer is not trusted for this deal
//   bad_signature     the body was not signed by that authority (altered, forged)
//   revoked           a revocation list from that authority lists its serial
//   not_yet_valid     now < not_before
//   expired           now >= not_after
//   wrong_role        the role is not the one expected
//   wrong_subject     the subject key is not the one expected (e.g. the Noise-bound identity)
// Parsing failures (malformed, too large) are reported by certs/codec.h before this runs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "certs/types.h"

namespace baton::certs {

enum class CertCheck {
    accepted,
    wrong_deal,
    unknown_authority,
    bad_signature,
    revoked,
    not_yet_valid,
    expired,
    wrong_role,
    wrong_subject,
};

// Stable snake_case name of a check, used in messages, JSON and on the wire.
const char* check_name(CertCheck c);

struct TrustAnchor {
    std::string deal;
    crypto::PublicKey authority{};
    std::string name;
};

// What an agent trusts: authorities per deal, and the revocation lists they issued.
struct TrustStore {
    std::vector<TrustAnchor> anchors;
    std::vector<RevocationList> crls;  // only lists whose signature was checked on install

    bool trusts(std::string_view deal, const crypto::PublicKey& authority) const;
};

struct Expectation {
    std::string deal;
    std::optional<Role> role;
    std::optional<crypto::PublicKey> subject_key;
    UnixTime now = 0;
};

struct CertVerdict {
    CertCheck check = CertCheck::accepted;
    std::string detail;  // for people: what exactly did not hold

    bool ok() const { return check == CertCheck::accepted; }
    // "certificate refused: expired: ..." with kind auth; REQUIRES: !ok().
    Error error() const;
};

CertVerdict verify_certificate(const Certificate& cert, const TrustStore& trust, const Expectation& want);

}  // namespace baton::certs
