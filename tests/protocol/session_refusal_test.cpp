// Refusals: every reason a party is turned away has its own code, reported on BOTH sides — by the
// refusing side as its own verdict, and to the other side as refused_by_peer — whether the
// initiator refuses (it checks message 2) or the responder does (it checks message 3).
#include <catch2/catch.hpp>

#include "tests/protocol/session_test_support.h"

namespace baton::session {
namespace {

using namespace test;
using certs::Role;

constexpr uint64_t kRevokedSerial = 99;

// A seller that presents something the buyer must refuse, and the code the buyer must give.
struct BadSeller {
    std::string code;
    Credentials creds;
};

certs::Certificate with_last_byte_flipped(const certs::Certificate& good) {
    Bytes envelope = good.envelope;
    envelope.back() ^= 0x01;  // the signature is the envelope's last field
    auto cert = certs::decode_certificate(envelope);
    REQUIRE(cert);
    return std::move(cert).value();
}

std::vector<BadSeller> bad_sellers(const TestDeal& d) {
    const Party& s = d.seller;
    certs::Certificate garbage = s.certificate;
    garbage.envelope = to_bytes("not a certificate");
    return {
        // Shows another seller's (genuine, public) certificate but can only sign with its own key.
        {"wrong_static_key", TestDeal::credentials(s, d.second_seller.certificate)},
        {"wrong_deal", TestDeal::credentials(s, d.issue(s, Role::seller, {.deal = kOtherDeal}))},
        {"expired", TestDeal::credentials(s, d.issue(s, Role::seller, {.not_before = kNow - 9 * kDay,
                                                                        .not_after = kNow - kDay}))},
        {"expired", TestDeal::credentials(s, d.issue(s, Role::seller, {.not_after = kNow}))},  // exclusive end
        {"not_yet_valid", TestDeal::credentials(s, d.issue(s, Role::seller, {.not_before = kNow + 1}))},
        {"revoked", TestDeal::credentials(s, d.issue(s, Role::seller, {.serial = kRevokedSerial}))},
        {"unknown_authority", TestDeal::credentials(s, d.issue(s, Role::seller, {}, &d.rogue_authority))},
        {"bad_signature", TestDeal::credentials(s, with_last_byte_flipped(s.certificate))},
        {"malformed_certificate", TestDeal::credentials(s, garbage)},
    };
}

certs::TrustStore trust_with_revocation(const TestDeal& d) {
    certs::TrustStore trust = d.trust;
    trust.crls.push_back(certs::issue_revocation_list(d.authority, kDeal, 1, kNow - kDay, {kRevokedSerial}));
    return trust;
}

void check_refused(const SideResult& refuser, const SideResult& other, const std::string& code) {
    REQUIRE(refuser.refused());
    CHECK(refuser.refusal_code() == code);
    CHECK_FALSE(refuser.refused_by_peer());
    CHECK_FALSE(refuser.last->refusal->detail.empty());
    REQUIRE(other.refused());
    CHECK(other.refusal_code() == code);
    CHECK(other.refused_by_peer());
}

TEST_CASE("an initiator refuses a responder's bad certificate and the responder learns why", "[session][refusal]") {
    const TestDeal deal;
    const auto trust = trust_with_revocation(deal);
    auto cases = bad_sellers(deal);
    auto i = GENERATE_COPY(range(size_t{0}, cases.size()));
    INFO(cases[i].code);
    auto init = make_initiator(deal.buyer, TestDeal::credentials(deal.buyer), trust);
    auto resp = make_responder(deal.seller, cases[i].creds, trust);

    auto r = pump(init, resp);
    check_refused(r.initiator, r.responder, cases[i].code);
    CHECK(r.encoded_frames.size() == 4);  // the refusal travels in message 3
    CHECK_FALSE(init.take_channel());
    CHECK_FALSE(resp.take_channel());
}

TEST_CASE("a responder refuses an initiator's bad certificate and the initiator learns why", "[session][refusal]") {
    const TestDeal deal;
    const auto trust = trust_with_revocation(deal);
    auto cases = bad_sellers(deal);
    auto i = GENERATE_COPY(range(size_t{0}, cases.size()));
    INFO(cases[i].code);
    auto init = make_initiator(deal.seller, cases[i].creds, trust);
    auto resp = make_responder(deal.buyer, TestDeal::credentials(deal.buyer), trust);

    auto r = pump(init, resp);
    check_refused(r.responder, r.initiator, cases[i].code);
    CHECK(r.encoded_frames.size() == 5);  // the refusal travels encrypted after message 3
    CHECK_FALSE(init.take_channel());
    CHECK_FALSE(resp.take_channel());
}

TEST_CASE("a seller does not hold a session with another seller: wrong_role", "[session][refusal]") {
    const TestDeal deal;
    auto init = make_initiator(deal.seller, TestDeal::credentials(deal.seller), deal.trust);
    auto resp = make_responder(deal.second_seller, TestDeal::credentials(deal.second_seller), deal.trust);
    auto r = pump(init, resp);
    check_refused(r.initiator, r.responder, "wrong_role");
}

TEST_CASE("a witness does not hold a session with another witness: wrong_role", "[session][refusal]") {
    const TestDeal deal;
    auto other_witness = TestDeal::credentials(deal.second_seller, deal.issue(deal.second_seller, Role::witness));
    auto init = make_initiator(deal.witness, TestDeal::credentials(deal.witness), deal.trust);
    auto resp = make_responder(deal.second_seller, other_witness, deal.trust);
    auto r = pump(init, resp);
    check_refused(r.initiator, r.responder, "wrong_role");
}

TEST_CASE("a responder refuses wrong_role from an initiator that skipped its own check", "[session][refusal]") {
    const TestDeal deal;
    RawInitiator raw(deal.seller);
    auto resp = make_responder(deal.second_seller, TestDeal::credentials(deal.second_seller), deal.trust);
    REQUIRE(resp.on_frame(raw.hello()));
    auto msg2 = resp.on_frame(raw.msg1().value());
    REQUIRE(msg2);
    REQUIRE(msg2->frames.size() == 1);
    REQUIRE(raw.read_msg2(msg2->frames[0]));

    auto verdict = resp.on_frame(raw.msg3(signed_payload(deal.seller.identity, deal.seller.certificate,
                                                         deal.seller.noise_seed)).value());
    REQUIRE(verdict);
    CHECK(verdict->status == HandshakeStatus::refused);
    REQUIRE(verdict->refusal);
    CHECK(verdict->refusal->code == "wrong_role");
    CHECK_FALSE(verdict->refused_by_peer);
    REQUIRE(verdict->frames.size() == 1);
    auto told = raw.channel().value().open(verdict->frames[0]);
    REQUIRE(told);
    REQUIRE(std::holds_alternative<Refusal>(*told));
    CHECK(std::get<Refusal>(*told).code == "wrong_role");
}

TEST_CASE("a static key signed for another deal is refused as wrong_static_key", "[session][refusal]") {
    // The binding covers the deal, so a signature made in one deal's session is useless in another.
    const TestDeal deal;
    RawInitiator raw(deal.seller);
    auto resp = make_responder(deal.buyer, TestDeal::credentials(deal.buyer), deal.trust);
    REQUIRE(resp.on_frame(raw.hello()));
    auto msg2 = resp.on_frame(raw.msg1().value());
    REQUIRE(msg2);
    REQUIRE(raw.read_msg2(msg2->frames.at(0)));
    auto payload = signed_payload(deal.seller.identity, deal.seller.certificate, deal.seller.noise_seed, kOtherDeal);
    auto verdict = resp.on_frame(raw.msg3(payload).value());
    REQUIRE(verdict);
    REQUIRE(verdict->refusal);
    CHECK(verdict->refusal->code == "wrong_static_key");
}

TEST_CASE("a responder without a certificate for the deal refuses with no_certificate_for_deal",
          "[session][refusal]") {
    const TestDeal deal;
    auto init = make_initiator(deal.seller, TestDeal::credentials(deal.seller), deal.trust);
    auto resp = make_responder(deal.buyer, std::nullopt, deal.trust);
    auto r = pump(init, resp);
    check_refused(r.responder, r.initiator, "no_certificate_for_deal");
    CHECK(r.encoded_frames.size() == 3);  // the refusal travels in message 2
}

TEST_CASE("a refused handshake accepts no further frames", "[session][refusal]") {
    const TestDeal deal;
    auto init = make_initiator(deal.seller, TestDeal::credentials(deal.seller), deal.trust);
    auto resp = make_responder(deal.buyer, std::nullopt, deal.trust);
    auto r = pump(init, resp);
    REQUIRE(r.initiator.refused());
    CHECK_FALSE(init.on_frame(ByteView(r.encoded_frames[2]).subspan(kFrameHeader)));
    CHECK_FALSE(resp.on_frame(ByteView(r.encoded_frames[1]).subspan(kFrameHeader)));
}

}  // namespace
}  // namespace baton::session
