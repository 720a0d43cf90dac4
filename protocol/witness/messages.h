// Messages between a seller and the deal's witness, and the checkpoint notice the seller forwards
// to the buyer (docs/witness.md "Session messages"). They travel as further cases of
// session::SessionMessage (protocol/wire.proto fields 20-22). Statements and checkpoints are
// encoded envelopes kept as bytes; the receiver verifies them (protocol/witness/checkpoint.h).
#pragma once

#include <cstdint>
#include <vector>

#include "core/bytes.h"

namespace baton::witness {

// Most hashes in one proof: a tree of at most 2^64 leaves.
inline constexpr size_t kMaxProofHashes = 64;

// seller -> witness: one signed statement of the deal. `known_size` is the tree size of the
// latest checkpoint the seller verified (0: none), for the consistency proof.
struct WitnessSubmit {
    Bytes statement;
    uint64_t known_size = 0;
};

enum class SubmitOutcome : uint32_t {
    appended = 1,   // a new leaf at `index`
    duplicate = 2,  // the statement is the leaf at `index` already
    refused = 3,    // the witness logged `refusal` (its signed Refusal) at `index` instead
};

// witness -> seller: the answer to one WitnessSubmit. `checkpoint` is the witness's signed
// checkpoint over the whole log; `inclusion` proves the leaf at `index` (the statement, or the
// refusal) in it; `consistency` proves the tree of known_size leaves is its prefix (empty when
// known_size is 0 or the checkpoint's size). A submission that cannot be logged at all (no plan
// yet, not this witness's deal) is answered with a session Refusal instead.
struct WitnessReply {
    SubmitOutcome outcome = SubmitOutcome::appended;
    uint64_t index = 0;
    Bytes refusal;
    Bytes checkpoint;
    std::vector<Bytes> inclusion;    // 32 bytes each
    std::vector<Bytes> consistency;  // 32 bytes each
};

// seller -> buyer: a checkpoint of the deal's witness log (the buyer verifies and stores it).
struct CheckpointNotice {
    Bytes checkpoint;
};

}  // namespace baton::witness
