#include "protocol/session/frame.h"

#include <cstdio>
#include <cstdlib>

namespace baton::session {

Bytes encode_frame(ByteView payload) {
    if (payload.empty() || payload.size() > kMaxFrame) {
        std::fprintf(stderr, "baton: internal error: frame of %zu bytes\n", payload.size());
        std::abort();
    }
    Bytes out;
    out.reserve(kFrameHeader + payload.size());
    put_u32_be(out, static_cast<uint32_t>(payload.size()));
    append(out, payload);
    return out;
}

void FrameDecoder::feed(ByteView data) {
    if (dead_) return;  // the connection is closing: hold nothing more
    if (pos_ == buf_.size()) {
        buf_.clear();
        pos_ = 0;
    } else if (pos_ > 0) {
        buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
        pos_ = 0;
    }
    append(buf_, data);
}

Result<std::optional<Bytes>> FrameDecoder::next() {
    if (dead_) return input_error("frame stream failed earlier");
    if (buffered() < kFrameHeader) return std::optional<Bytes>();
    uint32_t len = get_u32_be(buf_.data() + pos_);
    if (len == 0 || len > kMaxFrame) {
        dead_ = true;
        return input_error("frame length " + std::to_string(len) + " is outside 1.." + std::to_string(kMaxFrame));
    }
    if (buffered() < kFrameHeader + len) return std::optional<Bytes>();
    auto begin = buf_.begin() + static_cast<std::ptrdiff_t>(pos_ + kFrameHeader);
    std::optional<Bytes> frame(Bytes(begin, begin + len));
    pos_ += kFrameHeader + len;
    return frame;
}

}  // namespace baton::session
