// Tampering with the handshake on the wire: any single changed byte of any handshake frame —
// its 4-byte length or its payload — must stop the session from being established on both sides.
#include <catch2/catch.hpp>

#include "tests/protocol/session_test_support.h"

namespace baton::session {
namespace {

using namespace test;

const char* const kFrameNames[] = {"Hello", "message 1", "message 2", "message 3", "Welcome"};

// One run with fresh endpoints, XOR-ing `mask` into byte `pos` of frame `index`.
PumpResult run_with_flip(const TestDeal& deal, size_t index, size_t pos, uint8_t mask) {
    auto init = make_initiator(deal.seller, TestDeal::credentials(deal.seller), deal.trust);
    auto resp = make_responder(deal.buyer, TestDeal::credentials(deal.buyer), deal.trust);
    return pump(init, resp, [&](size_t i, Bytes& encoded) {
        if (i == index) encoded.at(pos) ^= mask;
    });
}

// Who receives frame `index`: the initiator gets message 2 and the Welcome, the responder the rest.
const SideResult& receiver_of(const PumpResult& r, size_t index) {
    return index == 2 || index == 4 ? r.initiator : r.responder;
}

TEST_CASE("flipping any single byte of any handshake frame stops the session", "[session][tamper]") {
    const TestDeal deal;
    std::vector<Bytes> genuine;
    {
        auto init = make_initiator(deal.seller, TestDeal::credentials(deal.seller), deal.trust);
        auto resp = make_responder(deal.buyer, TestDeal::credentials(deal.buyer), deal.trust);
        auto r = pump(init, resp);
        REQUIRE(r.initiator.established());
        REQUIRE(r.responder.established());
        genuine = r.encoded_frames;
    }
    REQUIRE(genuine.size() == 5);

    // Every bit of a byte (0xff), and the lowest bit alone (0x01), which keeps most lengths and
    // protobuf tags plausible and so probes the checks behind the parsers.
    for (uint8_t mask : {uint8_t{0xff}, uint8_t{0x01}}) {
        for (size_t index = 0; index < genuine.size(); ++index) {
            size_t failed = 0, waiting = 0;
            for (size_t pos = 0; pos < genuine[index].size(); ++pos) {
                auto r = run_with_flip(deal, index, pos, mask);
                if (r.initiator.established() && r.responder.established())
                    FAIL_CHECK(kFrameNames[index] << " byte " << pos << " mask " << int(mask)
                                                  << ": both sides established");
                if (receiver_of(r, index).established())
                    FAIL_CHECK(kFrameNames[index] << " byte " << pos << " mask " << int(mask)
                                                  << ": its receiver established");
                if (r.initiator.error || r.initiator.refused() || r.responder.error || r.responder.refused())
                    ++failed;
                else if (r.initiator.undelivered > 0 || r.responder.undelivered > 0)
                    ++waiting;  // a length that grew: the receiver waits for bytes never sent
            }
            INFO(kFrameNames[index] << " mask " << int(mask));
            // Every run ends with a side failing, or a side waiting on a partial frame; only a
            // flip in the 4-byte length can leave a side waiting.
            CHECK(failed + waiting == genuine[index].size());
            CHECK(waiting <= kFrameHeader);
        }
    }
}

TEST_CASE("a truncated handshake frame makes its receiver fail", "[session][tamper]") {
    const TestDeal deal;
    for (size_t index = 1; index < 5; ++index) {
        INFO(kFrameNames[index]);
        auto init = make_initiator(deal.seller, TestDeal::credentials(deal.seller), deal.trust);
        auto resp = make_responder(deal.buyer, TestDeal::credentials(deal.buyer), deal.trust);
        auto r = pump(init, resp, [&](size_t i, Bytes& encoded) {
            if (i != index) return;
            encoded.pop_back();  // one byte short, with the length corrected to match
            encoded[3] = static_cast<uint8_t>(encoded[3] - 1);
            if (encoded[3] == 0xff) encoded[2] = static_cast<uint8_t>(encoded[2] - 1);
        });
        const SideResult& receiver = receiver_of(r, index);
        CHECK(receiver.error);
        CHECK_FALSE(r.initiator.established());
    }
}

TEST_CASE("a handshake frame delivered twice is rejected", "[session][tamper]") {
    const TestDeal deal;
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
    REQUIRE(resp.on_frame(payload(1)));
    CHECK_FALSE(resp.on_frame(payload(1)));  // message 1 again where message 3 belongs

    auto init = make_initiator(deal.seller, TestDeal::credentials(deal.seller), deal.trust);
    REQUIRE(init.start());
    REQUIRE(init.on_frame(payload(2)));
    CHECK_FALSE(init.on_frame(payload(2)));  // message 2 again where the Welcome belongs
}

}  // namespace
}  // namespace baton::session
