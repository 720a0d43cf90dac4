#include "protocol/witness/checkpoint.h"

namespace baton::witness {

using namespace baton::handover;

namespace {
const merkle::Hasher& hasher() { return merkle::blake2b_256_hasher(); }
}  // namespace

Result<Checkpoint> open_plan_checkpoint(const Signed& checkpoint, const Plan& plan, const Digest32& plan_hash) {
    if (!plan.witness) return usage_error("the plan of deal " + plan.deal + " names no witness");
    BATON_ASSIGN(Checkpoint c, open_checkpoint(checkpoint, plan.witness->key));
    if (c.deal != plan.deal) return verify_error("checkpoint: it is for deal " + c.deal + ", not " + plan.deal);
    if (c.plan_hash != plan_hash) return verify_error("checkpoint: it is for another plan of deal " + plan.deal);
    return c;
}

Status check_extends(const Checkpoint& checkpoint, const TreeHead& held, std::span<const Bytes> consistency) {
    if (held.size == 0) {
        if (!consistency.empty()) return verify_error("checkpoint: a consistency proof from the empty tree");
        return ok_status();
    }
    if (checkpoint.tree_size < held.size)
        return verify_error("checkpoint: the log shrank from " + std::to_string(held.size) + " to " +
                            std::to_string(checkpoint.tree_size) + " leaves");
    Status st = merkle::verify_consistency(hasher(), held.size, checkpoint.tree_size, consistency, held.root,
                                           checkpoint.root);
    if (!st)
        return verify_error("checkpoint of " + std::to_string(checkpoint.tree_size) +
                            " leaves is not consistent with the one of " + std::to_string(held.size) + ": " +
                            st.error().message());
    return ok_status();
}

Status check_includes(const Checkpoint& checkpoint, uint64_t index, ByteView leaf_envelope,
                      std::span<const Bytes> inclusion) {
    const Bytes leaf = merkle::leaf_hash(hasher(), leaf_envelope);
    Status st = merkle::verify_inclusion(hasher(), index, checkpoint.tree_size, leaf, inclusion, checkpoint.root);
    if (!st)
        return verify_error("checkpoint of " + std::to_string(checkpoint.tree_size) + " leaves does not include leaf " +
                            std::to_string(index) + ": " + st.error().message());
    return ok_status();
}

}  // namespace baton::witness
