#include "certs/codec.h"

#include <algorithm>

#include "certs/certs.pb.h"

namespace baton::certs {

namespace {

constexpr uint32_t kVersion = 1;
constexpr size_t kMaxRevokedSerials = 100000;

template <typename Message>
bool has_unknown_fields(const Message& m) {
    return !m.GetReflection()->GetUnknownFields(m).empty();
}

template <typename Message>
Bytes serialize(const Message& m) {
    std::string s;
    m.SerializeToString(&s);
    return to_bytes(s);
}

Bytes envelope_of(ByteView body, const crypto::Signature& sig) {
    wire::Envelope env;
    env.set_body(body.data(), body.size());
    env.set_signature(sig.data(), sig.size());
    return serialize(env);
}

// Parses an Envelope and its body of type Body; `what` names the object in errors.
template <typename Body>
Status parse_envelope(ByteView bytes, const char* what, wire::Envelope& env, Body& body) {
    const std::string name(what);
    if (bytes.size() > kMaxEnvelopeBytes) return input_error(name + " is larger than " + std::to_string(kMaxEnvelopeBytes) + " bytes");
    if (!env.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) || has_unknown_fields(env))
        return input_error(name + " is truncated or not a Baton " + name);
    if (env.signature().size() != 64) return input_error(name + " has no valid signature field");
    if (!body.ParseFromString(env.body()) || has_unknown_fields(body))
        return input_error(name + " body is truncated or malformed");
    if (body.version() != kVersion)
        return input_error(name + " has unsupported version " + std::to_string(body.version()));
    return ok_status();
}

Result<crypto::PublicKey> key_field(const std::string& raw, const std::string& what) {
    if (raw.size() != 32) return input_error(what + " must be 32 bytes, got " + std::to_string(raw.size()));
    crypto::PublicKey k;
    std::copy(raw.begin(), raw.end(), k.begin());
    return k;
}

Status check_text(const std::string& value, size_t max, const std::string& what, bool required) {
    if (required && value.empty()) return input_error(what + " is empty");
    if (value.size() > max) return input_error(what + " is longer than " + std::to_string(max) + " bytes");
    for (unsigned char c : value)
        if (c < 0x20 || c == 0x7f) return input_error(what + " contains a control character");
    return ok_status();
}

Result<Role> role_from_wire(int r) {
    switch (r) {
        case wire::ROLE_SELLER: return Role::seller;
        case wire::ROLE_BUYER: return Role::buyer;
        case wire::ROLE_WITNESS: return Role::witness;
        default: return input_error("certificate has an unknown role (" + std::to_string(r) + ")");
    }
}

wire::Role role_to_wire(Role r) {
    switch (r) {
        case Role::seller: return wire::ROLE_SELLER;
        case Role::buyer: return wire::ROLE_BUYER;
        case Role::witness: return wire::ROLE_WITNESS;
    }
    return wire::ROLE_UNSPECIFIED;
}

Status check_request(const CertificateRequest& r) {
    BATON_TRY(check_deal_id(r.deal));
    BATON_TRY(check_jurisdiction(r.jurisdiction));
    if (r.not_after <= r.not_before) return usage_error("certificate validity window is empty (not-after must be later than not-before)");
    return ok_status();
}

}  // namespace

Identity make_identity(const crypto::Ed25519KeyPair& key, std::string name, std::string contact,
                       UnixTime created_at) {
    wire::IdentityBody body;
    body.set_version(kVersion);
    body.set_name(name);
    body.set_contact(contact);
    body.set_public_key(key.public_key.data(), key.public_key.size());
    body.set_created_at(created_at);
    Bytes body_bytes = serialize(body);
    Identity id{std::move(name), std::move(contact), key.public_key, created_at, {}};
    id.envelope = envelope_of(body_bytes, crypto::sign_in_context(key, kIdentityContext, body_bytes));
    return id;
}

Result<Certificate> issue_certificate(const crypto::Ed25519KeyPair& issuer, std::string_view issuer_name,
                                      const CertificateRequest& r) {
    BATON_TRY(check_request(r));
    wire::CertificateBody body;
    body.set_version(kVersion);
    body.set_serial(r.serial);
    body.set_subject_name(r.subject.name);
    body.set_subject_contact(r.subject.contact);
    body.set_subject_key(r.subject.key.data(), r.subject.key.size());
    body.set_role(role_to_wire(r.role));
    body.set_deal(r.deal);
    body.set_jurisdiction(r.jurisdiction);
    body.set_not_before(r.not_before);
    body.set_not_after(r.not_after);
    body.set_issuer_key(issuer.public_key.data(), issuer.public_key.size());
    body.set_issuer_name(std::string(issuer_name));
    Bytes body_bytes = serialize(body);
    auto sig = crypto::sign_in_context(issuer, kCertificateContext, body_bytes);
    return decode_certificate(envelope_of(body_bytes, sig));
}

