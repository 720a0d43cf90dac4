// Noise HandshakeState (spec rev 34 §5.3) for Noise_*_25519_ChaChaPoly_BLAKE2b, driven by the
// pattern's token lists (protocol/noise/patterns.h). Sans-IO: no sockets, clocks, threads or
// global randomness. The caller asks "what now?" with next_step() and then writes, reads or
// splits.
//
//   auto hs = HandshakeState::create(std::move(config));      // fails on a bad configuration
//   while (!hs->is_complete())
//       if (hs->next_step() == Step::write) send(hs->write_message(payload)) else hs->read_message(recv())
//   auto [send, recv] = hs->split();
//
// Contracts:
//  - Fail closed: ANY failed call (wrong turn, oversized message, truncated message, failed
//    authentication, low-order public key, nonce exhausted, split before the end) leaves the
//    object dead; every later call fails with conflict "handshake failed earlier". Throw it away.
//  - Sizes: a message is at most 65535 bytes (kMaxMessage). write_message fails (bad_input) when
//    the message it would produce is larger; read_message fails (bad_input) on a larger input and
//    on a message shorter than its tokens need.
//  - Remote keys: DH with a low-order or all-zero remote key fails (auth) when that DH token is
//    processed, i.e. possibly on the next write rather than on the read that delivered the key.
//  - Secrets (static and ephemeral private keys, psks, ck, k) live in Secret types and are wiped
//    when the object is destroyed. Earlier still: the private keys and psks once the last message
//    is processed, ck and k at split(), everything on failure.
//  - Not thread-safe; move-only.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/secret.h"
#include "core/status.h"
#include "protocol/noise/cipher_state.h"
#include "protocol/noise/patterns.h"
#include "protocol/noise/symmetric_state.h"

namespace baton::noise {

enum class Role { initiator, responder };

// Supplies a fresh X25519 private key each time an `e` token is written. Production code passes
// `[] { return crypto::random_secret<32>(); }`; tests pass fixed keys.
using EphemeralSource = std::function<Secret<32>()>;

struct HandshakeConfig {
    std::string protocol_name;                      // e.g. "Noise_XX_25519_ChaChaPoly_BLAKE2b"
    Role role = Role::initiator;
    Bytes prologue;
    std::optional<Secret<32>> local_static;         // our X25519 private key, when the pattern uses it
    std::optional<crypto::PublicKey> remote_static; // the peer's key, when a pre-message carries it
    std::vector<Secret<32>> psks;                   // exactly one per psk token, in token order
    EphemeralSource ephemeral;                      // required when this role writes an `e` token
};

// What the caller should do next.
enum class Step { write, read, split, finished, failed };

// The transport keys from split(), oriented for this side. For one-way patterns only the
// initiator's `send` / the responder's `recv` may be used (§7.4); the other direction is keyed
// but must stay unused.
struct TransportCiphers {
    CipherState send;
    CipherState recv;
};

class HandshakeState {
public:
    // Initialize() (§5.3). Fails (bad_input) when the protocol name does not parse, when a key the
    // pattern needs is missing (local static, pre-known remote static, ephemeral source), when a
    // key is given that the pattern does not use (a remote static the peer will send instead is
    // refused rather than silently ignored), or when the psk count differs from the pattern's.
    static Result<HandshakeState> create(HandshakeConfig config);

    // Moving leaves the source dead (its secrets are already wiped by the Secret moves).
    HandshakeState(HandshakeState&&) noexcept = default;
    HandshakeState& operator=(HandshakeState&&) noexcept = default;

    Step next_step() const;
    bool is_complete() const { return next_step() == Step::split; }
    Role role() const { return role_; }
    const HandshakePattern& pattern() const { return pattern_; }

    // WriteMessage: the next handshake message carrying `payload`. Fails (and dies) when it is
    // not our turn, on an oversized result, or when a DH fails.
    Result<Bytes> write_message(ByteView payload);

    // ReadMessage: processes the peer's message and returns its payload. Fails (and dies) when it
    // is not the peer's turn, on a bad size, on failed authentication or a failed DH.
    Result<Bytes> read_message(ByteView message);

    // Split(): the transport ciphers. Once only, after the last message. Fails (and dies) before.
    Result<TransportCiphers> split();

    // h after the last handshake message (for channel binding). Fails (conflict) before then.
    Result<crypto::Digest64> handshake_hash() const;

    // The peer's static public key once known (pre-message or received), else nullopt.
    const std::optional<crypto::PublicKey>& remote_static() const { return rs_; }

private:
    // A flag that is set in the moved-from object, so that a moved-from HandshakeState is dead.
    struct DeadFlag {
        bool dead = false;
        DeadFlag() = default;
        DeadFlag(DeadFlag&& o) noexcept : dead(o.dead) { o.dead = true; }
        DeadFlag& operator=(DeadFlag&& o) noexcept {
            dead = o.dead;
            o.dead = true;
            return *this;
        }
    };

    HandshakeState(HandshakePattern pattern, HandshakeConfig config);
    Status check_keys() const;
    void mix_pre_messages();
    bool our_turn() const;
    Status check_turn(Step wanted) const;
    static std::string step_name(Step s);
    Error die(Error e);
    void wipe_secrets();
    Result<Bytes> write_tokens_and_payload(ByteView payload);
    Status write_token(Token t, Bytes& out);
    Status read_token(Token t, ByteView& in);
    Status mix_psk();
    Status mix_dh(Token t);
    void finish_message();

    HandshakePattern pattern_;
    Role role_;
    SymmetricState symmetric_;
    std::optional<crypto::X25519KeyPair> s_;
    std::optional<crypto::X25519KeyPair> e_;
    std::optional<crypto::PublicKey> rs_;
    std::optional<crypto::PublicKey> re_;
    std::vector<Secret<32>> psks_;
    size_t next_psk_ = 0;
    EphemeralSource ephemeral_;
    size_t message_index_ = 0;
    bool uses_psk_ = false;
    DeadFlag failed_;
    bool split_done_ = false;
};

}  // namespace baton::noise
