// The session's messages as validated structs, and their protobuf encoding (protocol/wire.proto).
// This is the only file of the session layer that sees generated protobuf types. Decoders bound
// every field and refuse unknown fields.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "core/bytes.h"
#include "protocol/handover/messages.h"
#include "protocol/witness/messages.h"

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
// Cases 0-3 are the session's own (wire fields 1-4); the handover's transfer messages follow
// (wire fields 5-14, in this order; docs/handover.md "Session flow"), then the witness's (wire
// fields 20-22; docs/witness.md).
using SessionMessage =
    std::variant<Welcome, Refusal, Ping, Pong, handover::PlanPropose, handover::PlanAgree, handover::StageOffer,
                 handover::StageQuery, handover::StageStatus, handover::ChunkHashes, handover::ChunkPart,
                 handover::ChunkAck, handover::ReceiptMessage, handover::KeyReleaseMessage, witness::WitnessSubmit,
                 witness::WitnessReply, witness::CheckpointNotice>;

Bytes encode_hello(std::string_view deal);
// Returns the deal. Fails (bad_input) on a malformed hello or another protocol version.
Result<std::string> decode_hello(ByteView frame);

Bytes encode_handshake_payload(const HandshakePayload& p);
Result<HandshakePayload> decode_handshake_payload(ByteView bytes);

Bytes encode_session_message(const SessionMessage& m);
// Fails (bad_input) on a malformed message, an unknown kind, unknown fields, or a handover
// message out of its bounds (messages.h): statements of 1..kMaxStatementBytes; a sealed key of
// kSealOverhead..kMaxSealedKeyBytes; stage numbers below kMaxStages; StageStatus with a known
// phase and at most kMaxReceiptsInStatus receipts; ChunkHashes of 1..kMaxHashesPerMessage
// 32-byte hashes; ChunkPart data of at most kMaxChunkPart bytes, empty only as the `last` piece
// at offset 0 (an empty chunk), and not reaching past 2^32; WitnessReply with a known outcome,
// a refusal exactly when refused, a checkpoint, and proofs of at most kMaxProofHashes 32-byte
// hashes each.
Result<SessionMessage> decode_session_message(ByteView bytes);

}  // namespace baton::session
