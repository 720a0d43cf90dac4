// core/crypto.h: the libsodium wrappers' contracts (known-answer vectors live in tests/vectors).
#include <catch2/catch.hpp>

#include <array>
#include <string>

#include "core/crypto.h"

using namespace baton;
using namespace baton::crypto;

namespace {

Bytes hex(std::string_view h) { return *from_hex(h); }

template <size_t N>
Secret<N> secret_from_hex(std::string_view h) {
    const Bytes b = hex(h);
    REQUIRE(b.size() == N);
    return Secret<N>(std::span<const uint8_t, N>(b.data(), N));
}

Bytes concat(ByteView a, ByteView b) {
    Bytes out(a.begin(), a.end());
    append(out, b);
    return out;
}

// RFC 2104 HMAC with BLAKE2b-512 computed step by step from unkeyed BLAKE2b.
Bytes manual_hmac_blake2b(ByteView key, ByteView data) {
    Bytes k = key.size() > 128 ? blake2b(key, 64) : Bytes(key.begin(), key.end());
    k.resize(128, 0);
    Bytes ipad(128), opad(128);
    for (size_t i = 0; i < 128; ++i) {
        ipad[i] = k[i] ^ 0x36;
        opad[i] = k[i] ^ 0x5c;
    }
    const Bytes inner = blake2b(concat(ipad, data), 64);
    return blake2b(concat(opad, inner), 64);
}

}  // namespace

TEST_CASE("a signature made in one context does not verify in another", "[crypto][ed25519]") {
    const auto key = ed25519_generate();
    const Bytes body = to_bytes("manifest body");
    const Signature sig = sign_in_context(key, "manifest", body);
    CHECK(verify_in_context(key.public_key, "manifest", body, sig));
    CHECK_FALSE(verify_in_context(key.public_key, "receipt", body, sig));
    CHECK_FALSE(verify_in_context(key.public_key, "manifes", body, sig));
    CHECK_FALSE(verify_in_context(key.public_key, "manifest2", body, sig));
    // The context is bound, not just prepended: it is not a plain signature over the body.
    CHECK_FALSE(ed25519_verify(key.public_key, body, sig));
    // Moving bytes between context and body does not help either (the 0x00 separates them).
    CHECK_FALSE(verify_in_context(key.public_key, "manifest body", {}, sig));
}

TEST_CASE("a context signature is rejected for another body, another key or a flipped bit", "[crypto][ed25519]") {
    const auto key = ed25519_generate();
    const auto other = ed25519_generate();
    const Bytes body = to_bytes("certificate bytes");
    Signature sig = sign_in_context(key, "certificate", body);
    CHECK_FALSE(verify_in_context(key.public_key, "certificate", to_bytes("certificate byteS"), sig));
    CHECK_FALSE(verify_in_context(other.public_key, "certificate", body, sig));
    for (size_t i = 0; i < sig.size(); ++i) {
        Signature bad = sig;
        bad[i] ^= 0x01;
        CHECK_FALSE(verify_in_context(key.public_key, "certificate", body, bad));
    }
}

TEST_CASE("a signature with trailing garbage or truncated is rejected", "[crypto][ed25519]") {
    const auto key = ed25519_generate();
    const Bytes body = to_bytes("revocation list");
    const Signature sig = sign_in_context(key, "revocation-list", body);
    Bytes longer(sig.begin(), sig.end());
    longer.push_back(0x00);
    CHECK_FALSE(verify_in_context(key.public_key, "revocation-list", body, longer));
    const Bytes shorter(sig.begin(), sig.end() - 1);
    CHECK_FALSE(verify_in_context(key.public_key, "revocation-list", body, shorter));
    CHECK_FALSE(verify_in_context(key.public_key, "revocation-list", body, {}));
    const Bytes short_key(key.public_key.begin(), key.public_key.end() - 1);
    CHECK_FALSE(verify_in_context(short_key, "revocation-list", body, sig));
}

TEST_CASE("a key pair rebuilt from its seed signs identically", "[crypto][ed25519]") {
    const auto key = ed25519_generate();
    const auto again = ed25519_from_seed(key.seed);
    CHECK(again.public_key == key.public_key);
    CHECK(again.expanded.equals(key.expanded));
    CHECK(ed25519_sign(again, to_bytes("m")) == ed25519_sign(key, to_bytes("m")));
}

