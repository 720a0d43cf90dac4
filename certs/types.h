// The validated in-memory forms of Baton's identities, certificates and revocation lists.
// Produced only by certs/codec.h from bytes whose structure has been checked; every bound is
// enforced there. Each keeps the exact envelope bytes it was decoded from, for storage and
// for evidence files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/time.h"

namespace baton::certs {

enum class Role { seller, buyer, witness };

const char* role_name(Role r);
// Parses "seller" | "buyer" | "witness"; fails (usage) naming the accepted values.
Result<Role> parse_role(std::string_view text);
// Sessions pair a seller with a buyer, or either of them with a witness.
bool roles_compatible(Role a, Role b);

// Deal ids: 1..64 characters of [A-Za-z0-9._-], such as "D-2026-001".
Status check_deal_id(std::string_view deal);
// Jurisdictions: ISO 3166-1 alpha-2, two uppercase letters.
Status check_jurisdiction(std::string_view cc);

constexpr size_t kMaxNameBytes = 256;
constexpr size_t kMaxContactBytes = 512;
// An armored file never needs more than this; larger input is refused before it is decoded.
constexpr size_t kMaxEnvelopeBytes = 16 * 1024;

struct Identity {
    std::string name;
    std::string contact;
    crypto::PublicKey key{};
    UnixTime created_at = 0;
    Bytes envelope;  // exact signed bytes, as exported
};

struct Certificate {
    uint64_t serial = 0;
    std::string subject_name;
    std::string subject_contact;
    crypto::PublicKey subject_key{};
    Role role = Role::seller;
    std::string deal;
    std::string jurisdiction;
    UnixTime not_before = 0;  // inclusive
    UnixTime not_after = 0;   // exclusive
    crypto::PublicKey issuer_key{};
    std::string issuer_name;
    Bytes body;                       // the exact signed body bytes
    Bytes signature;                  // as found; checked by the verifier, not the parser
    Bytes envelope;
};

struct RevocationList {
    std::string deal;
    crypto::PublicKey issuer_key{};
    uint64_t number = 0;
    UnixTime issued_at = 0;
    std::vector<uint64_t> revoked_serials;
    Bytes envelope;

    bool revokes(uint64_t serial) const;
};

}  // namespace baton::certs
