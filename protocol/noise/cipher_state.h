// Noise CipherState (spec rev 34 §5.1) for ChaChaPoly: a key k and a 64-bit nonce counter n.
//
// Contracts:
//  - With no key (before the handshake's first MixKey), encrypt/decrypt pass the bytes through
//    unchanged: that is the spec's rule, and the handshake relies on it.
//  - The nonce only goes up. The value 2^64-1 is reserved (§5.1): once n reaches it every
//    encrypt and decrypt fails with internal "nonce exhausted"; it never wraps. Rekey does not
//    touch n.
//  - A decryption that does not authenticate fails (auth) and leaves n unchanged, as the spec
//    says. Over a stream transport the caller must drop the connection: later messages can no
//    longer line up with the counter.
//  - Every message is bounded by kMaxMessage (65535 bytes, §3) before any work is done:
//    encrypt fails (bad_input) when plaintext + tag would exceed it, decrypt fails (bad_input)
//    when the ciphertext does.
//  - The key lives in a Secret<32>: wiped on destruction, on move and on rekey. Move-only.
#pragma once

#include <cstdint>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/secret.h"
#include "core/status.h"

namespace baton::noise {

// Largest Noise message, handshake or transport (spec §3).
constexpr size_t kMaxMessage = 65535;
// ChaChaPoly tag size.
constexpr size_t kTagSize = crypto::kAeadTagSize;
// The reserved nonce: never used to encrypt a message, only by Rekey.
constexpr uint64_t kMaxNonce = UINT64_MAX;

class CipherState {
public:
    // A CipherState with no key: encrypt/decrypt pass bytes through.
    CipherState() = default;
    // InitializeKey(k) with n = 0.
    explicit CipherState(Secret<32> key);

    // Moving leaves the source failing closed: its key is wiped and its counter exhausted, so a
    // stale copy can neither encrypt nor fall back to the no-key passthrough.
    CipherState(CipherState&& other) noexcept;
    CipherState& operator=(CipherState&& other) noexcept;

    bool has_key() const { return has_key_; }
    uint64_t nonce() const { return n_; }

    // EncryptWithAd. Returns ciphertext || tag (or the plaintext when there is no key) and
    // increments n. Fails: nonce exhausted (internal); output over kMaxMessage (bad_input).
    Result<Bytes> encrypt_with_ad(ByteView ad, ByteView plaintext);

    // DecryptWithAd. Returns the plaintext and increments n. Fails: nonce exhausted (internal);
    // input over kMaxMessage (bad_input); does not authenticate (auth, n unchanged).
    Result<Bytes> decrypt_with_ad(ByteView ad, ByteView ciphertext);

    // Rekey (§4.2, §11.3): k = first 32 bytes of ENCRYPT(k, 2^64-1, "", 32 zero bytes). n is
    // unchanged. Fails (internal) when there is no key.
    Status rekey();

    // Moves the counter forward to `n` (the spec's SetNonce, restricted so that it can never
    // reuse a nonce). For tests that need a counter near the end, and for transports that skip
    // messages. Fails (internal) when n is below the current counter.
    Status advance_nonce_to(uint64_t n);

private:
    Secret<32> k_;
    bool has_key_ = false;
    uint64_t n_ = 0;
};

// The 12-byte ChaChaPoly nonce for counter n: 4 zero bytes, then n little-endian (§12.3).
crypto::Nonce12 chachapoly_nonce(uint64_t n);

}  // namespace baton::noise
