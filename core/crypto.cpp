#include "core/crypto.h"

#include <sodium.h>

#include <array>
#include <cstdlib>
#include <cstring>

namespace baton::crypto {

namespace {

// Our bug, never a hostile input: abort rather than continue in an unknown state.
[[noreturn]] void crypto_bug(const char* what) {
    std::fprintf(stderr, "baton: internal error in %s\n", what);
    std::abort();
}

Bytes signing_input(std::string_view context, ByteView body) {
    if (context.find('\0') != std::string_view::npos) crypto_bug("sign context");
    static constexpr std::string_view kPrefix = "baton-v1:";
    Bytes msg;
    msg.reserve(kPrefix.size() + context.size() + 1 + body.size());
    append(msg, as_bytes(kPrefix));
    append(msg, as_bytes(context));
    msg.push_back(0);
    append(msg, body);
    return msg;
}

}  // namespace

void random_bytes(std::span<uint8_t> out) { randombytes_buf(out.data(), out.size()); }

// ---- Ed25519 ----------------------------------------------------------------------------------

Ed25519KeyPair ed25519_from_seed(const Secret<32>& seed) {
    Ed25519KeyPair kp;
    kp.seed = seed.clone();
    if (crypto_sign_seed_keypair(kp.public_key.data(), kp.expanded.data(), seed.data()) != 0)
        crypto_bug("crypto_sign_seed_keypair");
    return kp;
}

Ed25519KeyPair ed25519_generate() { return ed25519_from_seed(random_secret<32>()); }

Signature ed25519_sign(const Ed25519KeyPair& key, ByteView message) {
    Signature sig;
    if (crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), key.expanded.data()) != 0)
        crypto_bug("crypto_sign_detached");
    return sig;
}

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
namespace {

// Fuzzing builds only: a fuzzer feeds the same signed statements again and again (a mutated
// evidence file keeps most of its ~60 signatures), and Ed25519 verification is then most of the
// time spent. This remembers recent verdicts, keyed by a BLAKE2b-256 hash of (key, signature,
// message); a verdict is a pure function of those bytes, so the answers do not change. One thread
// only, as libFuzzer runs targets.
bool remembered_verify(ByteView public_key, ByteView message, ByteView signature) {
    struct Entry {
        std::array<uint8_t, 32> key{};
        bool used = false;
        bool verdict = false;
    };
    static std::array<Entry, 4096> cache;
    std::array<uint8_t, 32> key;
    crypto_generichash_state state;
    crypto_generichash_init(&state, nullptr, 0, key.size());
    crypto_generichash_update(&state, public_key.data(), public_key.size());
    crypto_generichash_update(&state, signature.data(), signature.size());
    crypto_generichash_update(&state, message.data(), message.size());
    crypto_generichash_final(&state, key.data(), key.size());
    Entry& slot = cache[(size_t{key[0]} << 4 | key[1] >> 4) % cache.size()];
    if (slot.used && slot.key == key) return slot.verdict;
    slot = Entry{key, true,
                 crypto_sign_verify_detached(signature.data(), message.data(), message.size(), public_key.data()) == 0};
    return slot.verdict;
}

}  // namespace
#endif

bool ed25519_verify(ByteView public_key, ByteView message, ByteView signature) {
    if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) return false;
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    return remembered_verify(public_key, message, signature);
#else
    return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), public_key.data()) == 0;
#endif
}

Signature sign_in_context(const Ed25519KeyPair& key, std::string_view context, ByteView body) {
    return ed25519_sign(key, signing_input(context, body));
}

bool verify_in_context(ByteView public_key, std::string_view context, ByteView body, ByteView signature) {
    return ed25519_verify(public_key, signing_input(context, body), signature);
}

// ---- X25519 -----------------------------------------------------------------------------------

X25519KeyPair x25519_from_private(const Secret<32>& private_key) {
    X25519KeyPair kp;
    kp.private_key = private_key.clone();
    if (crypto_scalarmult_base(kp.public_key.data(), private_key.data()) != 0) crypto_bug("crypto_scalarmult_base");
    return kp;
}

X25519KeyPair x25519_generate() { return x25519_from_private(random_secret<32>()); }

Result<Secret<32>> x25519(const Secret<32>& private_key, ByteView peer_public) {
    if (peer_public.size() != crypto_scalarmult_BYTES)
        return auth_error("X25519 public key must be 32 bytes, got " + std::to_string(peer_public.size()));
    Secret<32> shared;
    if (crypto_scalarmult(shared.data(), private_key.data(), peer_public.data()) != 0)
        return auth_error("X25519 public key is of low order");
    return shared;
}