TEST_CASE("AEAD decryption rejects any flipped bit, other AD, other nonce, other key", "[crypto][aead]") {
    const Key32 key = random_secret<32>();
    const Nonce12 nonce{1, 2, 3};
    const Bytes ad = to_bytes("chunk 7 of stage A");
    const Bytes msg = to_bytes("customer records, encrypted");
    const Bytes sealed = chacha20poly1305_encrypt(key, nonce, ad, msg);
    REQUIRE(sealed.size() == msg.size() + kAeadTagSize);
    auto opened = chacha20poly1305_decrypt(key, nonce, ad, sealed);
    REQUIRE(opened);
    CHECK(*opened == msg);

    for (size_t i = 0; i < sealed.size(); ++i) {
        Bytes bad = sealed;
        bad[i] ^= 0x80;
        auto r = chacha20poly1305_decrypt(key, nonce, ad, bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind() == ErrorKind::auth);
    }
    CHECK_FALSE(chacha20poly1305_decrypt(key, nonce, to_bytes("chunk 8 of stage A"), sealed));
    CHECK_FALSE(chacha20poly1305_decrypt(key, Nonce12{1, 2, 4}, ad, sealed));
    CHECK_FALSE(chacha20poly1305_decrypt(random_secret<32>(), nonce, ad, sealed));
    CHECK_FALSE(chacha20poly1305_decrypt(key, nonce, ad, ByteView(sealed).first(sealed.size() - 1)));
    CHECK_FALSE(chacha20poly1305_decrypt(key, nonce, ad, ByteView(sealed).first(kAeadTagSize - 1)));
    CHECK_FALSE(chacha20poly1305_decrypt(key, nonce, ad, {}));
}

TEST_CASE("XChaCha20-Poly1305 round-trips and rejects tampering, also into secret memory", "[crypto][aead]") {
    const Key32 key = random_secret<32>();
    Nonce24 nonce;
    random_bytes(nonce);
    const Bytes msg = to_bytes("content key");
    Bytes sealed = xchacha20poly1305_encrypt(key, nonce, {}, msg);
    auto opened = xchacha20poly1305_decrypt_secret(key, nonce, {}, sealed);
    REQUIRE(opened);
    CHECK(Bytes(opened->data(), opened->data() + opened->size()) == msg);
    sealed.back() ^= 1;
    CHECK_FALSE(xchacha20poly1305_decrypt(key, nonce, {}, sealed));
    CHECK_FALSE(xchacha20poly1305_decrypt_secret(key, nonce, {}, sealed));
}

TEST_CASE("X25519 refuses low-order and wrong-size public keys", "[crypto][x25519]") {
    const auto me = x25519_generate();
    // Points of small order on Curve25519 (and their non-canonical encodings): each makes the
    // shared secret all zero, whatever our scalar.
    for (const char* low : {
             "0000000000000000000000000000000000000000000000000000000000000000",
             "0100000000000000000000000000000000000000000000000000000000000000",
             "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
             "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
             "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
             "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
             "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
         }) {
        auto r = x25519(me.private_key, hex(low));
        REQUIRE_FALSE(r);
        CHECK(r.error().kind() == ErrorKind::auth);
    }
    CHECK_FALSE(x25519(me.private_key, Bytes(31, 9)));
    CHECK_FALSE(x25519(me.private_key, Bytes(33, 9)));
}

TEST_CASE("X25519 gives both sides the same shared secret", "[crypto][x25519]") {
    const auto a = x25519_generate();
    const auto b = x25519_generate();
    auto ab = x25519(a.private_key, b.public_key);
    auto ba = x25519(b.private_key, a.public_key);
    REQUIRE(ab);
    REQUIRE(ba);
    CHECK(ab->equals(*ba));
    CHECK(x25519_from_private(a.private_key).public_key == a.public_key);
}

TEST_CASE("HMAC-BLAKE2b follows RFC 2104: long keys are hashed, short keys zero-padded", "[crypto][hmac]") {
    const Bytes data = to_bytes("Noise HKDF input");
    for (size_t key_len : {0, 1, 32, 64, 127, 128, 129, 200, 1000}) {
        Bytes key(key_len);
        for (size_t i = 0; i < key_len; ++i) key[i] = static_cast<uint8_t>(i * 7 + 1);
        const Digest64 mac = hmac_blake2b(key, data);
        CAPTURE(key_len);
        CHECK(Bytes(mac.begin(), mac.end()) == manual_hmac_blake2b(key, data));
    }
}

TEST_CASE("HMAC-BLAKE2b is not BLAKE2b's keyed mode and depends on key and data", "[crypto][hmac]") {
    const Bytes key(32, 0x42);
    const Bytes data = to_bytes("abc");
    const Digest64 mac = hmac_blake2b(key, data);
    CHECK(Bytes(mac.begin(), mac.end()) != blake2b(data, 64, key));
    CHECK(hmac_blake2b(Bytes(32, 0x43), data) != mac);
    CHECK(hmac_blake2b(key, to_bytes("abd")) != mac);
    // A key longer than the block is equivalent to its BLAKE2b-512 hash, as RFC 2104 says.
    const Bytes long_key(300, 0x11);
    CHECK(hmac_blake2b(long_key, data) == hmac_blake2b(blake2b(long_key, 64), data));
}

