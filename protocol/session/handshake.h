// Baton's session handshake: Noise_XX_25519_ChaChaPoly_BLAKE2b bound to deal certificates.
// Sans-IO: frames in, frames and a verdict out; time, keys and randomness are given.
//
//   initiator                                   responder
//   Hello{version, deal}  (clear)        ──►    looks up its certificate for the deal
//   XX msg 1: e                          ──►
//                                        ◄──    XX msg 2: e, ee, s, es + {certificate, sig}
//   checks the responder
//   XX msg 3: s, se + {certificate, sig}  ──►   (or + {refusal} when it refuses)
//                                        ◄──    Welcome, or Refusal{code, detail} (encrypted)
//
// The prologue is "baton-v1 prologue" || 0x00 || the Hello bytes, so the deal and version are
// authenticated by the handshake. `sig` is the party's identity signature (context
// "noise-static") over deal || 0x00 || its Noise static public key, binding the channel to the
// certified identity. Each side checks the other with certs::verify_certificate for the deal at
// `now`, then role compatibility (seller↔buyer, either↔witness), then the signature.
//
// Refusal codes: the certificate verifier's (wrong_deal, unknown_authority, bad_signature,
// revoked, not_yet_valid, expired), plus malformed_certificate, wrong_role (incompatible roles),
// wrong_static_key (the certificate's identity did not sign this Noise key) and
// no_certificate_for_deal (the responder is not part of the deal).
//
// Fail closed: any error (bad frame, failed decryption, wrong order) returns an Error and the
// object is dead; a refusal is a normal outcome reported in the HandshakeStep.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "certs/verifier.h"
#include "protocol/noise/handshake_state.h"
#include "protocol/session/channel.h"
#include "protocol/session/codec.h"

namespace baton::session {

inline constexpr const char* kNoiseProtocol = "Noise_XX_25519_ChaChaPoly_BLAKE2b";
inline constexpr std::string_view kStaticKeyContext = "noise-static";

// What a party proves itself with for one deal.
struct Credentials {
    const crypto::Ed25519KeyPair* identity = nullptr;  // signs the Noise static key; not owned
    certs::Certificate certificate;                    // our certificate for the deal
};

struct SessionConfig {
    Secret<32> noise_static;          // this agent's X25519 static private key
    noise::EphemeralSource ephemeral; // fresh X25519 private keys
    const certs::TrustStore* trust = nullptr;  // not owned; outlives the handshake
    UnixTime now = 0;
};

enum class HandshakeStatus { in_progress, established, refused };

struct HandshakeStep {
    std::vector<Bytes> frames;  // frame payloads to send, in order (before closing, if refused)
    HandshakeStatus status = HandshakeStatus::in_progress;
    std::optional<Refusal> refusal;
    bool refused_by_peer = false;  // the refusal came from the peer, not from our checks
};

class BatonHandshake {
public:
    using CredentialLookup = std::function<std::optional<Credentials>(const std::string& deal)>;

    static BatonHandshake initiator(std::string deal, Credentials local, SessionConfig config);
    static BatonHandshake responder(CredentialLookup lookup, SessionConfig config);

    BatonHandshake(BatonHandshake&&) noexcept;
    BatonHandshake& operator=(BatonHandshake&&) noexcept;
    ~BatonHandshake();

    // Initiator: the Hello and message 1. Fails for a responder or when called twice.
    Result<HandshakeStep> start();
    // Feeds one received frame payload.
    Result<HandshakeStep> on_frame(ByteView frame);

    // After established: the verified peer certificate and the transport.
    const certs::Certificate& peer() const;
    const std::string& deal() const;
    // REQUIRES: status established; once.
    Result<SecureChannel> take_channel();

private:
    struct State;
    explicit BatonHandshake(std::unique_ptr<State> s);
    std::unique_ptr<State> s_;
};

}  // namespace baton::session
