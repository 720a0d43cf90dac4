// The byte formats of a stage (docs/handover.md "Stage plaintext" and "Chunks"), shared by the
// seller's preparation and the buyer's check and export:
//
//   plaintext        = batch*                      set after set, in the manifest's order
//   batch            = u32 length || zstd frame    (length <= 16 MiB)
//   zstd frame       = one Zstandard frame (RFC 8878) that declares its content size,
//                      1..16 MiB, and decompresses to a RecordBatch (storage/stage_batch.proto)
//                      in its canonical form (storage/stage_batch_wire.h)
//   plaintext_digest = BLAKE2b-256("baton-stage-plaintext-v1" || 0x00 || plaintext)
//   chunk i of n     = ChaCha20-Poly1305(content key, 0x00000000 || u64 i,
//                        "baton-chunk-v1" || 0x00 || u32 len(deal) || deal || u32 stage || u32 i || u32 n,
//                        piece i)
//   leaf hash        = BLAKE2b-256(0x00 || chunk ciphertext)          (merkle.h, RFC 9162)
//   sealed key       = nonce (24) || XChaCha20-Poly1305(storage key, nonce,
//                        "baton-content-key-v1" || 0x00 || deal || 0x00 || u32 stage, content key)
//
// Only stage_plaintext.cpp sees zstd. Record values pass through
// the encoder and the decoder; both wipe the values they held when cleared or destroyed, and
// zstd's contexts are allocated through an allocator that wipes every block it frees.
//
// Why compress: record text compresses 3-4x (bench/transfer's customers: 3.7x at level 1), and
// every later step — encryption, hashing, the wire, the buyer's fsynced commits, storage on both
// sides — handles only the compressed bytes. Compression comes before encryption, never after.
// Length side channels (CRIME/BREACH) need an attacker who mixes chosen text into the records
// and watches sizes many times; a stage is prepared once from the seller's own records, and its
// chunks all have one size but the last.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.h"
#include "storage/record_batch.h"

namespace baton::storage {

// A batch closes after kStageBatchRecords records or once its values reach about
// kStageBatchBytes: large enough that the 4-byte length and the per-batch parse cost vanish,
// small enough that preparation, check and export each hold one batch (a few hundred KiB).
inline constexpr size_t kStageBatchRecords = 4096;
inline constexpr size_t kStageBatchBytes = 256u << 10;
// Zstandard's level for record batches: level 1 compressed bench/transfer's customers 3.7x at
// ~160 MB/s on one core (zstd -1 -B262144 on a 100 MB sample); level 3 was slower and no smaller.
inline constexpr int kStageBatchZstdLevel = 1;
// The largest batch a reader accepts, compressed or not: one record is at most ~6 MiB of UTF-8 (record_batch.h), so
// anything above 16 MiB is malformed, and the bound keeps a hostile length from allocating more.
inline constexpr size_t kMaxStageBatchBytes = 16u << 20;
// Chunk sizes accepted by preparation and the check: at least a page (a smaller chunk only adds
// tags and rows), at most 16 MiB (a chunk is held whole in memory on both sides).
inline constexpr uint32_t kMinChunkSize = 4096;
inline constexpr uint32_t kMaxChunkSize = 16u << 20;

// What stage data does wrong: a stable snake_case code (the receipt's reason code) and a detail
// for people that locates it (chunk, set, record number, field) without quoting any value.
struct StageFault {
    std::string code, detail;
};
// Stable fault codes.
namespace fault {
inline constexpr std::string_view chunk_missing = "chunk_missing";
inline constexpr std::string_view chunk_decrypt_failed = "chunk_decrypt_failed";
inline constexpr std::string_view batch_malformed = "batch_malformed";
inline constexpr std::string_view unknown_set = "unknown_set";
inline constexpr std::string_view schema_invalid = "schema_invalid";
inline constexpr std::string_view schema_violation = "schema_violation";
}  // namespace fault

crypto::Nonce12 chunk_nonce(uint32_t index);
Bytes chunk_associated_data(std::string_view deal, uint32_t stage_number, uint32_t index, uint32_t count);
crypto::Digest32 chunk_leaf_hash(ByteView ciphertext);
Bytes content_key_associated_data(std::string_view deal, uint32_t stage_number);
// The number of chunks of a plaintext of `plaintext_bytes`: at least one (an empty stage has one
// empty chunk). Nullopt when it does not fit in 32 bits. REQUIRES: chunk_size > 0.
std::optional<uint32_t> chunk_count_for(uint64_t plaintext_bytes, uint32_t chunk_size);

// The running plaintext digest.
class PlaintextDigest {
public:
    PlaintextDigest();
    void update(ByteView plaintext) { h_.update(plaintext); }
    crypto::Digest32 finish();

private:
    crypto::Blake2b h_;
};

// Builds one batch at a time.
class StageBatchEncoder {
public:
    StageBatchEncoder();
    ~StageBatchEncoder();
    StageBatchEncoder(StageBatchEncoder&&) noexcept;

    // Starts a batch of set `set`. REQUIRES: empty().
    void start(uint32_t set);
    // Appends a record; nulls (and empty values: Baton has no empty string distinct from null)
    // are sent absent. REQUIRES: every record of a set has the same size.
    void add(std::span<const FieldValue> row);
    uint32_t records() const;
    bool empty() const { return records() == 0; }
    bool full() const;
    // Writes the batch as u32 length || zstd frame of the RecordBatch into `out` (replaced; the
    // caller wipes it), wipes the values and starts empty. The same records give the same bytes.
    // REQUIRES: !empty().
    void finish(Bytes& out);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Decompresses one batch's zstd frame (the bytes after its length).
class BatchInflater {
public:
    BatchInflater();
    ~BatchInflater();
    BatchInflater(BatchInflater&&) noexcept;

    // The RecordBatch bytes of `frame` into `out` (replaced; the caller wipes it). A fault
    // (batch_malformed) unless `frame` is exactly one zstd frame that declares a content size of
    // 1..kMaxStageBatchBytes and decompresses to exactly that many bytes.
    std::optional<StageFault> inflate(ByteView frame, Bytes& out);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// One decoded batch (the RecordBatch, without its length).
class StageBatch {
public:
    StageBatch();
    ~StageBatch();
    StageBatch(StageBatch&&) noexcept;

    // Decodes `bytes`, replacing what was held. A fault (batch_malformed) for bytes that are not
    // a RecordBatch in its canonical form (stage_batch_wire.h: unknown fields at any level, fields
    // out of order or repeated, set 0 written out, varints that are not minimal), a record count
    // outside 1..4096, an empty or non-UTF-8 value. Field counts are the caller's to check
    // (fields_are()). The decoder keeps its own copy of the batch.
    std::optional<StageFault> parse(ByteView bytes);
    uint32_t set() const;
    uint32_t records() const;
    // True when every record has exactly `fields` values.
    bool fields_are(size_t fields) const;
    // The values of record i (views into the decoder's copy, valid until the next parse()).
    // REQUIRES: i < records().
    void record(uint32_t i, std::vector<FieldValue>& row) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace baton::storage
