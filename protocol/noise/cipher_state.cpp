#include "protocol/noise/cipher_state.h"

#include <algorithm>
#include <array>

namespace baton::noise {

crypto::Nonce12 chachapoly_nonce(uint64_t n) {
    crypto::Nonce12 nonce{};
    for (size_t i = 0; i < 8; ++i) nonce[4 + i] = static_cast<uint8_t>(n >> (8 * i));
    return nonce;
}

CipherState::CipherState(Secret<32> key) : k_(std::move(key)), has_key_(true) {}

CipherState::CipherState(CipherState&& other) noexcept
    : k_(std::move(other.k_)), has_key_(other.has_key_), n_(other.n_) {
    other.has_key_ = true;
    other.n_ = kMaxNonce;
}

CipherState& CipherState::operator=(CipherState&& other) noexcept {
    if (this != &other) {
        k_ = std::move(other.k_);
        has_key_ = other.has_key_;
        n_ = other.n_;
        other.has_key_ = true;
        other.n_ = kMaxNonce;
    }
    return *this;
}

Result<Bytes> CipherState::encrypt_with_ad(ByteView ad, ByteView plaintext) {
    const size_t tag = has_key_ ? kTagSize : 0;
    if (plaintext.size() > kMaxMessage - tag)
        return input_error("Noise message would exceed 65535 bytes");
    if (!has_key_) return Bytes(plaintext.begin(), plaintext.end());
    if (n_ == kMaxNonce) return internal_error("Noise nonce exhausted");
    Bytes out = crypto::chacha20poly1305_encrypt(k_, chachapoly_nonce(n_), ad, plaintext);
    ++n_;
    return out;
}

Result<Bytes> CipherState::decrypt_with_ad(ByteView ad, ByteView ciphertext) {
    if (ciphertext.size() > kMaxMessage) return input_error("Noise message exceeds 65535 bytes");
    if (!has_key_) return Bytes(ciphertext.begin(), ciphertext.end());
    if (n_ == kMaxNonce) return internal_error("Noise nonce exhausted");
    BATON_ASSIGN(Bytes plain, crypto::chacha20poly1305_decrypt(k_, chachapoly_nonce(n_), ad, ciphertext));
    ++n_;
    return plain;
}

Status CipherState::rekey() {
    if (!has_key_) return internal_error("Noise rekey without a key");
    std::array<uint8_t, 32> zeros{};
    Bytes out = crypto::chacha20poly1305_encrypt(k_, chachapoly_nonce(kMaxNonce), {}, zeros);
    std::copy_n(out.begin(), 32, k_.data());
    wipe_bytes(out);
    return ok_status();
}

Status CipherState::advance_nonce_to(uint64_t n) {
    if (n < n_) return internal_error("Noise nonce may only move forward");
    n_ = n;
    return ok_status();
}

}  // namespace baton::noise
