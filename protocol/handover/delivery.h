// The two ends of chunk delivery (docs/handover.md "Session flow"), without I/O.
//
// DeliveryWindow (seller): which chunk to send next. At most `window` chunks may be sent beyond
// the buyer's last acknowledgement, so an interruption costs at most `window` chunks re-sent.
//
// ChunkAssembler (buyer): puts a chunk back together from its ChunkParts and checks it against
// its hash before anything is stored. Parts must come in order, chunk after chunk starting at
// the first chunk the buyer does not hold; anything else is a protocol violation.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "protocol/handover/messages.h"
#include "core/status.h"

namespace baton::handover {

// Eight 1 MiB chunks in flight keep a loopback or LAN link busy while the buyer commits (one
// commit covers the chunks that arrived meanwhile), and bound both the buyer's queue and the
// bytes re-sent after an interruption to 8 MiB.
inline constexpr uint32_t kDefaultWindow = 8;

class DeliveryWindow {
public:
    // `held`: what the buyer reported holding at the start of the session.
    DeliveryWindow(uint32_t chunk_count, uint32_t window, uint32_t held);

    bool done() const { return acked_ == count_; }
    // True when the next chunk may be sent now.
    bool can_send() const { return next_ < count_ && next_ < acked_ + window_; }
    // The chunk to send; REQUIRES can_send(). Marks it sent.
    uint32_t take_next() { return next_++; }
    uint32_t acknowledged() const { return acked_; }
    uint32_t sent() const { return next_; }
    // The buyer's acknowledgement: it holds chunks 0..held-1. Fails (bad_input) when it goes
    // backwards or claims a chunk not yet sent.
    Status on_ack(uint32_t held);

private:
    uint32_t count_, window_, acked_, next_;
};

class ChunkAssembler {
public:
    // `hashes`: every chunk's leaf hash (from the verified manifest tree). `max_chunk`: the
    // largest ciphertext a chunk may have (chunk_size + tag). `first`: the first chunk expected.
    ChunkAssembler(uint32_t stage_number, std::vector<crypto::Digest32> hashes, size_t max_chunk, uint32_t first);

    // Adds one part. Returns the finished chunk's ciphertext once its last part arrived and its
    // hash matched. Fails (bad_input) on a part for another stage or chunk, a gap or overlap, a
    // chunk over the size bound, or (verify_failed) a hash mismatch. The assembler is dead after
    // a failure.
    Result<std::optional<Bytes>> add(const ChunkPart& part);
    // The index of the chunk expected next.
    uint32_t next_index() const { return index_; }
    // Bytes of the chunk in progress (lost if the session ends now).
    size_t partial_bytes() const { return buf_.size(); }

private:
    uint32_t stage_;
    std::vector<crypto::Digest32> hashes_;
    size_t max_chunk_;
    uint32_t index_;
    Bytes buf_;
    bool dead_ = false;
};

}  // namespace baton::handover