// ---- sealed boxes to an identity ----------------------------------------------------------------

Result<Bytes> seal_to_identity(ByteView ed25519_public_key, ByteView plaintext) {
    static_assert(kSealOverhead == crypto_box_SEALBYTES);
    if (ed25519_public_key.size() != crypto_sign_PUBLICKEYBYTES)
        return auth_error("identity key must be 32 bytes, got " + std::to_string(ed25519_public_key.size()));
    PublicKey x25519_public;
    if (crypto_sign_ed25519_pk_to_curve25519(x25519_public.data(), ed25519_public_key.data()) != 0)
        return auth_error("identity key does not convert to an X25519 key");
    Bytes out(plaintext.size() + crypto_box_SEALBYTES);
    if (crypto_box_seal(out.data(), plaintext.data(), plaintext.size(), x25519_public.data()) != 0)
        return auth_error("identity key is of low order");
    return out;
}

Result<SecretBytes> open_sealed_for_identity(const Ed25519KeyPair& me, ByteView sealed) {
    if (sealed.size() < crypto_box_SEALBYTES) return auth_error("sealed box shorter than its overhead");
    Secret<32> x25519_secret;
    PublicKey x25519_public;
    if (crypto_sign_ed25519_sk_to_curve25519(x25519_secret.data(), me.expanded.data()) != 0 ||
        crypto_sign_ed25519_pk_to_curve25519(x25519_public.data(), me.public_key.data()) != 0)
        return auth_error("own identity key does not convert to an X25519 key");
    SecretBytes out(sealed.size() - crypto_box_SEALBYTES);
    if (crypto_box_seal_open(out.data(), sealed.data(), sealed.size(), x25519_public.data(),
                             x25519_secret.data()) != 0)
        return auth_error("sealed box does not open with this identity (another recipient, or altered)");
    return out;
}

// ---- AEAD -------------------------------------------------------------------------------------

Bytes chacha20poly1305_encrypt(const Key32& key, const Nonce12& nonce, ByteView ad, ByteView plaintext) {
    Bytes out(plaintext.size() + kAeadTagSize);
    unsigned long long len = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt(out.data(), &len, plaintext.data(), plaintext.size(), ad.data(),
                                              ad.size(), nullptr, nonce.data(), key.data());
    return out;
}

Result<Bytes> chacha20poly1305_decrypt(const Key32& key, const Nonce12& nonce, ByteView ad, ByteView ciphertext) {
    if (ciphertext.size() < kAeadTagSize) return auth_error("ciphertext shorter than its tag");
    Bytes out(ciphertext.size() - kAeadTagSize);
    unsigned long long len = 0;
    if (crypto_aead_chacha20poly1305_ietf_decrypt(out.data(), &len, nullptr, ciphertext.data(), ciphertext.size(),
                                                  ad.data(), ad.size(), nonce.data(), key.data()) != 0)
        return auth_error("ciphertext does not authenticate");
    return out;
}

Bytes xchacha20poly1305_encrypt(const Key32& key, const Nonce24& nonce, ByteView ad, ByteView plaintext) {
    Bytes out(plaintext.size() + kAeadTagSize);
    unsigned long long len = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out.data(), &len, plaintext.data(), plaintext.size(), ad.data(),
                                               ad.size(), nullptr, nonce.data(), key.data());
    return out;
}

Result<Bytes> xchacha20poly1305_decrypt(const Key32& key, const Nonce24& nonce, ByteView ad, ByteView ciphertext) {
    if (ciphertext.size() < kAeadTagSize) return auth_error("ciphertext shorter than its tag");
    Bytes out(ciphertext.size() - kAeadTagSize);
    unsigned long long len = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(out.data(), &len, nullptr, ciphertext.data(), ciphertext.size(),
                                                   ad.data(), ad.size(), nonce.data(), key.data()) != 0)
        return auth_error("ciphertext does not authenticate");
    return out;
}

Result<SecretBytes> xchacha20poly1305_decrypt_secret(const Key32& key, const Nonce24& nonce, ByteView ad,
                                                     ByteView ciphertext) {
    if (ciphertext.size() < kAeadTagSize) return auth_error("ciphertext shorter than its tag");
    SecretBytes out(ciphertext.size() - kAeadTagSize);
    unsigned long long len = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(out.data(), &len, nullptr, ciphertext.data(), ciphertext.size(),
                                                   ad.data(), ad.size(), nonce.data(), key.data()) != 0)
        return auth_error("ciphertext does not authenticate");
    return out;
}

