// The handover's transfer messages as SessionMessage cases (wire fields 5-14): round trips,
// bounds, and the largest ChunkPart fitting one Noise transport message.
#include <catch2/catch.hpp>

#include "protocol/session/channel.h"
#include "tests/protocol/handover_test_support.h"
#include "tests/protocol/session_test_support.h"

namespace baton::session {
namespace {

namespace ho = handover;

void put_varint(Bytes& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<uint8_t>(v | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<uint8_t>(v));
}

Bytes field(uint32_t number, ByteView data) {
    Bytes out;
    put_varint(out, (uint64_t{number} << 3) | 2);
    put_varint(out, data.size());
    append(out, data);
    return out;
}

Bytes varint_field(uint32_t number, uint64_t v) {
    Bytes out;
    put_varint(out, uint64_t{number} << 3);
    put_varint(out, v);
    return out;
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) append(out, p);
    return out;
}

// A SessionMessage whose oneof field `number` holds `inner`.
Bytes message(uint32_t number, const Bytes& inner) { return field(number, inner); }

SessionMessage round_trip(const SessionMessage& m) {
    const Bytes encoded = encode_session_message(m);
    auto back = decode_session_message(encoded);
    REQUIRE(back);
    CHECK(back->index() == m.index());
    CHECK(encode_session_message(*back) == encoded);
    return std::move(back).value();
}

void require_refused(const Bytes& bytes, const std::string& names) {
    auto r = decode_session_message(bytes);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind() == ErrorKind::bad_input);
    CHECK_THAT(r.error().message(), Catch::Contains(names));
}

// ---- round trips ---------------------------------------------------------------------------------

TEST_CASE("every handover message round-trips as a session message", "[handover][codec]") {
    const ho::test::Parties p;
    const auto s = ho::test::sample_statements(p);
    const Bytes plan = ho::encode_signed(s.plan);
    const Bytes receipt = ho::encode_signed(s.delivered);

    auto propose = std::get<ho::PlanPropose>(round_trip(ho::PlanPropose{plan}));
    CHECK(propose.plan == plan);
    CHECK(std::get<ho::PlanAgree>(round_trip(ho::PlanAgree{ho::encode_signed(s.countersign)})).countersign ==
          ho::encode_signed(s.countersign));
    CHECK(std::get<ho::StageOffer>(round_trip(ho::StageOffer{ho::encode_signed(s.manifest)})).manifest ==
          ho::encode_signed(s.manifest));
    CHECK(std::get<ho::StageQuery>(round_trip(ho::StageQuery{3})).stage_number == 3);

    auto status = std::get<ho::StageStatus>(
        round_trip(ho::StageStatus{1, ho::StagePhase::verified, 12, {receipt, ho::encode_signed(s.rejected)}}));
    CHECK(status.stage_number == 1);
    CHECK(status.phase == ho::StagePhase::verified);
    CHECK(status.chunks_held == 12);
    REQUIRE(status.receipts.size() == 2);
    CHECK(status.receipts[0] == receipt);

    std::vector<crypto::Digest32> hashes(ho::kMaxHashesPerMessage);
    for (size_t i = 0; i < hashes.size(); ++i) hashes[i].fill(static_cast<uint8_t>(i));
    auto h = std::get<ho::ChunkHashes>(round_trip(ho::ChunkHashes{2, 1024, hashes}));
    CHECK(h.first == 1024);
    CHECK(h.hashes == hashes);

    auto part = std::get<ho::ChunkPart>(round_trip(ho::ChunkPart{1, 7, 65000, Bytes(500, 0xc3), true}));
    CHECK(part.index == 7);
    CHECK(part.offset == 65000);
    CHECK(part.data == Bytes(500, 0xc3));
    CHECK(part.last);

    auto ack = std::get<ho::ChunkAck>(round_trip(ho::ChunkAck{1, 9}));
    CHECK(ack.held == 9);
    CHECK(std::get<ho::ReceiptMessage>(round_trip(ho::ReceiptMessage{receipt})).receipt == receipt);

    const Bytes sealed = crypto::seal_to_identity(p.buyer.public_key, Bytes(32, 1)).value();
    auto release =
        std::get<ho::KeyReleaseMessage>(round_trip(ho::KeyReleaseMessage{ho::encode_signed(s.key_release), sealed}));
    CHECK(release.sealed_key == sealed);
    CHECK(release.statement == ho::encode_signed(s.key_release));
}

