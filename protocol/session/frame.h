// Framing on the TCP stream: every frame is a 4-byte big-endian length, then that many bytes.
// A frame carries one Noise message, so its length is 1..65535 (Noise spec §3); a header
// claiming more is refused before any memory is reserved for it.
#pragma once

#include <optional>

#include "core/bytes.h"

namespace baton::session {

constexpr size_t kFrameHeader = 4;
constexpr size_t kMaxFrame = 65535;

// REQUIRES: 0 < payload.size() <= kMaxFrame (our bug otherwise: aborts).
Bytes encode_frame(ByteView payload);

// Usage: feed() what the socket returned, then call next() until it yields nothing.
// Memory: at most one partial frame plus the bytes of the last feed are held.
class FrameDecoder {
public:
    void feed(ByteView data);

    // The next complete frame's payload, nullopt when more bytes are needed. Fails (bad_input)
    // on a length outside 1..kMaxFrame; the decoder is then dead (later feeds are dropped, so it
    // holds nothing more) and the connection must close.
    Result<std::optional<Bytes>> next();

    size_t buffered() const { return buf_.size() - pos_; }

private:
    Bytes buf_;
    size_t pos_ = 0;
    bool dead_ = false;
};

}  // namespace baton::session
