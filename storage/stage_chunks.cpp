#include "storage/stage_chunks.h"

#include <algorithm>
#include <cstring>

namespace baton::storage {

// ---- ChunkWriter -------------------------------------------------------------------------------

ChunkWriter::ChunkWriter(Database& db, std::string deal, uint32_t stage_number, uint32_t chunk_size,
                         uint32_t chunk_count, crypto::Key32 content_key)
    : db_(&db), deal_(std::move(deal)), stage_number_(stage_number), chunk_size_(chunk_size),
      chunk_count_(chunk_count), key_(std::move(content_key)), tree_(merkle::blake2b_256_hasher()) {
    piece_.reserve(chunk_size_);  // never reallocated, so never copied unwiped
    hashes_.reserve(static_cast<size_t>(chunk_count_) * 32);
}

ChunkWriter::~ChunkWriter() { wipe_bytes(piece_); }  // sealed pieces were wiped already

Status ChunkWriter::write(ByteView plaintext) {
    digest_.update(plaintext);
    plaintext_bytes_ += plaintext.size();
    while (!plaintext.empty()) {
        // A full piece is sealed only when more bytes follow: the last chunk may be full.
        if (piece_.size() == chunk_size_) BATON_TRY(seal_chunk());
        const size_t take = std::min<size_t>(chunk_size_ - piece_.size(), plaintext.size());
        piece_.insert(piece_.end(), plaintext.begin(), plaintext.begin() + static_cast<ptrdiff_t>(take));
        plaintext = plaintext.subspan(take);
    }
    return ok_status();
}

Status ChunkWriter::finish() {
    if (!piece_.empty() || next_ == 0) BATON_TRY(seal_chunk());
    if (next_ != chunk_count_)
        return internal_error("stage plaintext made " + std::to_string(next_) + " chunks, measured " +
                              std::to_string(chunk_count_));
    return ok_status();
}

Status ChunkWriter::seal_chunk() {
    if (next_ >= chunk_count_) return internal_error("stage plaintext is longer than measured");
    if (!insert_) {
        BATON_ASSIGN(auto st, db_->prepare("INSERT INTO handover_chunks(deal, stage_number, idx, ciphertext) "
                                           "VALUES(?, ?, ?, ?)"));
        insert_ = std::make_unique<Statement>(std::move(st));
    }
    const uint32_t i = next_++;
    const Bytes sealed = crypto::chacha20poly1305_encrypt(
        key_, chunk_nonce(i), chunk_associated_data(deal_, stage_number_, i, chunk_count_), piece_);
    wipe_bytes(piece_);
    piece_.clear();
    const crypto::Digest32 leaf = chunk_leaf_hash(sealed);
    hashes_.insert(hashes_.end(), leaf.begin(), leaf.end());
    BATON_TRY(tree_.add_leaf_hash(leaf));
    ciphertext_bytes_ += sealed.size();
    insert_->bind(1, deal_).bind(2, static_cast<int64_t>(stage_number_)).bind(3, static_cast<int64_t>(i));
    insert_->bind_blob(4, sealed);
    return insert_->run();
}

// ---- StagePlaintextReader ----------------------------------------------------------------------

StagePlaintextReader::StagePlaintextReader(std::string deal, uint32_t stage_number, crypto::Key32 key,
                                           uint32_t chunk_size, uint32_t chunk_count, Statement select)
    : deal_(std::move(deal)), stage_number_(stage_number), chunk_size_(chunk_size), chunk_count_(chunk_count),
      key_(std::move(key)), select_(std::make_unique<Statement>(std::move(select))) {}

StagePlaintextReader::~StagePlaintextReader() {
    wipe_bytes(piece_);
    wipe_bytes(frame_);
}
StagePlaintextReader::StagePlaintextReader(StagePlaintextReader&&) noexcept = default;

Result<StagePlaintextReader> StagePlaintextReader::open(Database& db, std::string_view deal, uint32_t stage_number,
                                                        const crypto::Key32& content_key, uint32_t chunk_size,
                                                        uint32_t chunk_count) {
    BATON_ASSIGN(auto st, db.prepare("SELECT idx, ciphertext FROM handover_chunks WHERE deal = ? AND stage_number = ? "
                                     "ORDER BY idx"));
    st.bind(1, deal).bind(2, static_cast<int64_t>(stage_number));
    return StagePlaintextReader(std::string(deal), stage_number, content_key.clone(), chunk_size, chunk_count,
                                std::move(st));
}

StagePlaintextReader::Step StagePlaintextReader::set_fault(std::string_view code, std::string detail) {
    if (!faulted_) fault_ = StageFault{std::string(code), std::move(detail)};
    faulted_ = true;
    return Step::fault;
}

// Loads chunk next_ into piece_: true, or false at the end of the chunks or on a fault.
Result<bool> StagePlaintextReader::load_chunk() {
    if (faulted_ || next_ == chunk_count_) return false;
    const uint32_t i = next_;
    const std::string name = "chunk " + std::to_string(i);
    BATON_ASSIGN(bool row, select_->step());
    if (!row || select_->column_int64(0) != static_cast<int64_t>(i)) {
        set_fault(fault::chunk_missing, name + " of " + std::to_string(chunk_count_) + " is not held");
        return false;
    }
    const Bytes sealed = select_->column_blob(1);
    auto plain = crypto::chacha20poly1305_decrypt(key_, chunk_nonce(i),
                                                  chunk_associated_data(deal_, stage_number_, i, chunk_count_), sealed);
    if (!plain) {
        set_fault(fault::chunk_decrypt_failed, name + " does not decrypt: wrong key, or the chunk was altered");
        return false;
    }
    wipe_bytes(piece_);
    piece_ = std::move(plain).value();
    at_ = 0;
    ++next_;
    const bool last = next_ == chunk_count_;
    const bool size_ok = last ? piece_.size() <= chunk_size_ && (!piece_.empty() || chunk_count_ == 1)
                              : piece_.size() == chunk_size_;
    if (!size_ok) {
        set_fault(fault::batch_malformed, name + " holds " + std::to_string(piece_.size()) +
                                              " bytes of plaintext; the chunk size is " + std::to_string(chunk_size_));
        return false;
    }
    digest_.update(piece_);
    plaintext_bytes_ += piece_.size();
    return true;
}

// Copies the next n plaintext bytes to out, loading chunks as needed: false when they run out.
Result<bool> StagePlaintextReader::read_exact(uint8_t* out, size_t n) {
    while (n > 0) {
        if (at_ == piece_.size()) {
            BATON_ASSIGN(bool more, load_chunk());
            if (!more) return false;
            continue;
        }
        const size_t take = std::min(n, piece_.size() - at_);
        std::memcpy(out, piece_.data() + at_, take);
        at_ += take;
        out += take;
        n -= take;
    }
    return true;
}

Result<StagePlaintextReader::Step> StagePlaintextReader::next(Bytes& batch) {
    if (faulted_) return Step::fault;
    while (at_ == piece_.size()) {  // between batches: the end, or the next chunk
        BATON_ASSIGN(bool more, load_chunk());
        if (!more) return faulted_ ? Step::fault : Step::end;
    }
    uint8_t head[4];
    BATON_ASSIGN(bool got, read_exact(head, sizeof head));
    if (!got) return set_fault(fault::batch_malformed, "the stage ends inside a batch length");
    const uint32_t length = get_u32_be(head);
    if (length == 0 || length > kMaxStageBatchBytes)
        return set_fault(fault::batch_malformed, "a batch length of " + std::to_string(length) + " bytes");
    if (length > frame_.capacity()) {
        wipe_bytes(frame_);
        Bytes bigger(length);
        frame_.swap(bigger);
    }
    frame_.resize(length);
    BATON_ASSIGN(got, read_exact(frame_.data(), length));
    if (!got) return set_fault(fault::batch_malformed, "the stage ends inside a batch");
    auto bad = inflater_.inflate(frame_, batch);
    wipe_bytes(frame_);
    if (bad) return set_fault(bad->code, std::move(bad->detail));
    return Step::batch;
}

}  // namespace baton::storage
