// SecureChannel: the established session's transport. Forged, replayed, reordered and reflected
// frames fail authentication and kill the channel; both sides rekey in step.
#include <catch2/catch.hpp>

#include "tests/protocol/session_test_support.h"

namespace baton::session {
namespace {

using namespace test;

// Transport keys of one XX handshake between fixed keys: calling it twice gives the same keys.
std::pair<noise::TransportCiphers, noise::TransportCiphers> transport_keys() {
    auto config = [](noise::Role role, uint8_t static_seed, uint8_t eph_seed) {
        noise::HandshakeConfig c;
        c.protocol_name = kNoiseProtocol;
        c.role = role;
        c.local_static = fixed_key(static_seed);
        c.ephemeral = [eph_seed] { return fixed_key(eph_seed); };
        return c;
    };
    auto init = noise::HandshakeState::create(config(noise::Role::initiator, 0x10, 0x20)).value();
    auto resp = noise::HandshakeState::create(config(noise::Role::responder, 0x40, 0x50)).value();
    REQUIRE(resp.read_message(init.write_message({}).value()));
    REQUIRE(init.read_message(resp.write_message({}).value()));
    REQUIRE(resp.read_message(init.write_message({}).value()));
    return {init.split().value(), resp.split().value()};
}

struct Channels {
    SecureChannel initiator;
    SecureChannel responder;
};

Channels channels() {
    auto [i, r] = transport_keys();
    return Channels{SecureChannel(std::move(i)), SecureChannel(std::move(r))};
}

void check_dead(SecureChannel& c, ByteView genuine) {
    auto again = c.open(genuine);
    REQUIRE_FALSE(again);
    CHECK(again.error().kind() == ErrorKind::conflict);
    CHECK_FALSE(c.seal(Ping{1}));
}

TEST_CASE("every session message kind crosses the channel in both directions", "[session][channel]") {
    auto c = channels();
    const std::vector<SessionMessage> all = {Welcome{}, Refusal{"wrong_role", "a seller meets a seller"}, Ping{7},
                                             Pong{UINT64_MAX}};
    for (const auto& m : all) {
        CHECK(c.responder.open(c.initiator.seal(m).value()).value().index() == m.index());
        auto back = c.initiator.open(c.responder.seal(m).value());
        REQUIRE(back);
        CHECK(encode_session_message(*back) == encode_session_message(m));
    }
}

TEST_CASE("a replayed frame fails authentication and kills the channel", "[session][channel]") {
    auto c = channels();
    Bytes first = c.initiator.seal(Ping{1}).value();
    Bytes second = c.initiator.seal(Ping{2}).value();
    REQUIRE(c.responder.open(first));
    auto replay = c.responder.open(first);
    REQUIRE_FALSE(replay);
    CHECK(replay.error().kind() == ErrorKind::auth);
    check_dead(c.responder, second);
}

TEST_CASE("a reordered frame fails authentication and kills the channel", "[session][channel]") {
    auto c = channels();
    Bytes first = c.initiator.seal(Ping{1}).value();
    Bytes second = c.initiator.seal(Ping{2}).value();
    auto early = c.responder.open(second);
    REQUIRE_FALSE(early);
    CHECK(early.error().kind() == ErrorKind::auth);
    check_dead(c.responder, first);
}

TEST_CASE("a frame with any byte changed fails authentication", "[session][channel]") {
    Bytes genuine = channels().initiator.seal(Ping{42}).value();
    for (size_t pos = 0; pos < genuine.size(); ++pos) {
        auto c = channels();
        Bytes forged = genuine;
        forged[pos] ^= 0x01;
        auto opened = c.responder.open(forged);
        INFO("byte " << pos);
        REQUIRE_FALSE(opened);
        CHECK(opened.error().kind() == ErrorKind::auth);
        check_dead(c.responder, genuine);
    }
}

TEST_CASE("forged frames from scratch are rejected: random, short, oversized", "[session][channel]") {
    const Bytes random_frame = to_bytes("sixteen-plus bytes of noise, not a sealed message");
    const Bytes short_frame(crypto::kAeadTagSize - 1, 0xaa);
    const Bytes oversized(kMaxFrame + 1, 0);
    for (const Bytes* f : {&random_frame, &short_frame, &oversized}) {
        auto c = channels();
        CHECK_FALSE(c.responder.open(*f));
        check_dead(c.responder, c.initiator.seal(Ping{1}).value());
    }
}

TEST_CASE("a frame reflected back to its sender is rejected", "[session][channel]") {
    auto c = channels();
    Bytes mine = c.initiator.seal(Ping{1}).value();
    auto reflected = c.initiator.open(mine);
    REQUIRE_FALSE(reflected);
    CHECK(reflected.error().kind() == ErrorKind::auth);
}

TEST_CASE("an authentic frame that is not a session message kills the channel", "[session][channel]") {
    auto c = channels();
    auto opened = c.responder.open(c.initiator.seal_bytes(to_bytes("\xff\xff not protobuf")).value());
    REQUIRE_FALSE(opened);
    CHECK(opened.error().kind() == ErrorKind::bad_input);
    check_dead(c.responder, c.initiator.seal(Ping{1}).value());
}

TEST_CASE("a plaintext too large for one Noise message is refused when sealing", "[session][channel]") {
    auto c = channels();
    auto sealed = c.initiator.seal_bytes(Bytes(kMaxFrame - crypto::kAeadTagSize + 1, 0));
    REQUIRE_FALSE(sealed);
    CHECK(sealed.error().kind() == ErrorKind::bad_input);
    CHECK(c.initiator.seal_bytes(Bytes(kMaxFrame - crypto::kAeadTagSize, 0)));
}

TEST_CASE("both sides rekey in step at the rekey interval; a side that did not can no longer read",
          "[session][channel]") {
    auto [init_keys, resp_keys] = transport_keys();
    auto [unused, witness_keys] = transport_keys();  // the same keys again, outside any channel
    REQUIRE(init_keys.send.advance_nonce_to(kRekeyInterval - 1));
    REQUIRE(resp_keys.recv.advance_nonce_to(kRekeyInterval - 1));
    REQUIRE(witness_keys.recv.advance_nonce_to(kRekeyInterval - 1));
    SecureChannel sender(std::move(init_keys)), receiver(std::move(resp_keys));

    Bytes before = sender.seal(Ping{1}).value();  // the last message under the first key
    Bytes after = sender.seal(Ping{2}).value();   // the first under the new key
    CHECK(std::get<Ping>(receiver.open(before).value()).id == 1);
    CHECK(std::get<Ping>(receiver.open(after).value()).id == 2);

    CHECK(witness_keys.recv.decrypt_with_ad({}, before));
    CHECK_FALSE(witness_keys.recv.decrypt_with_ad({}, after));  // still on the old key
    REQUIRE(witness_keys.recv.rekey());
    CHECK(witness_keys.recv.decrypt_with_ad({}, after).value() == encode_session_message(Ping{2}));
}

}  // namespace
}  // namespace baton::session
