// Noise SymmetricState (spec rev 34 §5.2) for BLAKE2b: chaining key ck, handshake hash h and a
// CipherState. HASHLEN = 64, so every 64-byte HKDF output used as a cipher key is truncated to
// 32 bytes (§5.2 MixKey, MixKeyAndHash, Split).
//
// Contracts:
//  - ck and every HKDF intermediate are Secret types or wiped before they go out of scope.
//  - encrypt_and_hash / decrypt_and_hash fail exactly as CipherState's encrypt/decrypt do
//    (nonce exhausted, size bound, authentication); on failure h is unchanged.
//  - split() may be called once; afterwards ck is wiped, encrypt/decrypt fail and the object
//    only answers h.
//  - Move-only (holds secrets).
#pragma once

#include <string_view>
#include <utility>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/secret.h"
#include "protocol/noise/cipher_state.h"

namespace baton::noise {

constexpr size_t kHashLen = 64;

// HKDF(chaining_key, ikm, num_outputs) of §4.3 with HMAC-BLAKE2b; outputs are 64 bytes each.
// REQUIRES: num_outputs is 2 or 3 (out3 stays zero when 2).
struct HkdfOutput {
    Secret<64> out1, out2, out3;
};
HkdfOutput hkdf(const Secret<64>& chaining_key, ByteView ikm, int num_outputs);

class SymmetricState {
public:
    // InitializeSymmetric(protocol_name): h = name zero-padded to 64 bytes, or BLAKE2b(name)
    // when longer; ck = h; no cipher key.
    explicit SymmetricState(std::string_view protocol_name);

    SymmetricState(SymmetricState&&) noexcept = default;
    SymmetricState& operator=(SymmetricState&&) noexcept = default;

    void mix_key(ByteView input_key_material);
    void mix_hash(ByteView data);
    void mix_key_and_hash(ByteView input_key_material);

    bool has_key() const { return cipher_.has_key(); }
    const crypto::Digest64& handshake_hash() const { return h_; }

    // EncryptAndHash / DecryptAndHash with h as associated data. Fail as CipherState does.
    Result<Bytes> encrypt_and_hash(ByteView plaintext);
    Result<Bytes> decrypt_and_hash(ByteView ciphertext);

    // Split(): (c1 for initiator->responder, c2 for responder->initiator). Wipes ck.
    std::pair<CipherState, CipherState> split();

private:
    Secret<64> ck_;
    crypto::Digest64 h_{};
    CipherState cipher_;
};

}  // namespace baton::noise
