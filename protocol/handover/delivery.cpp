#include "protocol/handover/delivery.h"

#include "core/merkle.h"

namespace baton::handover {

DeliveryWindow::DeliveryWindow(uint32_t chunk_count, uint32_t window, uint32_t held)
    : count_(chunk_count), window_(window == 0 ? 1 : window), acked_(held), next_(held) {}

Status DeliveryWindow::on_ack(uint32_t held) {
    if (held < acked_) return input_error("acknowledgement went backwards (" + std::to_string(held) + " after " +
                                          std::to_string(acked_) + ")");
    if (held > next_) return input_error("acknowledgement of chunk " + std::to_string(held) + " not yet sent");
    acked_ = held;
    return ok_status();
}

ChunkAssembler::ChunkAssembler(uint32_t stage_number, std::vector<crypto::Digest32> hashes, size_t max_chunk,
                               uint32_t first)
    : stage_(stage_number), hashes_(std::move(hashes)), max_chunk_(max_chunk), index_(first) {}

Result<std::optional<Bytes>> ChunkAssembler::add(const ChunkPart& part) {
    if (dead_) return input_error("chunk delivery already failed");
    dead_ = true;  // until this part is accepted
    if (part.stage_number != stage_) return input_error("a chunk part for stage " + std::to_string(part.stage_number) +
                                                        " arrived during stage " + std::to_string(stage_));
    if (part.index != index_ || index_ >= hashes_.size())
        return input_error("chunk " + std::to_string(part.index) + " arrived, expected chunk " + std::to_string(index_));
    if (part.offset != buf_.size())
        return input_error("chunk " + std::to_string(index_) + ": a part at offset " + std::to_string(part.offset) +
                           ", expected " + std::to_string(buf_.size()));
    if (buf_.size() + part.data.size() > max_chunk_)
        return input_error("chunk " + std::to_string(index_) + " is larger than the manifest's chunk size");
    buf_.insert(buf_.end(), part.data.begin(), part.data.end());
    dead_ = false;
    if (!part.last) return std::optional<Bytes>();
    auto leaf = merkle::leaf_hash(merkle::blake2b_256_hasher(), buf_);
    if (!std::equal(leaf.begin(), leaf.end(), hashes_[index_].begin(), hashes_[index_].end())) {
        dead_ = true;
        return Error(ErrorKind::verify_failed, "chunk " + std::to_string(index_) + " does not match its manifest hash");
    }
    ++index_;
    Bytes done;
    done.swap(buf_);
    return std::optional<Bytes>(std::move(done));
}

}  // namespace baton::handover
