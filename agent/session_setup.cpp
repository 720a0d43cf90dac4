#include "agent/session_setup.h"

#include "certs/codec.h"
#include "certs/fingerprint.h"
#include "storage/credentials.h"

namespace baton::agent {

Result<std::optional<session::Credentials>> credentials_for(Home& home, const crypto::Ed25519KeyPair& identity,
                                                            const std::string& deal) {
    BATON_ASSIGN(auto stored, storage::own_certificates(home.db()));
    std::optional<session::Credentials> found;
    for (const auto& s : stored) {
        if (s.deal != deal) continue;
        auto cert = certs::decode_certificate(s.envelope);
        if (!cert) return verify_error("stored certificate for deal " + deal + " is corrupt: " + cert.error().message());
        if (!found || cert->not_before > found->certificate.not_before)
            found = session::Credentials{&identity, std::move(cert).value()};
    }
    return found;
}

session::SessionConfig session_config(const Secret<32>& noise_static, const certs::TrustStore& trust) {
    session::SessionConfig c;
    c.noise_static = noise_static.clone();
    c.ephemeral = [] { return crypto::random_secret<32>(); };
    c.trust = &trust;
    c.now = now_unix();
    return c;
}

std::string describe_peer(const certs::Certificate& peer) {
    return peer.subject_name + " (" + certs::role_name(peer.role) + ", " + certs::fingerprint(peer.subject_key) + ")";
}

}  // namespace baton::agent