TEST_CASE("every stage phase round-trips; an empty chunk is one empty last part", "[handover][codec]") {
    for (auto phase : {ho::StagePhase::unknown, ho::StagePhase::need_hashes, ho::StagePhase::receiving,
                       ho::StagePhase::delivered, ho::StagePhase::verified, ho::StagePhase::accepted,
                       ho::StagePhase::rejected})
        CHECK(std::get<ho::StageStatus>(round_trip(ho::StageStatus{0, phase, 0, {}})).phase == phase);
    auto empty = std::get<ho::ChunkPart>(round_trip(ho::ChunkPart{0, 0, 0, {}, true}));
    CHECK(empty.data.empty());
    CHECK(empty.last);
}

TEST_CASE("the session's own messages still decode as before", "[handover][codec]") {
    CHECK(std::holds_alternative<Welcome>(round_trip(Welcome{})));
    CHECK(std::get<Ping>(round_trip(Ping{5})).id == 5);
    CHECK(std::get<Refusal>(round_trip(Refusal{"done", ""})).code == "done");
}

// ---- bounds ----------------------------------------------------------------------------------------

TEST_CASE("statements in messages must be 1 to kMaxStatementBytes", "[handover][codec][bounds]") {
    for (uint32_t f : {5u, 6u, 7u, 13u}) {
        INFO("field " << f);
        require_refused(message(f, field(1, Bytes{})), "must be 1 to 60000 bytes");
        require_refused(message(f, field(1, Bytes(ho::kMaxStatementBytes + 1, 1))), "must be 1 to 60000 bytes");
        CHECK(decode_session_message(message(f, field(1, Bytes(ho::kMaxStatementBytes, 1)))));
    }
}

TEST_CASE("a key release needs a statement and a sealed key of sane size", "[handover][codec][bounds]") {
    const Bytes statement = field(1, Bytes(100, 1));
    CHECK(decode_session_message(message(14, concat({statement, field(2, Bytes(80, 2))}))));
    require_refused(message(14, concat({statement, field(2, Bytes(47, 2))})), "key_release.sealed_key");
    require_refused(message(14, concat({statement, field(2, Bytes(ho::kMaxSealedKeyBytes + 1, 2))})),
                    "key_release.sealed_key");
    require_refused(message(14, field(2, Bytes(80, 2))), "key_release.statement");
}

TEST_CASE("a stage status with an unknown phase or too many receipts is refused", "[handover][codec][bounds]") {
    require_refused(message(9, varint_field(2, 7)), "stage_status.phase is unknown");
    require_refused(message(9, varint_field(2, 1u << 20)), "stage_status.phase is unknown");
    Bytes receipts;
    for (size_t i = 0; i < ho::kMaxReceiptsInStatus + 1; ++i) append(receipts, field(4, Bytes(10, 1)));
    require_refused(message(9, receipts), "stage_status.receipts holds more than 8");
    require_refused(message(9, field(4, Bytes{})), "stage_status.receipts");
    require_refused(message(9, varint_field(1, ho::kMaxStages)), "stage_status.stage_number");
}

TEST_CASE("chunk hashes must be 1 to 1024 hashes of exactly 32 bytes", "[handover][codec][bounds]") {
    require_refused(message(10, varint_field(2, 5)), "chunk_hashes.hashes must hold 1 to 1024");
    Bytes many;
    for (size_t i = 0; i < ho::kMaxHashesPerMessage + 1; ++i) append(many, field(3, Bytes(32, 1)));
    require_refused(message(10, many), "chunk_hashes.hashes must hold 1 to 1024");
    for (size_t n : {size_t{0}, size_t{31}, size_t{33}})
        require_refused(message(10, concat({field(3, Bytes(32, 1)), field(3, Bytes(n, 1))})),
                        "chunk_hashes.hashes[1] must be 32 bytes");
    require_refused(message(10, concat({varint_field(2, 0xffffffff), field(3, Bytes(32, 1)), field(3, Bytes(32, 1))})),
                    "chunk_hashes.first");
}

