// The session codecs (protocol/wire.proto): round trips, and refusal of unknown fields, wrong
// versions and out-of-bounds sizes. Hostile inputs are written byte by byte here, since only
// the codec sees the generated protobuf types.
#include <catch2/catch.hpp>

#include "certs/types.h"
#include "protocol/session/codec.h"

namespace baton::session {
namespace {

void put_varint(Bytes& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<uint8_t>(v | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<uint8_t>(v));
}

// A length-delimited field (wire type 2).
Bytes field(uint32_t number, ByteView data) {
    Bytes out;
    put_varint(out, (uint64_t{number} << 3) | 2);
    put_varint(out, data.size());
    append(out, data);
    return out;
}
Bytes field(uint32_t number, std::string_view text) { return field(number, as_bytes(text)); }

// A varint field (wire type 0).
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

const Bytes kSignature(64, 0x5a);

Bytes payload_bytes(size_t cert_size, size_t sig_size) {
    return concat({field(1, Bytes(cert_size, 0x11)), field(2, Bytes(sig_size, 0x22))});
}

Bytes error_message(const std::string& code, const std::string& detail) {
    return field(2, concat({field(1, code), field(2, detail)}));  // SessionMessage.error
}

// ---- Hello ------------------------------------------------------------------------------------

TEST_CASE("a Hello round-trips its deal and is exactly version then deal", "[session][codec]") {
    Bytes hello = encode_hello("D-2026-001");
    CHECK(hello == concat({varint_field(1, kProtocolVersion), field(2, "D-2026-001")}));
    CHECK(decode_hello(hello).value() == "D-2026-001");
}

TEST_CASE("a Hello of another version, with an unknown field or a bad deal id is refused", "[session][codec]") {
    const Bytes deal = field(2, "D-2026-001");
    const Bytes bad = GENERATE_COPY(concat({varint_field(1, 0), deal}), concat({varint_field(1, 2), deal}),
                                    concat({varint_field(1, 1), deal, varint_field(9, 1)}),
                                    concat({varint_field(1, 1), field(2, "")}),
                                    concat({varint_field(1, 1), field(2, "D 2026")}),
                                    concat({varint_field(1, 1), field(2, std::string(65, 'D'))}),
                                    Bytes{0x08},                 // truncated
                                    Bytes{0xff, 0xff, 0xff, 0xff});  // not protobuf
    auto decoded = decode_hello(bad);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().kind() == ErrorKind::bad_input);
}

// ---- HandshakePayload --------------------------------------------------------------------------

TEST_CASE("a handshake payload round-trips a certificate and signature, or a refusal", "[session][codec]") {
    HandshakePayload p{Bytes(300, 7), kSignature, std::nullopt};
    auto back = decode_handshake_payload(encode_handshake_payload(p));
    REQUIRE(back);
    CHECK(back->certificate == p.certificate);
    CHECK(back->static_signature == p.static_signature);
    CHECK_FALSE(back->refusal);

    auto refusal = decode_handshake_payload(encode_handshake_payload({{}, {}, Refusal{"expired", "at noon"}}));
    REQUIRE(refusal);
    REQUIRE(refusal->refusal);
    CHECK(refusal->refusal->code == "expired");
    CHECK(refusal->refusal->detail == "at noon");
}

TEST_CASE("a handshake payload's certificate may be up to 16 KiB and its signature exactly 64 bytes",
          "[session][codec]") {
    CHECK(decode_handshake_payload(payload_bytes(certs::kMaxEnvelopeBytes, 64)));
    const Bytes bad = GENERATE(payload_bytes(certs::kMaxEnvelopeBytes + 1, 64), payload_bytes(0, 64),
                               payload_bytes(300, 63), payload_bytes(300, 65), payload_bytes(300, 0));
    auto decoded = decode_handshake_payload(bad);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().kind() == ErrorKind::bad_input);
}

TEST_CASE("a handshake payload with an unknown field is refused, even inside its refusal", "[session][codec]") {
    CHECK_FALSE(decode_handshake_payload(concat({payload_bytes(300, 64), varint_field(15, 1)})));
    CHECK(decode_handshake_payload(field(3, field(1, "expired"))));
    CHECK_FALSE(decode_handshake_payload(field(3, concat({field(1, "expired"), varint_field(7, 1)}))));
}

TEST_CASE("a refusal needs a code of 1..64 bytes and a detail of at most 1024", "[session][codec]") {
    const Bytes largest = concat({field(1, std::string(64, 'c')), field(2, std::string(1024, 'd'))});
    CHECK(decode_handshake_payload(field(3, largest)));
    const Bytes bad = GENERATE(field(3, field(2, "no code")), field(3, field(1, std::string(65, 'c'))),
                               field(3, concat({field(1, "expired"), field(2, std::string(1025, 'd'))})));
    CHECK_FALSE(decode_handshake_payload(bad));
}

// ---- SessionMessage ----------------------------------------------------------------------------

TEST_CASE("each session message kind round-trips", "[session][codec]") {
    CHECK(std::holds_alternative<Welcome>(decode_session_message(encode_session_message(Welcome{})).value()));
    CHECK(std::get<Ping>(decode_session_message(encode_session_message(Ping{9})).value()).id == 9);
    CHECK(std::get<Pong>(decode_session_message(encode_session_message(Pong{0})).value()).id == 0);
    auto r = decode_session_message(encode_session_message(Refusal{"revoked", "serial 4"}));
    REQUIRE(r);
    CHECK(std::get<Refusal>(*r).code == "revoked");
    CHECK(std::get<Refusal>(*r).detail == "serial 4");
}

TEST_CASE("a session message of no kind, an unknown kind or with unknown fields is refused", "[session][codec]") {
    const Bytes bad = GENERATE(Bytes{},                                           // no kind at all
                               field(99, Bytes{}),                                 // a kind from the future
                               concat({field(3, varint_field(1, 5)), varint_field(99, 1)}),
                               field(3, concat({varint_field(1, 5), varint_field(2, 1)})),  // inside Ping
                               field(1, varint_field(1, 1)),                       // inside Welcome
                               Bytes{0x1a, 0x05, 0x08});                            // truncated
    auto decoded = decode_session_message(bad);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().kind() == ErrorKind::bad_input);
}

TEST_CASE("an error message with a bad code or an oversized detail is refused", "[session][codec]") {
    CHECK(decode_session_message(error_message("wrong_role", "")));
    CHECK_FALSE(decode_session_message(error_message("", "why")));
    CHECK_FALSE(decode_session_message(error_message(std::string(65, 'c'), "")));
    CHECK_FALSE(decode_session_message(error_message("x", std::string(1025, 'd'))));
}

TEST_CASE("an oversized refusal is cut to the bounds on encoding and still decodes", "[session][codec]") {
    // The cut never splits a UTF-8 character: the wire's string fields must stay valid UTF-8.
    const std::string detail = std::string(1023, 'd') + "\xc3\xa9" + std::string(50, 'e');  // é at 1023..1024
    auto back = decode_session_message(encode_session_message(Refusal{std::string(70, 'c'), detail}));
    REQUIRE(back);
    const auto& r = std::get<Refusal>(*back);
    CHECK(r.code == std::string(64, 'c'));
    CHECK(r.detail == std::string(1023, 'd'));
}

}  // namespace
}  // namespace baton::session
