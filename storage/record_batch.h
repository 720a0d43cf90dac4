// Sealed record batches: the only form in which record values reach the database.
//
// A record set's rows are encoded back to back, cut into batches of about kBatchBytes, and each
// batch is sealed with XChaCha20-Poly1305 under the set's key. Byte layouts (docs/formats.md,
// "Record sets"), all integers big-endian:
//
//   value      = varint(0)                       (null)
//              | varint(len + 1) || len bytes    (UTF-8 text, exactly as imported)
//   varint     = unsigned LEB128: 7 bits per byte, low groups first, high bit set on all but
//                the last byte; at most 5 bytes, and the shortest form only
//   record     = one value per schema field, in schema order
//   plaintext  = u32 record_count || record*
//   AD         = "baton-record-batch-v1" || u32 len(set) || set || import_id (16) || u64 batch
//   set key    = BLAKE2b-256(key = storage key, "baton-record-set-key-v1" || 0x00 || set)
//   hash key   = BLAKE2b-256(key = storage key, "baton-record-key-hash-v1")   (records::KeyHasher)
//   digest     = BLAKE2b-256("baton-record-digest-v1" || u32 field_count || record* of all batches)
//
// The associated data binds each batch to its set, to one import of that set and to its place,
// so batches cannot be swapped, reordered or carried over from an earlier import. The digest
// covers the records alone, not how they were cut into batches, so it is the same for any batch
// size; `baton sets` shows it and export recomputes it.
//
// Plaintext buffers are wiped when the encoder or decoder is destroyed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.h"
#include "storage/records/record_reader.h"

namespace baton::storage {

using ImportId = std::array<uint8_t, 16>;
using records::FieldValue;

// A batch closes once it holds this many plaintext bytes or kBatchRecords records: large enough
// that per-batch costs (a nonce, a tag, a SQLite row) vanish, small enough that export and
// import memory stays around a MiB whatever the set's size.
inline constexpr size_t kBatchBytes = 1u << 20;
inline constexpr size_t kBatchRecords = 8192;
// The largest batch a reader accepts: a batch closes after the record that crosses kBatchBytes,
// and one record is at most 4 MiB of input (ReaderOptions) — up to 6 MiB once GB18030 becomes
// UTF-8. Anything bigger is corrupt.
inline constexpr size_t kMaxBatchPlaintext = kBatchBytes + (8u << 20);

crypto::Key32 derive_set_key(const crypto::Key32& storage_key, std::string_view set);
Secret<32> derive_key_hash_secret(const crypto::Key32& storage_key);

Bytes batch_associated_data(std::string_view set, const ImportId& import_id, uint64_t batch);

// The running content digest of a set.
class ContentDigest {
public:
    explicit ContentDigest(size_t field_count);
    void update(ByteView records) { h_.update(records); }
    crypto::Digest32 finish();

private:
    crypto::Blake2b h_;
};

// Encodes records into the current batch's plaintext.
class BatchEncoder {
public:
    BatchEncoder();
    ~BatchEncoder();
    BatchEncoder(BatchEncoder&&) noexcept = default;
    BatchEncoder& operator=(BatchEncoder&&) = delete;

    // Appends one record. REQUIRES: every row of the batch has the same size, each value < 4 GiB.
    void add(std::span<const FieldValue> row);
    uint32_t records() const { return count_; }
    bool empty() const { return count_ == 0; }
    bool full() const { return count_ >= kBatchRecords || used_ >= kBatchBytes; }

    // The records encoded so far, without the count (what the digest covers).
    ByteView records_bytes() const { return ByteView(buf_).subspan(4, used_ - 4); }
    // The whole plaintext (count filled in). Valid until the next add() or clear().
    ByteView plaintext();
    // Starts the next batch; the old bytes are overwritten by later records, and wiped at the end.
    void clear();

private:
    uint32_t count_ = 0;
    Bytes buf_;         // plaintext in [0, used_); its size is the capacity
    size_t used_ = 4;   // the record count comes first
};

// Splits a decrypted batch plaintext into records.
class BatchDecoder {
public:
    // Takes ownership of `plaintext` (wiped on destruction). Fails (verify_failed) when it is
    // not a well-formed batch of `field_count`-field records.
    static Result<BatchDecoder> parse(Bytes plaintext, size_t field_count);
    ~BatchDecoder();
    BatchDecoder(BatchDecoder&&) noexcept = default;
    BatchDecoder& operator=(BatchDecoder&&) noexcept;

    uint32_t records() const { return count_; }
    // Values of record `i` (views into the plaintext). REQUIRES: i < records().
    void record(uint32_t i, std::vector<FieldValue>& row) const;
    ByteView records_bytes() const { return ByteView(plain_).subspan(4); }

private:
    BatchDecoder(Bytes plain, size_t fields, uint32_t count) : plain_(std::move(plain)), field_count_(fields), count_(count) {}
    Bytes plain_;
    size_t field_count_;
    uint32_t count_;
    std::vector<size_t> starts_;  // offset of each record
};

}  // namespace baton::storage
