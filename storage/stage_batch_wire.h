// Internal to storage/: what the stage batch encoder (stage_plaintext.cpp) and decoder
// (stage_batch_decoder.cpp) share. A batch is a RecordBatch (stage_batch.proto) in protobuf's
// wire format, written and read by hand in its one canonical form:
//
//   batch  = [0x08 varint(set)]  (set != 0)       records = 1..4096 record fields
//            (0x12 varint(len) record)*
//   record = (0x0a varint(len) value)*             one per field of the set, in schema order
//   value  = ""                                    null: sent absent
//          | 0x0a varint(len) text                 1 or more bytes of UTF-8
//
// Every varint is minimal (no trailing 0x80 0x00 forms) and at most 32 bits. These are the bytes
// pb::RecordBatch::SerializeToString gives for the same records (handover_plaintext_test.cpp
// compares them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/bytes.h"
#include "core/secret.h"
#include "storage/stage_plaintext.h"

namespace baton::storage::wire {

inline constexpr uint8_t kSetTag = 0x08;      // RecordBatch.set: field 1, varint
inline constexpr uint8_t kRecordsTag = 0x12;  // RecordBatch.records: field 2, length-delimited
inline constexpr uint8_t kValuesTag = 0x0a;   // Record.values: field 1, length-delimited
inline constexpr uint8_t kTextTag = 0x0a;     // Value.text: field 1, length-delimited

inline size_t varint_size(uint64_t v) {
    size_t n = 1;
    for (; v >= 0x80; v >>= 7) ++n;
    return n;
}

// Writes `v` as a varint at `out`; returns the byte after it. REQUIRES: varint_size(v) bytes.
inline uint8_t* put_varint(uint8_t* out, uint64_t v) {
    for (; v >= 0x80; v >>= 7) *out++ = static_cast<uint8_t>(v | 0x80);
    *out++ = static_cast<uint8_t>(v);
    return out;
}

// Resizes `b` to n bytes; a buffer that must grow is wiped first instead of being copied.
inline void resize_wiped(Bytes& b, size_t n) {
    if (n > b.capacity()) {
        wipe_bytes(b);
        Bytes bigger(n);
        b.swap(bigger);
    }
    b.resize(n);
}

inline StageFault malformed(std::string detail) { return {std::string(fault::batch_malformed), std::move(detail)}; }

}  // namespace baton::storage::wire
