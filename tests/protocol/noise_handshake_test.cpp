// HandshakeState: XX between two in-memory endpoints, tampering, turn-taking, failure is final.
#include <catch2/catch.hpp>

#include "protocol/noise/handshake_state.h"
#include "tests/protocol/noise_test_support.h"

namespace baton::noise {
namespace {

using namespace test;

const std::string kXX = "Noise_XX_25519_ChaChaPoly_BLAKE2b";

// Low-order Curve25519 points (RFC 7748 §6.1 / the usual blocklist): DH with them gives zero.
const std::vector<crypto::PublicKey> kLowOrderPoints = {
    crypto::PublicKey{},
    crypto::PublicKey{1},
    from_hex_key("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
    from_hex_key("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
    from_hex_key("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
};

void check_dead(HandshakeState& hs) {
    CHECK(hs.next_step() == Step::failed);
    CHECK_FALSE(hs.write_message({}));
    CHECK_FALSE(hs.read_message(Bytes(48)));
    CHECK_FALSE(hs.split());
    CHECK_FALSE(hs.handshake_hash());
}

TEST_CASE("XX between two in-memory endpoints completes with equal hashes and each side's static key",
          "[noise][handshake]") {
    Endpoints ep = make_endpoints(kXX);
    CHECK(ep.init.next_step() == Step::write);
    CHECK(ep.resp.next_step() == Step::read);
    auto sent = run_handshake(ep);
    REQUIRE(sent);
    REQUIRE(sent->size() == 3);
    CHECK(ep.init.is_complete());
    CHECK(ep.resp.is_complete());
    CHECK(ep.init.handshake_hash().value() == ep.resp.handshake_hash().value());
    CHECK(ep.init.remote_static() == public_of(kRespStatic));
    CHECK(ep.resp.remote_static() == public_of(kInitStatic));

    SECTION("fixed ephemerals make the handshake reproducible byte for byte") {
        Endpoints again = make_endpoints(kXX);
        CHECK(run_handshake(again).value() == sent.value());
    }
    SECTION("split gives matching transport ciphers in both directions") {
        auto ti = ep.init.split().value();
        auto tr = ep.resp.split().value();
        for (int i = 0; i < 10; ++i) {
            Bytes m = to_bytes("message " + std::to_string(i));
            CHECK(tr.recv.decrypt_with_ad({}, ti.send.encrypt_with_ad({}, m).value()).value() == m);
            CHECK(ti.recv.decrypt_with_ad({}, tr.send.encrypt_with_ad({}, m).value()).value() == m);
        }
        Bytes empty;
        CHECK(tr.recv.decrypt_with_ad({}, ti.send.encrypt_with_ad({}, empty).value()).value() == empty);
        Bytes largest(kMaxMessage - kTagSize, 7);
        CHECK(ti.recv.decrypt_with_ad({}, tr.send.encrypt_with_ad({}, largest).value()).value() == largest);
        // A message for one direction cannot be read in the other.
        CHECK_FALSE(ti.recv.decrypt_with_ad({}, ti.send.encrypt_with_ad({}, empty).value()));
    }
    SECTION("split happens once, and the handshake hash stays available for channel binding") {
        REQUIRE(ep.init.split());
        CHECK(ep.init.next_step() == Step::finished);
        CHECK(ep.init.handshake_hash().value() == ep.resp.handshake_hash().value());
        CHECK_FALSE(ep.init.split());
    }
}

TEST_CASE("different prologues make the XX handshake fail", "[noise][handshake]") {
    auto init = HandshakeState::create(config_for(kXX, Role::initiator, 0xd0, to_bytes("baton v1 deal A"))).value();
    auto resp = HandshakeState::create(config_for(kXX, Role::responder, 0xd0, to_bytes("baton v1 deal B"))).value();
    Bytes m1 = init.write_message({}).value();
    REQUIRE(resp.read_message(m1));
    Bytes m2 = resp.write_message({}).value();
    CHECK_FALSE(init.read_message(m2));
}

// Delivers XX messages 0..2, flipping byte `pos` of message `target`. Returns the index of the
// message whose read failed, or -1 when every read succeeded.
int handshake_with_flip(size_t target, size_t pos) {
    Endpoints ep = make_endpoints(kXX);
    for (size_t i = 0; i < 3; ++i) {
        HandshakeState& writer = i % 2 == 0 ? ep.init : ep.resp;
        HandshakeState& reader = i % 2 == 0 ? ep.resp : ep.init;
        auto msg = writer.write_message(payload_for(i));
        if (!msg) return static_cast<int>(i);  // cannot happen for i > target
        if (i == target) (*msg)[pos] ^= 0x01;
        if (!reader.read_message(*msg)) {
            if (reader.next_step() != Step::failed) return -2;
            return static_cast<int>(i);
        }
    }
    return -1;
}

TEST_CASE("flipping any byte of XX message 2 or 3 makes its reader fail", "[noise][handshake]") {
    Endpoints ep = make_endpoints(kXX);
    auto sent = run_handshake(ep).value();
    for (size_t target : {size_t{1}, size_t{2}}) {
        for (size_t pos = 0; pos < sent[target].size(); ++pos) {
            INFO("message " << target + 1 << " byte " << pos);
            CHECK(handshake_with_flip(target, pos) == static_cast<int>(target));
        }
    }
}

TEST_CASE("flipping any byte of XX message 1 (not yet encrypted) makes the initiator reject message 2",
          "[noise][handshake]") {
    Endpoints ep = make_endpoints(kXX);
    auto sent = run_handshake(ep).value();
    for (size_t pos = 0; pos < sent[0].size(); ++pos) {
        INFO("byte " << pos);
        CHECK(handshake_with_flip(0, pos) == 1);
    }
}

TEST_CASE("with psk0, flipping any byte of message 1 makes the responder fail at once", "[noise][handshake][psk]") {
    const std::string name = "Noise_NNpsk0_25519_ChaChaPoly_BLAKE2b";
    Bytes m1 = make_endpoints(name).init.write_message(payload_for(0)).value();
    for (size_t pos = 0; pos < m1.size(); ++pos) {
        INFO("byte " << pos);
        Endpoints ep = make_endpoints(name);
        Bytes msg = ep.init.write_message(payload_for(0)).value();
        msg[pos] ^= 0x80;
        CHECK_FALSE(ep.resp.read_message(msg));
    }
}

TEST_CASE("a truncated handshake message is rejected", "[noise][handshake]") {
    Endpoints ep = make_endpoints(kXX);
    Bytes m1 = ep.init.write_message({}).value();
    CHECK_FALSE(ep.resp.read_message(ByteView(m1).first(31)));
    check_dead(ep.resp);

    Endpoints ep2 = make_endpoints(kXX);
    REQUIRE(ep2.resp.read_message(ep2.init.write_message({}).value()));
    Bytes m2 = ep2.resp.write_message({}).value();
    CHECK_FALSE(ep2.init.read_message(ByteView(m2).first(m2.size() - 1)));
}

TEST_CASE("a low-order remote ephemeral key makes the handshake fail", "[noise][handshake]") {
    for (const auto& point : kLowOrderPoints) {
        INFO(to_hex(point));
        Endpoints ep = make_endpoints(kXX);
        REQUIRE(ep.resp.read_message(point));  // message 1 is just e: nothing to check yet
        auto m2 = ep.resp.write_message({});    // the ee DH fails
        REQUIRE_FALSE(m2);
        CHECK(m2.error().kind() == ErrorKind::auth);
        check_dead(ep.resp);

        Endpoints ep2 = make_endpoints(kXX);
        REQUIRE(ep2.init.write_message({}));
        Bytes m2_forged(point.begin(), point.end());
        m2_forged.resize(32 + 48 + 16);
        CHECK_FALSE(ep2.init.read_message(m2_forged));
        check_dead(ep2.init);
    }
}

TEST_CASE("writing or reading out of turn fails and kills the handshake", "[noise][handshake]") {
    SECTION("responder writes first") {
        Endpoints ep = make_endpoints(kXX);
        auto r = ep.resp.write_message({});
        REQUIRE_FALSE(r);
        CHECK(r.error().kind() == ErrorKind::conflict);
        check_dead(ep.resp);
    }
    SECTION("initiator reads first") {
        Endpoints ep = make_endpoints(kXX);
        CHECK_FALSE(ep.init.read_message(Bytes(32)));
        check_dead(ep.init);
    }
    SECTION("initiator writes twice") {
        Endpoints ep = make_endpoints(kXX);
        REQUIRE(ep.init.write_message({}));
        CHECK_FALSE(ep.init.write_message({}));
        check_dead(ep.init);
    }
    SECTION("writing after the handshake is complete") {
        Endpoints ep = make_endpoints(kXX);
        REQUIRE(run_handshake(ep));
        CHECK_FALSE(ep.init.write_message({}));
        check_dead(ep.init);
    }
    SECTION("split before the end") {
        Endpoints ep = make_endpoints(kXX);
        CHECK_FALSE(ep.init.handshake_hash());
        CHECK_FALSE(ep.init.split());
        check_dead(ep.init);
    }
    SECTION("the responder of a one-way pattern never writes") {
        Endpoints ep = make_endpoints("Noise_N_25519_ChaChaPoly_BLAKE2b");
        CHECK_FALSE(ep.resp.write_message({}));
        check_dead(ep.resp);
    }
}

TEST_CASE("after a failed read the handshake stays dead even for the genuine message", "[noise][handshake]") {
    Endpoints ep = make_endpoints(kXX);
    REQUIRE(ep.resp.read_message(ep.init.write_message({}).value()));
    Bytes m2 = ep.resp.write_message(to_bytes("cert")).value();
    Bytes bad = m2;
    bad.back() ^= 1;
    REQUIRE_FALSE(ep.init.read_message(bad));
    auto again = ep.init.read_message(m2);
    REQUIRE_FALSE(again);
    CHECK(again.error().message().find("failed earlier") != std::string::npos);
    check_dead(ep.init);
}

TEST_CASE("a moved-from handshake is dead", "[noise][handshake]") {
    Endpoints ep = make_endpoints(kXX);
    HandshakeState moved = std::move(ep.init);
    CHECK(moved.next_step() == Step::write);
    check_dead(ep.init);  // NOLINT(bugprone-use-after-move): the point of the test
}

TEST_CASE("handshake messages are bounded at 65535 bytes", "[noise][handshake]") {
    // XX message 1 is e (32 bytes) and the payload in clear.
    SECTION("the largest payload that fits is accepted") {
        Endpoints ep = make_endpoints(kXX);
        Bytes m1 = ep.init.write_message(Bytes(kMaxMessage - 32, 1)).value();
        CHECK(m1.size() == kMaxMessage);
        CHECK(ep.resp.read_message(m1).value().size() == kMaxMessage - 32);
    }
    SECTION("one byte more is refused by the writer") {
        Endpoints ep = make_endpoints(kXX);
        auto r = ep.init.write_message(Bytes(kMaxMessage - 32 + 1, 1));
        REQUIRE_FALSE(r);
        CHECK(r.error().kind() == ErrorKind::bad_input);
        check_dead(ep.init);
    }
    SECTION("a huge payload is refused before any work") {
        Endpoints ep = make_endpoints(kXX);
        CHECK_FALSE(ep.init.write_message(Bytes(1 << 20)));
    }
    SECTION("an oversized message is refused by the reader") {
        Endpoints ep = make_endpoints(kXX);
        auto r = ep.resp.read_message(Bytes(kMaxMessage + 1));
        REQUIRE_FALSE(r);
        CHECK(r.error().kind() == ErrorKind::bad_input);
        check_dead(ep.resp);
    }
    SECTION("an encrypted message counts its tags toward the bound") {
        Endpoints ep = make_endpoints(kXX);
        REQUIRE(ep.resp.read_message(ep.init.write_message({}).value()));
        // Message 2 is e (32) + encrypted s (48) + payload + tag (16).
        CHECK_FALSE(ep.resp.write_message(Bytes(kMaxMessage - 32 - 48 - 16 + 1)));
        Endpoints ep2 = make_endpoints(kXX);
        REQUIRE(ep2.resp.read_message(ep2.init.write_message({}).value()));
        CHECK(ep2.resp.write_message(Bytes(kMaxMessage - 32 - 48 - 16)).value().size() == kMaxMessage);
    }
}

}  // namespace
}  // namespace baton::noise
