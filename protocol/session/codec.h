// The session's messages as validated structs, and their protobuf encoding (protocol/wire.proto).
// This is the only file of the session layer that sees generated protobuf types. Decoders bound
// every field and refuse unknown fields.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "core/bytes.h"

namespace baton::session {

constexpr uint32_t kProtocolVersion = 1;

struct Refusal {
    std::string code;    // stable snake_case, at most 64 bytes
    std::string detail;  // for people, at most 1024 bytes
};

struct HandshakePayload {
    Bytes certificate;
    Bytes static_signature;
    std::optional<Refusal> refusal;
};

struct Welcome {};
struct Ping { uint64_t id = 0; };
struct Pong { uint64_t id = 0; };
using SessionMessage = std::variant<Welcome, Refusal, Ping, Pong>;

Bytes encode_hello(std::string_view deal);
// Returns the deal. Fails (bad_input) on a malformed hello or another protocol version.
Result<std::string> decode_hello(ByteView frame);

Bytes encode_handshake_payload(const HandshakePayload& p);
Result<HandshakePayload> decode_handshake_payload(ByteView bytes);

Bytes encode_session_message(const SessionMessage& m);
Result<SessionMessage> decode_session_message(ByteView bytes);

}  // namespace baton::session
