// Stored credentials: the agent's own certificates, the authorities it trusts, installed
// revocation lists, and — when the agent acts as an authority — what it issued and revoked.
// Values are the exact envelope bytes; decoding and every trust decision belong to certs/.
#pragma once

#include <string>
#include <vector>

#include "core/time.h"
#include "storage/db.h"

namespace baton::storage {

struct StoredCertificate {
    std::string deal;
    std::string role;
    int64_t serial = 0;
    Bytes envelope;
};

struct StoredAnchor {
    std::string deal;
    Bytes authority;  // Ed25519 public key
    std::string name;
    Bytes identity;   // the authority's exported identity envelope
};

struct StoredRevocationList {
    std::string deal;
    Bytes issuer_key;
    int64_t number = 0;
    Bytes envelope;
};

struct IssuedCertificate {
    int64_t serial = 0;
    std::string deal;
    std::string role;
    std::string subject_name;
    Bytes subject_key;
    UnixTime not_after = 0;
    bool revoked = false;
};

// Replaces any certificate stored for the same (deal, role).
Status put_own_certificate(Database& db, const StoredCertificate& cert, const Bytes& issuer_key, UnixTime not_after,
                           UnixTime now);
Result<std::vector<StoredCertificate>> own_certificates(Database& db);

// Fails (conflict) when the anchor exists already.
Status add_trust_anchor(Database& db, const StoredAnchor& anchor, UnixTime now);
Result<std::vector<StoredAnchor>> trust_anchors(Database& db);

// Keeps the list only if its number is higher than the stored one for (deal, issuer); fails
// (conflict) otherwise, so an old list cannot un-revoke a certificate.
Status put_revocation_list(Database& db, const StoredRevocationList& crl, UnixTime now);
Result<std::vector<StoredRevocationList>> revocation_lists(Database& db);

// The next unused serial (1, 2, ...).
Result<int64_t> next_serial(Database& db);
Status record_issued(Database& db, const IssuedCertificate& cert, UnixTime now);
Result<std::vector<IssuedCertificate>> issued_certificates(Database& db);
// Marks `serial` of `deal` revoked. Fails (conflict) if this agent never issued it for that deal.
Status mark_revoked(Database& db, std::string_view deal, int64_t serial, UnixTime now);
Result<std::vector<uint64_t>> revoked_serials(Database& db, std::string_view deal);
// Reserves the next revocation list number for `deal` (1, 2, ...).
Result<int64_t> next_revocation_number(Database& db, std::string_view deal);

}  // namespace baton::storage
