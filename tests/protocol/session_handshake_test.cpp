// BatonHandshake between in-memory endpoints: the parties of a deal establish a session, see each
// other's certificate and talk through the SecureChannel; misuse and failures are final.
#include <catch2/catch.hpp>

#include "tests/protocol/session_test_support.h"

namespace baton::session {
namespace {

using namespace test;

struct Pair {
    const Party* initiator;
    const Party* responder;
};

void check_ping_pong(SecureChannel& from, SecureChannel& to, uint64_t id) {
    auto ping = to.open(from.seal(Ping{id}).value());
    REQUIRE(ping);
    REQUIRE(std::holds_alternative<Ping>(*ping));
    CHECK(std::get<Ping>(*ping).id == id);
    auto pong = from.open(to.seal(Pong{id}).value());
    REQUIRE(pong);
    REQUIRE(std::holds_alternative<Pong>(*pong));
    CHECK(std::get<Pong>(*pong).id == id);
}

TEST_CASE("compatible parties establish a session, see each other's certificate and exchange ping/pong",
          "[session][handshake]") {
    const TestDeal deal;
    auto [a, b] = GENERATE_REF(values<Pair>({{&deal.seller, &deal.buyer},
                                             {&deal.buyer, &deal.seller},
                                             {&deal.seller, &deal.witness},
                                             {&deal.witness, &deal.buyer}}));
    INFO(a->name << " -> " << b->name);
    auto init = make_initiator(*a, TestDeal::credentials(*a), deal.trust);
    auto resp = make_responder(*b, TestDeal::credentials(*b), deal.trust);

    auto r = pump(init, resp);
    REQUIRE(r.initiator.established());
    REQUIRE(r.responder.established());
    CHECK(r.encoded_frames.size() == 5);  // Hello, msg 1, msg 2, msg 3, Welcome
    CHECK(init.peer().envelope == b->certificate.envelope);
    CHECK(init.peer().subject_key == b->identity.public_key);
    CHECK(resp.peer().envelope == a->certificate.envelope);
    CHECK(resp.peer().subject_key == a->identity.public_key);
    CHECK(init.deal() == kDeal);
    CHECK(resp.deal() == kDeal);

    auto ci = init.take_channel();
    auto cr = resp.take_channel();
    REQUIRE(ci);
    REQUIRE(cr);
    for (uint64_t id = 1; id <= 3; ++id) {
        check_ping_pong(*ci, *cr, id);
        check_ping_pong(*cr, *ci, 100 + id);
    }
}

TEST_CASE("the handshake is reproducible byte for byte with fixed keys", "[session][handshake]") {
    const TestDeal deal;
    auto run = [&] {
        auto init = make_initiator(deal.seller, TestDeal::credentials(deal.seller), deal.trust);
        auto resp = make_responder(deal.buyer, TestDeal::credentials(deal.buyer), deal.trust);
        return pump(init, resp).encoded_frames;
    };
    auto first = run();
    REQUIRE(first.size() == 5);
    CHECK(run() == first);
}

TEST_CASE("an initiator that follows the documented prologue and key binding is accepted", "[session][handshake]") {
    const TestDeal deal;
    RawInitiator raw(deal.seller);
    auto resp = make_responder(deal.buyer, TestDeal::credentials(deal.buyer), deal.trust);
    REQUIRE(resp.on_frame(raw.hello()).value().frames.empty());
    auto msg2 = resp.on_frame(raw.msg1().value());
    REQUIRE(msg2);
    REQUIRE(msg2->frames.size() == 1);
    auto their = decode_handshake_payload(raw.read_msg2(msg2->frames[0]).value());
    REQUIRE(their);
    CHECK(their->certificate == deal.buyer.certificate.envelope);

    auto done = resp.on_frame(raw.msg3(signed_payload(deal.seller.identity, deal.seller.certificate,
                                                      deal.seller.noise_seed)).value());
    REQUIRE(done);
    CHECK(done->status == HandshakeStatus::established);
    REQUIRE(done->frames.size() == 1);
    auto channel = raw.channel();
    REQUIRE(channel);
    auto welcome = channel->open(done->frames[0]);
    REQUIRE(welcome);
    CHECK(std::holds_alternative<Welcome>(*welcome));
    CHECK(resp.peer().subject_key == deal.seller.identity.public_key);
}

TEST_CASE("message 1 with a payload is rejected by the responder", "[session][handshake]") {
    const TestDeal deal;
    RawInitiator raw(deal.seller);
    auto resp = make_responder(deal.buyer, TestDeal::credentials(deal.buyer), deal.trust);
    REQUIRE(resp.on_frame(raw.hello()));
    auto msg1 = raw.write_raw(to_bytes("smuggled"));  // message 1 with a payload
    REQUIRE(msg1);
    CHECK_FALSE(resp.on_frame(*msg1));
}

TEST_CASE("a Hello for another protocol version or a malformed deal is rejected", "[session][handshake]") {
    const TestDeal deal;
    auto resp = make_responder(deal.buyer, TestDeal::credentials(deal.buyer), deal.trust);
    Bytes hello = encode_hello(kDeal);
    REQUIRE(hello.size() > 2);
    REQUIRE(hello[0] == 0x08);  // field 1 (version), varint
    hello[1] = 2;
    auto step = resp.on_frame(hello);
    REQUIRE_FALSE(step);
    CHECK(step.error().kind() == ErrorKind::bad_input);
    CHECK_FALSE(make_responder(deal.buyer, TestDeal::credentials(deal.buyer), deal.trust)
                    .on_frame(encode_hello("bad deal id")));
}

TEST_CASE("start is for an initiator and only once", "[session][handshake]") {
    const TestDeal deal;
    auto init = make_initiator(deal.seller, TestDeal::credentials(deal.seller), deal.trust);
    auto first = init.start();
    REQUIRE(first);
    CHECK(first->frames.size() == 2);  // Hello and message 1
    CHECK(first->frames[0] == encode_hello(kDeal));
    CHECK_FALSE(init.start());

    auto resp = make_responder(deal.buyer, TestDeal::credentials(deal.buyer), deal.trust);
    CHECK_FALSE(resp.start());
}

TEST_CASE("an initiator rejects a frame before it has started", "[session][handshake]") {
    const TestDeal deal;
    auto init = make_initiator(deal.seller, TestDeal::credentials(deal.seller), deal.trust);
    CHECK_FALSE(init.on_frame(encode_hello(kDeal)));
}

TEST_CASE("the channel is handed over once, and only after establishment", "[session][handshake]") {
    const TestDeal deal;
    auto init = make_initiator(deal.seller, TestDeal::credentials(deal.seller), deal.trust);
    auto resp = make_responder(deal.buyer, TestDeal::credentials(deal.buyer), deal.trust);
    CHECK_FALSE(init.take_channel());
    REQUIRE(pump(init, resp).initiator.established());
    CHECK(init.take_channel());
    CHECK_FALSE(init.take_channel());
    CHECK(resp.take_channel());
}

TEST_CASE("an established handshake accepts no further frames", "[session][handshake]") {
    const TestDeal deal;
    auto init = make_initiator(deal.seller, TestDeal::credentials(deal.seller), deal.trust);
    auto resp = make_responder(deal.buyer, TestDeal::credentials(deal.buyer), deal.trust);
    auto r = pump(init, resp);
    REQUIRE(r.responder.established());
    CHECK_FALSE(resp.on_frame(r.encoded_frames[3]));
    CHECK_FALSE(init.on_frame(r.encoded_frames[4]));
}

TEST_CASE("after an error the handshake is dead even for the genuine next frame", "[session][handshake]") {
    const TestDeal deal;
    // Record a genuine transcript first.
    std::vector<Bytes> genuine;
    {
        auto init = make_initiator(deal.seller, TestDeal::credentials(deal.seller), deal.trust);
        auto resp = make_responder(deal.buyer, TestDeal::credentials(deal.buyer), deal.trust);
        genuine = pump(init, resp).encoded_frames;
    }
    REQUIRE(genuine.size() == 5);
    auto payload = [&](size_t i) { return ByteView(genuine[i]).subspan(kFrameHeader); };

    auto resp = make_responder(deal.buyer, TestDeal::credentials(deal.buyer), deal.trust);
    REQUIRE(resp.on_frame(payload(0)));
    REQUIRE_FALSE(resp.on_frame(Bytes(10, 0)));  // too short for an ephemeral key
    CHECK_FALSE(resp.on_frame(payload(1)));       // the genuine message 1 no longer helps
    CHECK_FALSE(resp.take_channel());
}

}  // namespace
}  // namespace baton::session
