// The two ends of chunk delivery (protocol/handover/delivery.h): the seller's window bounds what
// is in flight (and so what an interruption re-sends), and the buyer's assembler accepts parts
// only in order and a chunk only when it matches its manifest hash.
#include <catch2/catch.hpp>

#include "core/merkle.h"
#include "protocol/handover/delivery.h"

namespace baton::handover {
namespace {

TEST_CASE("the delivery window keeps at most W chunks beyond the buyer's acknowledgement", "[handover][delivery]") {
    DeliveryWindow w(10, 3, 0);
    std::vector<uint32_t> sent;
    while (w.can_send()) sent.push_back(w.take_next());
    CHECK(sent == std::vector<uint32_t>{0, 1, 2});
    CHECK_FALSE(w.done());

    REQUIRE(w.on_ack(2).ok());  // the buyer holds 0 and 1: two more may go
    while (w.can_send()) sent.push_back(w.take_next());
    CHECK(sent == std::vector<uint32_t>{0, 1, 2, 3, 4});

    SECTION("an acknowledgement may not go backwards") {
        auto r = w.on_ack(1);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().kind() == ErrorKind::bad_input);
        CHECK(r.error().message() == "acknowledgement went backwards (1 after 2)");
        CHECK(w.acknowledged() == 2);
    }
    SECTION("nor claim a chunk not sent yet") {
        auto r = w.on_ack(6);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message() == "acknowledgement of chunk 6 not yet sent");
        CHECK(w.acknowledged() == 2);
    }
    SECTION("it ends when every chunk is acknowledged, never sending past the count") {
        for (uint32_t acked = 5; !w.done(); acked = w.sent()) {
            REQUIRE(w.on_ack(acked).ok());
            while (w.can_send()) sent.push_back(w.take_next());
            if (w.sent() == 10) REQUIRE(w.on_ack(10).ok());
        }
        CHECK(sent.size() == 10);
        CHECK(sent.back() == 9);
        CHECK_FALSE(w.can_send());
    }
}

TEST_CASE("a resumed window starts at what the buyer holds; a zero window still moves", "[handover][delivery]") {
    DeliveryWindow resumed(10, 8, 7);
    REQUIRE(resumed.can_send());
    CHECK(resumed.take_next() == 7);
    CHECK(resumed.acknowledged() == 7);

    DeliveryWindow all_held(4, 8, 4);
    CHECK(all_held.done());
    CHECK_FALSE(all_held.can_send());

    DeliveryWindow zero(3, 0, 0);
    REQUIRE(zero.can_send());
    (void)zero.take_next();
    CHECK_FALSE(zero.can_send());
}

// Three chunks of distinct bytes, the last one short, and their manifest leaf hashes.
struct Chunks {
    std::vector<Bytes> data{Bytes(100, 0xa1), Bytes(100, 0xb2), Bytes(40, 0xc3)};
    std::vector<crypto::Digest32> hashes;
    Chunks() {
        for (const auto& c : data) {
            const auto leaf = merkle::leaf_hash(merkle::blake2b_256_hasher(), c);
            crypto::Digest32 d;
            std::copy(leaf.begin(), leaf.end(), d.begin());
            hashes.push_back(d);
        }
    }
};

ChunkPart part(uint32_t index, uint32_t offset, ByteView bytes, bool last, uint32_t stage = 1) {
    return ChunkPart{stage, index, offset, Bytes(bytes.begin(), bytes.end()), last};
}

TEST_CASE("the assembler puts chunks back together from parts in order", "[handover][delivery]") {
    Chunks c;
    ChunkAssembler a(1, c.hashes, 100 + 16, 0);
    for (uint32_t i = 0; i < 3; ++i) {
        const ByteView whole = c.data[i];
        auto first = a.add(part(i, 0, whole.first(30), false));
        REQUIRE(first.ok());
        CHECK_FALSE(first->has_value());
        CHECK(a.partial_bytes() == 30);
        auto rest = a.add(part(i, 30, whole.subspan(30), true));
        REQUIRE(rest.ok());
        REQUIRE(rest->has_value());
        CHECK(**rest == c.data[i]);
        CHECK(a.next_index() == i + 1);
        CHECK(a.partial_bytes() == 0);
    }
    // Nothing after the last chunk.
    auto extra = a.add(part(3, 0, c.data[0], true));
    REQUIRE_FALSE(extra.ok());
    CHECK(extra.error().message() == "chunk 3 arrived, expected chunk 3");
}

void require_refused(const Result<std::optional<Bytes>>& r, ErrorKind kind, const std::string& message) {
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind() == kind);
    CHECK(r.error().message() == message);
}

TEST_CASE("the assembler refuses parts out of order, too large, or a chunk that is not the manifest's",
          "[handover][delivery]") {
    Chunks c;
    ChunkAssembler a(1, c.hashes, 100 + 16, 1);  // resumed: the buyer holds chunk 0

    SECTION("a part for another stage") {
        require_refused(a.add(part(1, 0, c.data[1], true, 0)), ErrorKind::bad_input,
                        "a chunk part for stage 0 arrived during stage 1");
    }
    SECTION("a chunk the buyer already holds") {
        require_refused(a.add(part(0, 0, c.data[0], true)), ErrorKind::bad_input, "chunk 0 arrived, expected chunk 1");
    }
    SECTION("a gap inside a chunk") {
        REQUIRE(a.add(part(1, 0, ByteView(c.data[1]).first(10), false)).ok());
        require_refused(a.add(part(1, 20, ByteView(c.data[1]).subspan(20), true)), ErrorKind::bad_input,
                        "chunk 1: a part at offset 20, expected 10");
    }
    SECTION("a chunk over the size bound") {
        require_refused(a.add(part(1, 0, Bytes(117, 0xb2), false)), ErrorKind::bad_input,
                        "chunk 1 is larger than the manifest's chunk size");
    }
    SECTION("a chunk whose bytes do not match its hash") {
        Bytes flipped = c.data[1];
        flipped[50] ^= 0x01;
        require_refused(a.add(part(1, 0, flipped, true)), ErrorKind::verify_failed,
                        "chunk 1 does not match its manifest hash");
    }
    // Whatever failed, the assembler is dead: not even the genuine chunk is taken after it.
    require_refused(a.add(part(1, 0, c.data[1], true)), ErrorKind::bad_input, "chunk delivery already failed");
    CHECK(a.next_index() == 1);
}

}  // namespace
}  // namespace baton::handover