TEST_CASE("streaming hashes equal the one-shot ones", "[crypto][hash]") {
    const Bytes data = to_bytes("split across several update calls");
    Sha256 s;
    Blake2b b(32);
    for (size_t i = 0; i < data.size(); i += 5) {
        const ByteView part = ByteView(data).subspan(i, std::min<size_t>(5, data.size() - i));
        s.update(part);
        b.update(part);
    }
    CHECK(s.finish() == sha256(data));
    const Digest32 d = blake2b_256(data);
    CHECK(b.finish() == Bytes(d.begin(), d.end()));
    CHECK(blake2b(data, 32) == Bytes(d.begin(), d.end()));
}

TEST_CASE("Argon2id is deterministic in passphrase and salt and rejects out-of-range cost", "[crypto][argon2]") {
    const ArgonCost cheap{1, 8192};  // libsodium's minimum cost: enough to test the wiring
    std::array<uint8_t, kArgonSaltSize> salt{};
    salt[0] = 1;
    auto k1 = argon2id(as_bytes("correct horse"), salt, cheap);
    auto k2 = argon2id(as_bytes("correct horse"), salt, cheap);
    REQUIRE(k1);
    REQUIRE(k2);
    CHECK(k1->equals(*k2));
    auto other_pass = argon2id(as_bytes("correct horsE"), salt, cheap);
    REQUIRE(other_pass);
    CHECK_FALSE(other_pass->equals(*k1));
    salt[15] = 1;
    auto other_salt = argon2id(as_bytes("correct horse"), salt, cheap);
    REQUIRE(other_salt);
    CHECK_FALSE(other_salt->equals(*k1));
    auto other_cost = argon2id(as_bytes("correct horse"), salt, ArgonCost{2, 8192});
    REQUIRE(other_cost);
    CHECK_FALSE(other_cost->equals(*other_salt));

    auto too_cheap = argon2id(as_bytes("x"), salt, ArgonCost{0, 8192});
    REQUIRE_FALSE(too_cheap);
    CHECK(too_cheap.error().kind() == ErrorKind::bad_input);
    CHECK_FALSE(argon2id(as_bytes("x"), salt, ArgonCost{1, 1024}));
}

TEST_CASE("a box sealed to an identity opens only with that identity's key", "[crypto][seal]") {
    const auto buyer = ed25519_generate();
    const auto other = ed25519_generate();
    const Bytes key(32, 0x42);
    auto sealed = seal_to_identity(buyer.public_key, key);
    REQUIRE(sealed);
    CHECK(sealed->size() == key.size() + kSealOverhead);

    auto opened = open_sealed_for_identity(buyer, *sealed);
    REQUIRE(opened);
    CHECK(Bytes(opened->view().begin(), opened->view().end()) == key);

    auto wrong = open_sealed_for_identity(other, *sealed);
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().kind() == ErrorKind::auth);
}

TEST_CASE("sealing is randomized: the same key sealed twice gives different boxes", "[crypto][seal]") {
    const auto buyer = ed25519_generate();
    CHECK(seal_to_identity(buyer.public_key, Bytes(32, 1)).value() !=
          seal_to_identity(buyer.public_key, Bytes(32, 1)).value());
}

TEST_CASE("a sealed box with any byte flipped or cut short does not open", "[crypto][seal]") {
    const auto buyer = ed25519_generate();
    const Bytes sealed = seal_to_identity(buyer.public_key, Bytes(32, 7)).value();
    for (size_t i = 0; i < sealed.size(); ++i) {
        Bytes bad = sealed;
        bad[i] ^= 0x01;
        auto r = open_sealed_for_identity(buyer, bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind() == ErrorKind::auth);
    }
    for (size_t n : {size_t{0}, size_t{1}, kSealOverhead - 1, kSealOverhead, sealed.size() - 1}) {
        auto r = open_sealed_for_identity(buyer, ByteView(sealed.data(), n));
        REQUIRE_FALSE(r);
        CHECK(r.error().kind() == ErrorKind::auth);
    }
}

TEST_CASE("an empty plaintext seals and opens", "[crypto][seal]") {
    const auto buyer = ed25519_generate();
    const Bytes sealed = seal_to_identity(buyer.public_key, {}).value();
    CHECK(sealed.size() == kSealOverhead);
    auto r = open_sealed_for_identity(buyer, sealed);
    REQUIRE(r);
    CHECK(r->empty());
}

TEST_CASE("sealing to a key of the wrong size or of small order fails with auth", "[crypto][seal]") {
    Bytes identity_point(32, 0);  // the Ed25519 neutral element (y = 1): small order
    identity_point[0] = 1;
    for (const Bytes& bad : {Bytes(31, 9), Bytes(33, 9), identity_point}) {
        auto r = seal_to_identity(bad, Bytes(32, 1));
        REQUIRE_FALSE(r);
        CHECK(r.error().kind() == ErrorKind::auth);
    }
}
