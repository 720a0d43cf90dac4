// FrameDecoder: 4-byte big-endian lengths on a byte stream. Frames reassemble from any split;
// a length outside 1..65535 is refused from the header alone, before anything is reserved.
#include <catch2/catch.hpp>

#include "protocol/session/frame.h"

namespace baton::session {
namespace {

Bytes payload_of(size_t n, uint8_t seed) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 7);
    return b;
}

const std::vector<Bytes> kFrames = {payload_of(1, 1), payload_of(5, 2), payload_of(300, 3), payload_of(2, 4)};

Bytes stream_of(const std::vector<Bytes>& frames) {
    Bytes s;
    for (const auto& f : frames) append(s, encode_frame(f));
    return s;
}

// Feeds `chunks` one by one, collecting every complete frame. REQUIREs no decoding error.
std::vector<Bytes> decode_all(FrameDecoder& d, const std::vector<ByteView>& chunks) {
    std::vector<Bytes> out;
    for (auto chunk : chunks) {
        d.feed(chunk);
        for (;;) {
            auto next = d.next();
            REQUIRE(next);
            if (!*next) break;
            out.push_back(std::move(**next));
        }
    }
    return out;
}

Bytes header(uint32_t len) {
    Bytes h;
    put_u32_be(h, len);
    return h;
}

TEST_CASE("a frame is its length as 4 bytes big-endian, then the payload", "[session][frame]") {
    CHECK(encode_frame(to_bytes("abc")) == Bytes{0, 0, 0, 3, 'a', 'b', 'c'});
    Bytes largest = encode_frame(Bytes(kMaxFrame, 9));
    CHECK(Bytes(largest.begin(), largest.begin() + 4) == Bytes{0, 0, 0xff, 0xff});
}

TEST_CASE("frames split at every byte boundary reassemble", "[session][frame]") {
    const Bytes stream = stream_of(kFrames);
    for (size_t cut = 0; cut <= stream.size(); ++cut) {
        FrameDecoder d;
        ByteView all(stream);
        INFO("cut at " << cut);
        CHECK(decode_all(d, {all.first(cut), all.subspan(cut)}) == kFrames);
        CHECK(d.buffered() == 0);
    }
}

TEST_CASE("frames fed one byte at a time reassemble", "[session][frame]") {
    const Bytes stream = stream_of(kFrames);
    std::vector<ByteView> bytes;
    for (size_t i = 0; i < stream.size(); ++i) bytes.push_back(ByteView(stream).subspan(i, 1));
    FrameDecoder d;
    CHECK(decode_all(d, bytes) == kFrames);
}

TEST_CASE("a partial frame waits for the rest and holds only what was fed", "[session][frame]") {
    FrameDecoder d;
    Bytes stream = encode_frame(payload_of(100, 5));
    d.feed(ByteView(stream).first(50));
    auto next = d.next();
    REQUIRE(next);
    CHECK_FALSE(*next);
    CHECK(d.buffered() == 50);
    d.feed(ByteView(stream).subspan(50));
    CHECK(d.next().value().value() == payload_of(100, 5));
}

TEST_CASE("a frame of the largest length 65535 is accepted", "[session][frame]") {
    FrameDecoder d;
    d.feed(encode_frame(Bytes(kMaxFrame, 1)));
    CHECK(d.next().value().value().size() == kMaxFrame);
}

TEST_CASE("a length of 0 or over 65535 is refused from the header alone", "[session][frame]") {
    const uint32_t bad = GENERATE(0u, uint32_t{kMaxFrame} + 1, 0x00ffffffu, 0xffffffffu);
    INFO("length " << bad);
    FrameDecoder d;
    d.feed(header(bad));  // the header alone, with no body behind it
    auto next = d.next();
    REQUIRE_FALSE(next);
    CHECK(next.error().kind() == ErrorKind::bad_input);
    CHECK(d.buffered() == kFrameHeader);
}

TEST_CASE("a decoder that refused a length stays dead and holds no more bytes", "[session][frame]") {
    FrameDecoder d;
    d.feed(header(0xffffffffu));
    REQUIRE_FALSE(d.next());
    // The peer keeps sending: nothing is buffered, and nothing decodes, not even a good frame.
    for (int i = 0; i < 100; ++i) d.feed(Bytes(1000, 0xee));
    d.feed(encode_frame(to_bytes("good")));
    CHECK(d.buffered() <= kFrameHeader);
    CHECK_FALSE(d.next());
}

TEST_CASE("a bad length after good frames is refused once the good frames are out", "[session][frame]") {
    FrameDecoder d;
    Bytes stream = stream_of({payload_of(3, 1)});
    append(stream, header(0));
    d.feed(stream);
    CHECK(d.next().value().value() == payload_of(3, 1));
    CHECK_FALSE(d.next());
}

TEST_CASE("a header split across feeds is refused as soon as it is complete", "[session][frame]") {
    FrameDecoder d;
    Bytes h = header(0xffffffffu);
    d.feed(ByteView(h).first(2));
    CHECK_FALSE(d.next().value());
    d.feed(ByteView(h).subspan(2));
    CHECK_FALSE(d.next());
}

}  // namespace
}  // namespace baton::session