RevocationList issue_revocation_list(const crypto::Ed25519KeyPair& issuer, std::string_view deal, uint64_t number,
                                     UnixTime issued_at, std::vector<uint64_t> revoked_serials) {
    std::sort(revoked_serials.begin(), revoked_serials.end());
    wire::RevocationListBody body;
    body.set_version(kVersion);
    body.set_deal(std::string(deal));
    body.set_issuer_key(issuer.public_key.data(), issuer.public_key.size());
    body.set_number(number);
    body.set_issued_at(issued_at);
    for (auto s : revoked_serials) body.add_revoked_serials(s);
    Bytes body_bytes = serialize(body);
    RevocationList crl{std::string(deal), issuer.public_key, number, issued_at, std::move(revoked_serials), {}};
    crl.envelope = envelope_of(body_bytes, crypto::sign_in_context(issuer, kRevocationContext, body_bytes));
    return crl;
}

Result<Identity> decode_identity(ByteView bytes) {
    wire::Envelope env;
    wire::IdentityBody body;
    BATON_TRY(parse_envelope(bytes, "identity", env, body));
    BATON_ASSIGN(auto key, key_field(body.public_key(), "identity public key"));
    BATON_TRY(check_text(body.name(), kMaxNameBytes, "identity name", true));
    BATON_TRY(check_text(body.contact(), kMaxContactBytes, "identity contact", false));
    if (!crypto::verify_in_context(key, kIdentityContext, as_bytes(env.body()), as_bytes(env.signature())))
        return auth_error("identity is not signed by its own key (altered or corrupt)");
    return Identity{body.name(), body.contact(), key, body.created_at(), Bytes(bytes.begin(), bytes.end())};
}

Result<Certificate> decode_certificate(ByteView bytes) {
    wire::Envelope env;
    wire::CertificateBody body;
    BATON_TRY(parse_envelope(bytes, "certificate", env, body));
    Certificate c;
    c.serial = body.serial();
    BATON_TRY(check_text(body.subject_name(), kMaxNameBytes, "certificate subject name", true));
    BATON_TRY(check_text(body.subject_contact(), kMaxContactBytes, "certificate subject contact", false));
    BATON_TRY(check_text(body.issuer_name(), kMaxNameBytes, "certificate issuer name", true));
    c.subject_name = body.subject_name();
    c.subject_contact = body.subject_contact();
    c.issuer_name = body.issuer_name();
    BATON_ASSIGN(c.subject_key, key_field(body.subject_key(), "certificate subject key"));
    BATON_ASSIGN(c.issuer_key, key_field(body.issuer_key(), "certificate issuer key"));
    BATON_ASSIGN(c.role, role_from_wire(body.role()));
    auto deal_ok = check_deal_id(body.deal());
    if (!deal_ok) return input_error("certificate deal: " + deal_ok.error().message());
    auto cc_ok = check_jurisdiction(body.jurisdiction());
    if (!cc_ok) return input_error("certificate jurisdiction: " + cc_ok.error().message());
    c.deal = body.deal();
    c.jurisdiction = body.jurisdiction();
    c.not_before = body.not_before();
    c.not_after = body.not_after();
    if (c.not_after <= c.not_before) return input_error("certificate validity window is empty");
    c.body = to_bytes(env.body());
    c.signature = to_bytes(env.signature());
    c.envelope = Bytes(bytes.begin(), bytes.end());
    return c;
}

Result<RevocationList> decode_revocation_list(ByteView bytes) {
    wire::Envelope env;
    wire::RevocationListBody body;
    BATON_TRY(parse_envelope(bytes, "revocation list", env, body));
    RevocationList crl;
    BATON_ASSIGN(crl.issuer_key, key_field(body.issuer_key(), "revocation list issuer key"));
    auto deal_ok = check_deal_id(body.deal());
    if (!deal_ok) return input_error("revocation list deal: " + deal_ok.error().message());
    if (static_cast<size_t>(body.revoked_serials_size()) > kMaxRevokedSerials)
        return input_error("revocation list has more than " + std::to_string(kMaxRevokedSerials) + " serials");
    if (!crypto::verify_in_context(crl.issuer_key, kRevocationContext, as_bytes(env.body()), as_bytes(env.signature())))
        return auth_error("revocation list is not signed by its issuer (altered or corrupt)");
    crl.deal = body.deal();
    crl.number = body.number();
    crl.issued_at = body.issued_at();
    crl.revoked_serials.assign(body.revoked_serials().begin(), body.revoked_serials().end());
    std::sort(crl.revoked_serials.begin(), crl.revoked_serials.end());
    crl.envelope = Bytes(bytes.begin(), bytes.end());
    return crl;
}

}  // namespace baton::certs