TEST_CASE("chunk parts are bounded and empty only as an empty chunk", "[handover][codec][bounds]") {
    require_refused(message(11, field(4, Bytes(ho::kMaxChunkPart + 1, 1))), "chunk_part.data is larger than 65000");
    require_refused(message(11, varint_field(2, 3)), "chunk_part.data is empty");                   // not last
    require_refused(message(11, concat({varint_field(3, 10), varint_field(5, 1)})), "chunk_part.data is empty");
    require_refused(message(11, concat({varint_field(3, 0xffffffff), field(4, Bytes(2, 1))})), "chunk_part.offset");
    CHECK(decode_session_message(message(11, field(4, Bytes(ho::kMaxChunkPart, 1)))));
}

TEST_CASE("handover messages with unknown fields are refused", "[handover][codec][bounds]") {
    for (uint32_t f = 5; f <= 14; ++f) {
        INFO("field " << f);
        require_refused(message(f, varint_field(15, 1)), "malformed");
    }
    require_refused(message(15, Bytes{}), "malformed");  // a SessionMessage case from the future
    require_refused(Bytes{}, "unknown kind");
}

TEST_CASE("a stage query or chunk ack names a stage within the plan's limit", "[handover][codec][bounds]") {
    require_refused(message(8, varint_field(1, 64)), "stage_query.stage_number");
    require_refused(message(12, varint_field(1, 1000)), "chunk_ack.stage_number");
}

// ---- one transport message ---------------------------------------------------------------------

std::pair<SecureChannel, SecureChannel> channel_pair() {
    auto config = [](noise::Role role, uint8_t static_seed, uint8_t eph_seed) {
        noise::HandshakeConfig c;
        c.protocol_name = kNoiseProtocol;
        c.role = role;
        c.local_static = test::fixed_key(static_seed);
        c.ephemeral = [eph_seed] { return test::fixed_key(eph_seed); };
        return c;
    };
    auto init = noise::HandshakeState::create(config(noise::Role::initiator, 0x10, 0x20)).value();
    auto resp = noise::HandshakeState::create(config(noise::Role::responder, 0x40, 0x50)).value();
    REQUIRE(resp.read_message(init.write_message({}).value()));
    REQUIRE(init.read_message(resp.write_message({}).value()));
    REQUIRE(resp.read_message(init.write_message({}).value()));
    return {SecureChannel(init.split().value()), SecureChannel(resp.split().value())};
}

TEST_CASE("the largest chunk part, hash list and status each fit one Noise transport message", "[handover][codec]") {
    auto [seller, buyer] = channel_pair();
    const uint32_t big = 0xffffffffu - ho::kMaxChunkPart;  // varints at their longest
    const SessionMessage part = ho::ChunkPart{ho::kMaxStages - 1, big, big, Bytes(ho::kMaxChunkPart, 0xee), true};
    CHECK(encode_session_message(part).size() <= 65028);  // docs/protocol.md
    auto sealed = seller.seal(part);
    REQUIRE(sealed);
    CHECK(sealed->size() <= noise::kMaxMessage);
    auto opened = buyer.open(*sealed);
    REQUIRE(opened);
    CHECK(std::get<ho::ChunkPart>(*opened).data.size() == ho::kMaxChunkPart);

    const SessionMessage hashes = ho::ChunkHashes{ho::kMaxStages - 1, 0xffffffffu - 1024,
                                                  std::vector<crypto::Digest32>(ho::kMaxHashesPerMessage)};
    REQUIRE(seller.seal(hashes));

    // A status with eight receipts: the receipts a buyer signs are far below the statement bound.
    const ho::test::Parties p;
    const Bytes receipt = ho::encode_signed(ho::test::sample_statements(p).rejected);
    CHECK(receipt.size() < 1024);
    const SessionMessage status = ho::StageStatus{1, ho::StagePhase::rejected, 0xffffffffu,
                                                  std::vector<Bytes>(ho::kMaxReceiptsInStatus, receipt)};
    REQUIRE(seller.seal(status));
}

}  // namespace
}  // namespace baton::session
