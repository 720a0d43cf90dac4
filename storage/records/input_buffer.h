// A bounded read-ahead buffer over a ByteSource, shared by the CSV and JSON Lines readers.
//
// The buffer holds the bytes from `start` (the first byte not yet consumed, i.e. the start of
// the record being read) to `end`. refill() drops the consumed bytes, moves the rest to the
// front and reads one more chunk; indices relative to `start` stay valid across a refill, absolute
// ones do not. Capacity is fixed at construction, so memory never grows with the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/status.h"
#include "storage/records/byte_io.h"

namespace baton::records {

class InputBuffer {
public:
    // REQUIRES: chunk > 0 and capacity >= chunk.
    InputBuffer(ByteSource& source, size_t capacity, size_t chunk);

    // Unconsumed bytes: [window(), window() + available()).
    const char* window() const { return buf_.get() + start_; }
    size_t available() const { return end_ - start_; }
    // File offset of window()[0].
    uint64_t window_offset() const { return base_ + start_; }
    // True when the source reported its end; no more bytes will come.
    bool at_eof() const { return eof_; }
    uint64_t bytes_read() const { return base_ + end_; }

    // Marks the first n available bytes consumed. REQUIRES: n <= available().
    void consume(size_t n) { start_ += n; }

    // Reads at least one more byte, or sets at_eof(). Fails (io) when the source fails, and
    // (internal) when the window already fills the capacity — callers bound records below it.
    Status refill();

    // Refills until at least n bytes are available or the source ends.
    Status fill_to(size_t n);

private:
    ByteSource& source_;
    std::unique_ptr<char[]> buf_;
    size_t capacity_;
    size_t chunk_;
    size_t start_ = 0;
    size_t end_ = 0;
    uint64_t base_ = 0;  // file offset of buf_[0]
    bool eof_ = false;
};

}  // namespace baton::records
