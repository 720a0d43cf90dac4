// CipherState: nonce rules, rekey, size bounds and the no-key passthrough.
#include <catch2/catch.hpp>

#include <array>

#include "protocol/noise/cipher_state.h"
#include "tests/protocol/noise_test_support.h"

namespace baton::noise {
namespace {

using test::test_key;

// Two CipherStates holding the same key: a sender and its receiver.
std::pair<CipherState, CipherState> keyed_pair(uint8_t seed = 1) {
    return {CipherState(test_key(seed)), CipherState(test_key(seed))};
}

TEST_CASE("a CipherState without a key passes bytes through unchanged", "[noise][cipher]") {
    CipherState cs;
    const Bytes msg = to_bytes("before any MixKey");
    CHECK_FALSE(cs.has_key());
    CHECK(cs.encrypt_with_ad(to_bytes("ad"), msg).value() == msg);
    CHECK(cs.decrypt_with_ad(to_bytes("ad"), msg).value() == msg);
    CHECK(cs.nonce() == 0);
}

TEST_CASE("the ChaChaPoly nonce is four zero bytes then the counter little-endian", "[noise][cipher]") {
    const crypto::Nonce12 expected = {0, 0, 0, 0, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01};
    CHECK(chachapoly_nonce(0x0102030405060708ULL) == expected);
}

TEST_CASE("encryption matches ChaCha20-Poly1305 at the current counter and then counts up", "[noise][cipher]") {
    auto [send, recv] = keyed_pair();
    const Bytes ad = to_bytes("h"), msg = to_bytes("hello");
    for (uint64_t n = 0; n < 2; ++n) {
        const Bytes expected = crypto::chacha20poly1305_encrypt(test_key(1), chachapoly_nonce(n), ad, msg);
        CHECK(send.encrypt_with_ad(ad, msg).value() == expected);
    }
    CHECK(send.nonce() == 2);
}

TEST_CASE("a message that does not authenticate is rejected and leaves the counter alone", "[noise][cipher]") {
    auto [send, recv] = keyed_pair();
    Bytes ct = send.encrypt_with_ad({}, to_bytes("x")).value();
    ct[0] ^= 1;
    auto r = recv.decrypt_with_ad({}, ct);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind() == ErrorKind::auth);
    CHECK(recv.nonce() == 0);
    CHECK_FALSE(recv.decrypt_with_ad(to_bytes("other ad"), send.encrypt_with_ad({}, to_bytes("y")).value()));
}

TEST_CASE("the counter stops at 2^64-1: the last usable nonce works, then every call fails", "[noise][cipher]") {
    auto [send, recv] = keyed_pair();
    REQUIRE(send.advance_nonce_to(kMaxNonce - 1));
    REQUIRE(recv.advance_nonce_to(kMaxNonce - 1));
    Bytes ct = send.encrypt_with_ad({}, to_bytes("last")).value();
    CHECK(recv.decrypt_with_ad({}, ct).value() == to_bytes("last"));
    CHECK(send.nonce() == kMaxNonce);
    for (int i = 0; i < 3; ++i) {
        auto e = send.encrypt_with_ad({}, to_bytes("more"));
        REQUIRE_FALSE(e);
        CHECK(e.error().message().find("exhausted") != std::string::npos);
        CHECK_FALSE(recv.decrypt_with_ad({}, ct));
    }
    CHECK(send.nonce() == kMaxNonce);  // never wraps to 0
}

TEST_CASE("the counter can only move forward", "[noise][cipher]") {
    auto [send, recv] = keyed_pair();
    REQUIRE(send.advance_nonce_to(10));
    CHECK_FALSE(send.advance_nonce_to(9));
    CHECK(send.advance_nonce_to(10));
    CHECK(send.nonce() == 10);
}

TEST_CASE("rekey replaces the key with ENCRYPT(k, 2^64-1, empty, zeros) and keeps the counter", "[noise][cipher]") {
    auto [send, recv] = keyed_pair();
    Bytes before = send.encrypt_with_ad({}, to_bytes("m")).value();
    REQUIRE(recv.decrypt_with_ad({}, before));
    REQUIRE(send.rekey());
    CHECK(send.nonce() == 1);

    std::array<uint8_t, 32> zeros{};
    Bytes block = crypto::chacha20poly1305_encrypt(test_key(1), chachapoly_nonce(kMaxNonce), {}, zeros);
    Secret<32> expected_key{std::span<const uint8_t, 32>(block.data(), 32)};
    CipherState expected(std::move(expected_key));
    REQUIRE(expected.advance_nonce_to(1));
    CipherState old_key(test_key(1));
    REQUIRE(old_key.advance_nonce_to(1));

    Bytes after = send.encrypt_with_ad({}, to_bytes("m")).value();
    CHECK(after == expected.encrypt_with_ad({}, to_bytes("m")).value());
    CHECK(after != old_key.encrypt_with_ad({}, to_bytes("m")).value());
}

TEST_CASE("both sides that rekey stay in sync; a side that does not can no longer read", "[noise][cipher]") {
    auto [send, recv] = keyed_pair();
    auto [send2, stale] = keyed_pair();
    for (int round = 0; round < 3; ++round) {
        REQUIRE(send.rekey());
        REQUIRE(recv.rekey());
        REQUIRE(send2.rekey());
        Bytes ct = send.encrypt_with_ad({}, to_bytes("after rekey")).value();
        CHECK(recv.decrypt_with_ad({}, ct).value() == to_bytes("after rekey"));
        Bytes ct2 = send2.encrypt_with_ad({}, to_bytes("after rekey")).value();
        CHECK_FALSE(stale.decrypt_with_ad({}, ct2));
    }
}

TEST_CASE("rekey without a key fails", "[noise][cipher]") {
    CipherState cs;
    CHECK_FALSE(cs.rekey());
}

TEST_CASE("transport messages are bounded at 65535 bytes including the tag", "[noise][cipher]") {
    auto [send, recv] = keyed_pair();
    Bytes largest(kMaxMessage - kTagSize, 0x42);
    Bytes ct = send.encrypt_with_ad({}, largest).value();
    CHECK(ct.size() == kMaxMessage);
    CHECK(recv.decrypt_with_ad({}, ct).value() == largest);

    auto too_big = send.encrypt_with_ad({}, Bytes(kMaxMessage - kTagSize + 1));
    REQUIRE_FALSE(too_big);
    CHECK(too_big.error().kind() == ErrorKind::bad_input);
    CHECK_FALSE(recv.decrypt_with_ad({}, Bytes(kMaxMessage + 1)));
    CHECK_FALSE(CipherState().encrypt_with_ad({}, Bytes(kMaxMessage + 1)));
}

TEST_CASE("a moved-from CipherState fails closed instead of passing plaintext through", "[noise][cipher]") {
    CipherState a(test_key(1));
    CipherState b = std::move(a);
    CHECK(b.encrypt_with_ad({}, to_bytes("x")));
    CHECK_FALSE(a.encrypt_with_ad({}, to_bytes("x")));  // NOLINT(bugprone-use-after-move): the point
    CHECK_FALSE(a.decrypt_with_ad({}, Bytes(20)));
}

}  // namespace
}  // namespace baton::noise
