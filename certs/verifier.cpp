#include "certs/verifier.h"

#include "certs/codec.h"
#include "certs/fingerprint.h"

namespace baton::certs {

const char* check_name(CertCheck c) {
    switch (c) {
        case CertCheck::accepted: return "accepted";
        case CertCheck::wrong_deal: return "wrong_deal";
        case CertCheck::unknown_authority: return "unknown_authority";
        case CertCheck::bad_signature: return "bad_signature";
        case CertCheck::revoked: return "revoked";
        case CertCheck::not_yet_valid: return "not_yet_valid";
        case CertCheck::expired: return "expired";
        case CertCheck::wrong_role: return "wrong_role";
        case CertCheck::wrong_subject: return "wrong_subject";
    }
    return "?";
}

bool TrustStore::trusts(std::string_view deal, const crypto::PublicKey& authority) const {
    for (const auto& a : anchors)
        if (a.deal == deal && a.authority == authority) return true;
    return false;
}

Error CertVerdict::error() const {
    return auth_error(std::string("certificate refused: ") + check_name(check) + ": " + detail);
}

namespace {

CertVerdict refuse(CertCheck c, std::string detail) { return CertVerdict{c, std::move(detail)}; }

const RevocationList* revoking_list(const TrustStore& trust, const Certificate& cert) {
    for (const auto& crl : trust.crls)
        if (crl.deal == cert.deal && crl.issuer_key == cert.issuer_key && crl.revokes(cert.serial)) return &crl;
    return nullptr;
}

}  // namespace

CertVerdict verify_certificate(const Certificate& cert, const TrustStore& trust, const Expectation& want) {
    const std::string who = "serial " + std::to_string(cert.serial) + " for " + cert.subject_name;
    if (cert.deal != want.deal)
        return refuse(CertCheck::wrong_deal, who + " is for deal " + cert.deal + ", not " + want.deal);
    if (!trust.trusts(want.deal, cert.issuer_key))
        return refuse(CertCheck::unknown_authority, who + " was issued by " + cert.issuer_name + " (" +
                                                        fingerprint(cert.issuer_key) + "), not trusted for deal " +
                                                        want.deal);
    if (!crypto::verify_in_context(cert.issuer_key, kCertificateContext, cert.body, cert.signature))
        return refuse(CertCheck::bad_signature, who + ": signature does not match the body (altered or forged)");
    if (const auto* crl = revoking_list(trust, cert))
        return refuse(CertCheck::revoked, who + " is revoked by revocation list " + std::to_string(crl->number) +
                                              " of " + format_time(crl->issued_at));
    if (want.now < cert.not_before)
        return refuse(CertCheck::not_yet_valid, who + " is valid only from " + format_time(cert.not_before));
    if (want.now >= cert.not_after)
        return refuse(CertCheck::expired, who + " expired at " + format_time(cert.not_after));
    if (want.role && cert.role != *want.role)
        return refuse(CertCheck::wrong_role, who + " certifies a " + role_name(cert.role) + ", not a " +
                                                 role_name(*want.role));
    if (want.subject_key && cert.subject_key != *want.subject_key)
        return refuse(CertCheck::wrong_subject, who + " certifies key " + fingerprint(cert.subject_key) +
                                                    ", not the peer's key " + fingerprint(*want.subject_key));
    return CertVerdict{};
}

}  // namespace baton::certs
