// Checking what a witness answers (docs/witness.md): its signed checkpoints, the inclusion of a
// leaf and the consistency of successive checkpoints. Pure. Used by the seller on every reply and
// by the buyer on every checkpoint the seller forwards.
#pragma once

#include <span>

#include "core/merkle.h"
#include "protocol/handover/statements.h"

namespace baton::witness {

// The latest checkpoint a party verified: the log's size and root then (size 0: none yet).
struct TreeHead {
    uint64_t size = 0;
    handover::Digest32 root{};
};

// Opens a checkpoint: signed by the plan's witness in the "checkpoint" context (auth), for the
// plan's deal and `plan_hash` (verify_failed). Fails (usage) when the plan names no witness.
Result<handover::Checkpoint> open_plan_checkpoint(const handover::Signed& checkpoint, const handover::Plan& plan,
                                                  const handover::Digest32& plan_hash);

// Ok when the checkpoint extends `held`: a larger or equal tree whose first held.size leaves
// have held.root, per `consistency` (RFC 9162; empty when held.size is 0 or equal). Fails
// (verify_failed) naming the sizes.
Status check_extends(const handover::Checkpoint& checkpoint, const TreeHead& held, std::span<const Bytes> consistency);

// Ok when `leaf_envelope` is the leaf at `index` of the checkpoint's tree, per `inclusion`.
// Fails (verify_failed) otherwise.
Status check_includes(const handover::Checkpoint& checkpoint, uint64_t index, ByteView leaf_envelope,
                      std::span<const Bytes> inclusion);

inline TreeHead head_of(const handover::Checkpoint& c) { return TreeHead{c.tree_size, c.root}; }

}  // namespace baton::witness
