// A stage's plaintext as stored chunks (docs/handover.md "Chunks"; stage_plaintext.h has the
// byte formats): the seller's writer cuts the plaintext into chunks, seals and inserts them; the
// buyer's reader decrypts them in order and cuts the plaintext back into batches. Each holds one
// chunk of plaintext (wiped when done) and the reader one batch besides (compressed and not).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/merkle.h"
#include "storage/db.h"
#include "storage/stage_plaintext.h"

namespace baton::storage {

// Receives a stage's plaintext, in order.
class PlaintextSink {
public:
    virtual ~PlaintextSink() = default;
    virtual Status write(ByteView plaintext) = 0;
};

// Seals the plaintext into chunk_count chunks and inserts them into handover_chunks.
class ChunkWriter final : public PlaintextSink {
public:
    // REQUIRES: a transaction is open and stays open until finish(); chunk_size > 0; chunk_count
    // is chunk_count_for() of the plaintext that will be written.
    ChunkWriter(Database& db, std::string deal, uint32_t stage_number, uint32_t chunk_size, uint32_t chunk_count,
                crypto::Key32 content_key);
    ~ChunkWriter() override;

    // Fails (io) when an insert fails, (internal) past chunk_count chunks.
    Status write(ByteView plaintext) override;
    // Seals the last (possibly empty) chunk. Fails (internal) when the chunks written are not
    // exactly chunk_count: the plaintext was not the one measured.
    Status finish();

    const Bytes& leaf_hashes() const { return hashes_; }  // chunk_count x 32 bytes
    Bytes merkle_root() const { return tree_.root(); }
    crypto::Digest32 plaintext_digest() { return digest_.finish(); }
    uint64_t plaintext_bytes() const { return plaintext_bytes_; }
    uint64_t ciphertext_bytes() const { return ciphertext_bytes_; }

private:
    Status seal_chunk();

    Database* db_;
    std::string deal_;
    uint32_t stage_number_, chunk_size_, chunk_count_;
    crypto::Key32 key_;
    Bytes piece_;                // the current chunk's plaintext, at most chunk_size bytes
    uint32_t next_ = 0;
    Bytes hashes_;
    merkle::Builder tree_;
    PlaintextDigest digest_;
    uint64_t plaintext_bytes_ = 0, ciphertext_bytes_ = 0;
    std::unique_ptr<Statement> insert_;
};

// Decrypts a stage's stored chunks in order and yields its batches.
class StagePlaintextReader {
public:
    // Fails (io) when the query cannot be prepared. REQUIRES: chunk_size > 0, chunk_count > 0.
    static Result<StagePlaintextReader> open(Database& db, std::string_view deal, uint32_t stage_number,
                                             const crypto::Key32& content_key, uint32_t chunk_size,
                                             uint32_t chunk_count);
    ~StagePlaintextReader();
    StagePlaintextReader(StagePlaintextReader&&) noexcept;

    enum class Step { batch, end, fault };
    // The next batch's RecordBatch bytes (decompressed, without the length) into `batch` (the
    // caller wipes it):
    // batch; or end after the last chunk, with no bytes left over; or fault (fault() says what:
    // chunk_missing, chunk_decrypt_failed naming the chunk, batch_malformed). Fails (io) only
    // for SQLite. After end or fault the reader is done.
    Result<Step> next(Bytes& batch);
    const StageFault& fault() const { return fault_; }

    // The digest and size of the plaintext read so far (complete after end).
    crypto::Digest32 plaintext_digest() { return digest_.finish(); }
    uint64_t plaintext_bytes() const { return plaintext_bytes_; }

private:
    StagePlaintextReader(std::string deal, uint32_t stage_number, crypto::Key32 key, uint32_t chunk_size,
                         uint32_t chunk_count, Statement select);
    Result<bool> load_chunk();
    Result<bool> read_exact(uint8_t* out, size_t n);
    Step set_fault(std::string_view code, std::string detail);

    std::string deal_;
    uint32_t stage_number_, chunk_size_, chunk_count_;
    crypto::Key32 key_;
    std::unique_ptr<Statement> select_;
    Bytes piece_;                // the current chunk's plaintext
    Bytes frame_;                // the current batch, compressed
    BatchInflater inflater_;
    size_t at_ = 0;              // bytes of piece_ consumed
    uint32_t next_ = 0;          // the next chunk to load
    StageFault fault_;
    bool faulted_ = false;
    PlaintextDigest digest_;
    uint64_t plaintext_bytes_ = 0;
};

}  // namespace baton::storage
