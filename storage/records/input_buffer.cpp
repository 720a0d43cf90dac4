#include "storage/records/input_buffer.h"

#include <algorithm>
#include <cstring>

namespace baton::records {

InputBuffer::InputBuffer(ByteSource& source, size_t capacity, size_t chunk)
    : source_(source), buf_(new char[capacity]), capacity_(capacity), chunk_(chunk) {}

Status InputBuffer::refill() {
    if (eof_) return ok_status();
    if (start_ > 0) {
        std::memmove(buf_.get(), buf_.get() + start_, end_ - start_);
        base_ += start_;
        end_ -= start_;
        start_ = 0;
    }
    if (end_ == capacity_) return internal_error("record buffer full before a bound was checked");
    const size_t want = std::min(chunk_, capacity_ - end_);
    BATON_ASSIGN(size_t n, source_.read(std::span<char>(buf_.get() + end_, want)));
    if (n == 0) eof_ = true;
    end_ += n;
    return ok_status();
}

Status InputBuffer::fill_to(size_t n) {
    while (available() < n && !eof_) BATON_TRY(refill());
    return ok_status();
}

}  // namespace baton::records
