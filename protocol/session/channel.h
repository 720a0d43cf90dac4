// An established session's transport: Noise CipherStates from Split(), one per direction,
// carrying SessionMessages. Both sides rekey (Noise spec §11.3) every kRekeyInterval messages in
// each direction; the counters are in step, so no signal is needed. A message that fails to
// authenticate kills the channel: over TCP nothing after it can line up again.
#pragma once

#include "protocol/noise/handshake_state.h"
#include "protocol/session/codec.h"

namespace baton::session {

// 2^20 messages of at most 64 KiB is 64 GiB per key: far below ChaCha20-Poly1305's limits,
// yet frequent enough that a leaked transport key exposes a bounded window of traffic.
constexpr uint64_t kRekeyInterval = uint64_t{1} << 20;

class SecureChannel {
public:
    explicit SecureChannel(noise::TransportCiphers ciphers) : c_(std::move(ciphers)) {}

    // Encrypts one message into a frame payload. Fails (bad_input) when it would exceed a Noise
    // message, (internal) on nonce exhaustion.
    Result<Bytes> seal(const SessionMessage& m);
    Result<Bytes> seal_bytes(ByteView plaintext);

    // Decrypts and decodes one frame payload. Fails (auth) on a forged or replayed message,
    // (bad_input) on a malformed one; the channel is dead after either.
    Result<SessionMessage> open(ByteView frame);
    Result<Bytes> open_bytes(ByteView frame);

private:
    noise::TransportCiphers c_;
    bool dead_ = false;
};

}  // namespace baton::session
