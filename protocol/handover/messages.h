// Transfer messages of a handover session (docs/handover.md "Session flow"). They travel as
// further cases of session::SessionMessage (protocol/wire.proto, fields 5 and up), each in one
// Noise transport message. Statements inside are encoded envelopes (statements.h), kept as bytes
// so the receiver verifies exactly what was sent.
#pragma once

#include <cstdint>
#include <vector>

#include "core/bytes.h"
#include "core/crypto.h"

namespace baton::handover {

// Largest piece of a chunk in one ChunkPart: a transport message is at most 65535 bytes, less
// the 16-byte tag and the protobuf framing of the other fields (< 40 bytes).
inline constexpr size_t kMaxChunkPart = 65000;
// Most hashes in one ChunkHashes message (32 bytes each: 32 KiB).
inline constexpr size_t kMaxHashesPerMessage = 1024;
inline constexpr size_t kMaxReceiptsInStatus = 8;
inline constexpr size_t kMaxSealedKeyBytes = 128;

// seller -> buyer: the signed plan. The buyer answers PlanAgree or a Refusal.
struct PlanPropose { Bytes plan; };
// buyer -> seller: the signed countersignature of that plan.
struct PlanAgree { Bytes countersign; };
// seller -> buyer: the signed manifest of stage `stage_number` of the agreed plan.
struct StageOffer { Bytes manifest; };
// seller -> buyer: "tell me where stage N stands" (resume, and polling for a manual acceptance).
struct StageQuery { uint32_t stage_number = 0; };

enum class StagePhase : uint32_t {
    unknown = 0,     // the buyer holds no manifest for this stage
    need_hashes = 1, // manifest seen, chunk hashes not yet held
    receiving = 2,   // hashes held; chunks_held chunks committed (a prefix 0..chunks_held-1)
    delivered = 3,   // every chunk held, delivered receipt signed
    verified = 4,    // key received, records checked, verified receipt signed (awaiting acceptance)
    accepted = 5,
    rejected = 6,
};
// buyer -> seller: what the buyer durably holds for a stage, with every receipt it has signed
// for it (encoded envelopes, in the order signed).
struct StageStatus {
    uint32_t stage_number = 0;
    StagePhase phase = StagePhase::unknown;
    uint32_t chunks_held = 0;
    std::vector<Bytes> receipts;
};
// seller -> buyer: chunk hashes (merkle leaf hashes) first .. first+size-1 of a stage.
struct ChunkHashes {
    uint32_t stage_number = 0;
    uint32_t first = 0;
    std::vector<crypto::Digest32> hashes;
};
// seller -> buyer: bytes [offset, offset+data.size()) of chunk `index`'s ciphertext; `last`
// marks the chunk's final piece.
struct ChunkPart {
    uint32_t stage_number = 0;
    uint32_t index = 0;
    uint32_t offset = 0;
    Bytes data;
    bool last = false;
};
// buyer -> seller: chunks 0..held-1 of the stage are committed.
struct ChunkAck {
    uint32_t stage_number = 0;
    uint32_t held = 0;
};
// buyer -> seller: one signed receipt.
struct ReceiptMessage { Bytes receipt; };
// seller -> buyer: the signed key release and the content key sealed to the buyer.
struct KeyReleaseMessage {
    Bytes statement;
    Bytes sealed_key;
};

}  // namespace baton::handover
