// Loading what a session needs from an agent's home: its certificate for a deal, the trust
// store (re-read per session, so a newly installed revocation list applies at once), and the
// SessionConfig with real randomness and the current time.
#pragma once

#include <optional>
#include <string>

#include "agent/home.h"
#include "protocol/session/handshake.h"

namespace baton::agent {

// This agent's credentials for `deal`: its installed certificate (the newest if it holds
// several roles) signed for by `identity`, or nullopt when it holds none.
Result<std::optional<session::Credentials>> credentials_for(Home& home, const crypto::Ed25519KeyPair& identity,
                                                            const std::string& deal);

// A config for one handshake. `trust` must outlive the handshake.
session::SessionConfig session_config(const Secret<32>& noise_static, const certs::TrustStore& trust);

// "Seller Bank (seller, 7QH4-M2XA-...)" for logs and screens.
std::string describe_peer(const certs::Certificate& peer);

}  // namespace baton::agent
