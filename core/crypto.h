// Thin wrappers over libsodium: the only place in Baton that calls a cryptographic primitive.
//
// Contracts shared by every function here:
//  - sodium must be initialised first (core/harden.h: harden_process(), or sodium_init()).
//  - private keys and derived secrets come back as Secret<N> (wiped, unprintable).
//  - a check that fails (signature, MAC, low-order point) is an Error of kind auth or a false
//    return; never an abort. Sizes from outside are checked before libsodium sees them.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/bytes.h"
#include "core/secret.h"
#include "core/status.h"

namespace baton::crypto {

using PublicKey = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;
using Digest32 = std::array<uint8_t, 32>;
using Digest64 = std::array<uint8_t, 64>;
using Key32 = Secret<32>;

// ---- randomness ---------------------------------------------------------------------------
void random_bytes(std::span<uint8_t> out);
template <size_t N>
Secret<N> random_secret() {
    Secret<N> s;
    random_bytes(s.mut_view());
    return s;
}

// ---- Ed25519 --------------------------------------------------------------------------------
struct Ed25519KeyPair {
    Secret<32> seed;        // the RFC 8032 private key
    Secret<64> expanded;    // libsodium's secret key: seed || public key
    PublicKey public_key;
};

Ed25519KeyPair ed25519_generate();
Ed25519KeyPair ed25519_from_seed(const Secret<32>& seed);
Signature ed25519_sign(const Ed25519KeyPair& key, ByteView message);
// True only for a canonical 64-byte signature by `public_key` over `message` (no trailing bytes).
bool ed25519_verify(ByteView public_key, ByteView message, ByteView signature);

// Signatures with domain separation. Every signature Baton makes covers exactly
//   "baton-v1:" || context || 0x00 || body
// where context names what is signed ("certificate", "revocation-list", ...). A signature made
// for one context can therefore never be replayed as another. REQUIRES: context has no NUL.
Signature sign_in_context(const Ed25519KeyPair& key, std::string_view context, ByteView body);
bool verify_in_context(ByteView public_key, std::string_view context, ByteView body, ByteView signature);

// ---- X25519 ---------------------------------------------------------------------------------
struct X25519KeyPair {
    Secret<32> private_key;
    PublicKey public_key;
};

X25519KeyPair x25519_generate();
X25519KeyPair x25519_from_private(const Secret<32>& private_key);
// The shared secret of `private_key` and the peer's 32-byte public key. Fails (auth) when the
// peer key has the wrong size or is of low order (an all-zero result), as RFC 7748 §6.1 allows.
Result<Secret<32>> x25519(const Secret<32>& private_key, ByteView peer_public);

// ---- sealed boxes to an identity --------------------------------------------------------------
// libsodium's crypto_box_seal (ephemeral X25519 + XSalsa20-Poly1305, 48 bytes of overhead) to the
// X25519 key converted from a party's Ed25519 identity key, so a secret can be sent to a party
// knowing only its certified key. Used for the content key of a handover stage.
constexpr size_t kSealOverhead = 48;  // crypto_box_SEALBYTES

// Fails (auth) when `ed25519_public_key` is not 32 bytes or does not convert (not a valid point,
// or of small order).
Result<Bytes> seal_to_identity(ByteView ed25519_public_key, ByteView plaintext);
// Opens a box sealed to `me`'s identity; the plaintext lands in wiped memory, and so does the
// converted X25519 secret. Fails (auth) when the box is shorter than its overhead, was sealed to
// another key or was altered.
Result<SecretBytes> open_sealed_for_identity(const Ed25519KeyPair& me, ByteView sealed);

// ---- AEAD -----------------------------------------------------------------------------------
constexpr size_t kAeadTagSize = 16;
using Nonce12 = std::array<uint8_t, 12>;
using Nonce24 = std::array<uint8_t, 24>;

// ChaCha20-Poly1305 as RFC 8439 (libsodium "ietf"): returns ciphertext || 16-byte tag.
Bytes chacha20poly1305_encrypt(const Key32& key, const Nonce12& nonce, ByteView ad, ByteView plaintext);
// Fails (auth) when the input is shorter than a tag or does not authenticate.
Result<Bytes> chacha20poly1305_decrypt(const Key32& key, const Nonce12& nonce, ByteView ad, ByteView ciphertext);

// XChaCha20-Poly1305 (24-byte nonce, safe to pick at random): for data at rest.
Bytes xchacha20poly1305_encrypt(const Key32& key, const Nonce24& nonce, ByteView ad, ByteView plaintext);
Result<Bytes> xchacha20poly1305_decrypt(const Key32& key, const Nonce24& nonce, ByteView ad, ByteView ciphertext);
// Same, for secrets: the plaintext lands in wiped memory.
Result<SecretBytes> xchacha20poly1305_decrypt_secret(const Key32& key, const Nonce24& nonce, ByteView ad,
                                                     ByteView ciphertext);

// ---- hashes ---------------------------------------------------------------------------------
Digest32 sha256(ByteView data);

class Sha256 {
public:
    Sha256();
    void update(ByteView data);
    Digest32 finish();
private:
    crypto_hash_sha256_state state_;
};

// BLAKE2b with an output of 1..64 bytes and an optional key of up to 64 bytes (BLAKE2's own
// keyed mode). REQUIRES: sizes in range (checked; violating them is our bug and aborts).
Bytes blake2b(ByteView data, size_t out_len = 64, ByteView key = {});
Digest32 blake2b_256(ByteView data);

class Blake2b {
public:
    explicit Blake2b(size_t out_len = 64, ByteView key = {});
    void update(ByteView data);
    Bytes finish();
private:
    crypto_generichash_state state_;
    size_t out_len_;
};

// HMAC-BLAKE2b-512 exactly as RFC 2104 with a 128-byte block, as the Noise specification's HKDF
// requires (this is not BLAKE2's keyed mode).
Digest64 hmac_blake2b(ByteView key, ByteView data);

// ---- password hashing -----------------------------------------------------------------------
constexpr size_t kArgonSaltSize = 16;
struct ArgonCost {
    uint64_t ops;
    size_t mem_bytes;
};
// libsodium's "moderate" interactive cost: a few hundred ms and 256 MiB.
ArgonCost argon_default_cost();
// Derives a 32-byte key from `passphrase` with Argon2id. Fails: bad_input when the cost is out
// of range (a corrupt key file), io when the memory cannot be allocated.
Result<Key32> argon2id(ByteView passphrase, std::span<const uint8_t, kArgonSaltSize> salt, ArgonCost cost);

}  // namespace baton::crypto