// ---- hashes -----------------------------------------------------------------------------------

Digest32 sha256(ByteView data) {
    Digest32 d;
    crypto_hash_sha256(d.data(), data.data(), data.size());
    return d;
}

Sha256::Sha256() { crypto_hash_sha256_init(&state_); }
void Sha256::update(ByteView data) { crypto_hash_sha256_update(&state_, data.data(), data.size()); }
Digest32 Sha256::finish() {
    Digest32 d;
    crypto_hash_sha256_final(&state_, d.data());
    return d;
}

Bytes blake2b(ByteView data, size_t out_len, ByteView key) {
    Blake2b h(out_len, key);
    h.update(data);
    return h.finish();
}

Digest32 blake2b_256(ByteView data) {
    Digest32 d;
    crypto_generichash(d.data(), d.size(), data.data(), data.size(), nullptr, 0);
    return d;
}

Blake2b::Blake2b(size_t out_len, ByteView key) : out_len_(out_len) {
    if (out_len < crypto_generichash_BYTES_MIN || out_len > crypto_generichash_BYTES_MAX ||
        key.size() > crypto_generichash_KEYBYTES_MAX)
        crypto_bug("blake2b sizes");
    crypto_generichash_init(&state_, key.empty() ? nullptr : key.data(), key.size(), out_len);
}
void Blake2b::update(ByteView data) { crypto_generichash_update(&state_, data.data(), data.size()); }
Bytes Blake2b::finish() {
    Bytes out(out_len_);
    crypto_generichash_final(&state_, out.data(), out.size());
    return out;
}

Digest64 hmac_blake2b(ByteView key, ByteView data) {
    constexpr size_t kBlock = 128;
    std::array<uint8_t, kBlock> k{};
    if (key.size() > kBlock) {
        crypto_generichash(k.data(), 64, key.data(), key.size(), nullptr, 0);
    } else if (!key.empty()) {  // memcpy from an empty span's null pointer is undefined
        std::memcpy(k.data(), key.data(), key.size());
    }
    std::array<uint8_t, kBlock> pad;
    for (size_t i = 0; i < kBlock; ++i) pad[i] = k[i] ^ 0x36;
    Digest64 inner;
    crypto_generichash_state st;
    crypto_generichash_init(&st, nullptr, 0, 64);
    crypto_generichash_update(&st, pad.data(), pad.size());
    crypto_generichash_update(&st, data.data(), data.size());
    crypto_generichash_final(&st, inner.data(), inner.size());
    for (size_t i = 0; i < kBlock; ++i) pad[i] = k[i] ^ 0x5c;
    Digest64 out;
    crypto_generichash_init(&st, nullptr, 0, 64);
    crypto_generichash_update(&st, pad.data(), pad.size());
    crypto_generichash_update(&st, inner.data(), inner.size());
    crypto_generichash_final(&st, out.data(), out.size());
    sodium_memzero(k.data(), k.size());
    sodium_memzero(pad.data(), pad.size());
    sodium_memzero(inner.data(), inner.size());
    sodium_memzero(&st, sizeof st);
    return out;
}

// ---- password hashing -------------------------------------------------------------------------

ArgonCost argon_default_cost() {
    return ArgonCost{crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE};
}

Result<Key32> argon2id(ByteView passphrase, std::span<const uint8_t, kArgonSaltSize> salt, ArgonCost cost) {
    static_assert(kArgonSaltSize == crypto_pwhash_SALTBYTES);
    // The cost comes from a file; bound it to libsodium's "sensitive" level so a planted key
    // file cannot make an unlock take minutes or all of memory.
    if (cost.ops < crypto_pwhash_OPSLIMIT_MIN || cost.ops > crypto_pwhash_OPSLIMIT_SENSITIVE ||
        cost.mem_bytes < crypto_pwhash_MEMLIMIT_MIN || cost.mem_bytes > crypto_pwhash_MEMLIMIT_SENSITIVE)
        return input_error("Argon2id cost out of range");
    Key32 key;
    if (crypto_pwhash(key.data(), key.size(), reinterpret_cast<const char*>(passphrase.data()), passphrase.size(),
                      salt.data(), cost.ops, cost.mem_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return io_error("Argon2id failed: not enough memory");
    return key;
}

}  // namespace baton::crypto
