// Building and parsing signed identities, certificates and revocation lists. This and
// keyfile.cpp are the only files that see the generated protobuf types; everything else works
// with the validated structs of certs/types.h.
//
// Parsing checks structure and bounds (version, key sizes, name lengths, deal id, role, window,
// no unknown fields). Whether a certificate is acceptable, including its signature, is decided by
// certs/verifier.h alone. Identities and revocation lists are self-consistent objects, so their
// decoders also check the signature under the key they name.
#pragma once

#include <vector>

#include "certs/types.h"

namespace baton::certs {

Identity make_identity(const crypto::Ed25519KeyPair& key, std::string name, std::string contact,
                       UnixTime created_at);

struct CertificateRequest {
    uint64_t serial = 0;
    Identity subject;
    Role role = Role::seller;
    std::string deal;
    std::string jurisdiction = "CN";
    UnixTime not_before = 0;
    UnixTime not_after = 0;
};

// Signs a certificate with the authority's key. Fails (usage) if a field is out of bounds:
// deal id, jurisdiction, an empty or inverted validity window.
Result<Certificate> issue_certificate(const crypto::Ed25519KeyPair& issuer, std::string_view issuer_name,
                                      const CertificateRequest& request);

RevocationList issue_revocation_list(const crypto::Ed25519KeyPair& issuer, std::string_view deal, uint64_t number,
                                     UnixTime issued_at, std::vector<uint64_t> revoked_serials);

// Each fails (bad_input) with a message naming what is wrong; the identity and revocation-list
// decoders fail (auth) on a bad signature.
Result<Identity> decode_identity(ByteView envelope);
Result<Certificate> decode_certificate(ByteView envelope);
Result<RevocationList> decode_revocation_list(ByteView envelope);

// Signing contexts (see crypto::sign_in_context).
inline constexpr std::string_view kIdentityContext = "identity";
inline constexpr std::string_view kCertificateContext = "certificate";
inline constexpr std::string_view kRevocationContext = "revocation-list";

}  // namespace baton::certs
