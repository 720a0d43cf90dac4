// handover_store.h: stored chunks and their hashes (both roles), and the buyer's prefix of
// committed chunks.
#include <algorithm>
#include <cstring>

#include "storage/handover_rows.h"
#include "storage/stage_plaintext.h"

namespace baton::storage {

namespace {

// The stage's stored hashes blob: chunk_count x 32 bytes, or empty when none are stored.
Result<Bytes> load_hash_blob(Database& db, std::string_view deal, uint32_t stage_number, uint32_t chunk_count) {
    BATON_ASSIGN(auto st, db.prepare("SELECT chunk_hashes FROM handover_stages WHERE deal = ? AND stage_number = ?"));
    st.bind(1, deal).bind(2, static_cast<int64_t>(stage_number));
    BATON_ASSIGN(bool row, st.step());
    if (!row || st.column_is_null(0)) return Bytes();
    Bytes blob = st.column_blob(0);
    if (blob.size() != static_cast<size_t>(chunk_count) * 32)
        return verify_error(stage_label(deal, stage_number) + ": the stored chunk hashes have a bad size");
    return blob;
}

Result<std::optional<Bytes>> find_chunk(Database& db, std::string_view deal, uint32_t stage_number, uint32_t index) {
    BATON_ASSIGN(auto st, db.prepare("SELECT ciphertext FROM handover_chunks WHERE deal = ? AND stage_number = ? AND "
                                     "idx = ?"));
    st.bind(1, deal).bind(2, static_cast<int64_t>(stage_number)).bind(3, static_cast<int64_t>(index));
    BATON_ASSIGN(bool row, st.step());
    if (!row) return std::optional<Bytes>();
    return std::optional<Bytes>(st.column_blob(0));
}

// A chunk index at or below chunks_held: a no-op when the same bytes are held, else a conflict.
Status check_repeated_chunk(Database& db, const StageRow& row, uint32_t index, ByteView ciphertext) {
    BATON_ASSIGN(auto held, find_chunk(db, row.deal, row.stage_number, index));
    if (held && held->size() == ciphertext.size() && std::equal(held->begin(), held->end(), ciphertext.begin()))
        return ok_status();
    return conflict_error(stage_label(row.deal, row.stage_number) + ": chunk " + std::to_string(index) +
                          " is held already with different bytes");
}

}  // namespace

Result<Bytes> read_chunk(Database& db, std::string_view deal, uint32_t stage_number, uint32_t index) {
    BATON_ASSIGN(auto chunk, find_chunk(db, deal, stage_number, index));
    if (!chunk) return conflict_error(stage_label(deal, stage_number) + " holds no chunk " + std::to_string(index));
    return std::move(*chunk);
}

Result<std::vector<crypto::Digest32>> load_chunk_hashes(Database& db, std::string_view deal, uint32_t stage_number) {
    BATON_ASSIGN(auto row, require_stage(db, deal, stage_number));
    BATON_ASSIGN(auto blob, load_hash_blob(db, deal, stage_number, row.chunk_count));
    std::vector<crypto::Digest32> out(blob.size() / 32);
    for (size_t i = 0; i < out.size(); ++i) std::memcpy(out[i].data(), blob.data() + 32 * i, 32);
    return out;
}

Status save_chunk_hashes(Database& db, std::string_view deal, uint32_t stage_number,
                         const std::vector<crypto::Digest32>& hashes, UnixTime now) {
    BATON_ASSIGN(auto row, require_stage(db, deal, stage_number));
    if (hashes.size() != row.chunk_count)
        return conflict_error(stage_label(deal, stage_number) + ": " + std::to_string(hashes.size()) + " chunk hashes for " +
                              std::to_string(row.chunk_count) + " chunks");
    Bytes blob;
    for (const auto& h : hashes) append(blob, h);
    if (row.state != "offered") {
        BATON_ASSIGN(auto stored, load_hash_blob(db, deal, stage_number, row.chunk_count));
        if (stored == blob) return ok_status();
        return conflict_error(stage_label(deal, stage_number) + " is " + row.state + ", not waiting for chunk hashes");
    }
    BATON_ASSIGN(auto st, db.prepare("UPDATE handover_stages SET chunk_hashes = ?, state = 'receiving', updated_at = ? "
                                     "WHERE deal = ? AND stage_number = ?"));
    st.bind_blob(1, blob).bind(2, now).bind(3, deal).bind(4, static_cast<int64_t>(stage_number));
    return st.run();
}

Status store_chunk(Database& db, std::string_view deal, uint32_t stage_number, uint32_t index, ByteView ciphertext) {
    BATON_ASSIGN(auto row, require_stage(db, deal, stage_number));
    if (index < row.chunks_held) return check_repeated_chunk(db, row, index, ciphertext);
    if (index != row.chunks_held || index >= row.chunk_count)
        return conflict_error(stage_label(deal, stage_number) + ": chunk " + std::to_string(index) + " arrived, expected " +
                              std::to_string(row.chunks_held) + " of " + std::to_string(row.chunk_count));
    if (ciphertext.size() > static_cast<size_t>(row.chunk_size) + crypto::kAeadTagSize)
        return conflict_error(stage_label(deal, stage_number) + ": chunk " + std::to_string(index) + " is too large");
    BATON_ASSIGN(auto hashes, load_hash_blob(db, deal, stage_number, row.chunk_count));
    if (hashes.empty()) return conflict_error(stage_label(deal, stage_number) + " has no chunk hashes yet");
    const crypto::Digest32 leaf = chunk_leaf_hash(ciphertext);
    if (std::memcmp(leaf.data(), hashes.data() + 32 * static_cast<size_t>(index), 32) != 0)
        return verify_error(stage_label(deal, stage_number) + ": chunk " + std::to_string(index) +
                            " does not match its hash");
    BATON_ASSIGN(auto ins, db.prepare("INSERT INTO handover_chunks(deal, stage_number, idx, ciphertext) VALUES(?, ?, ?, ?)"));
    ins.bind(1, deal).bind(2, static_cast<int64_t>(stage_number)).bind(3, static_cast<int64_t>(index));
    ins.bind_blob(4, ciphertext);
    BATON_TRY(ins.run());
    BATON_ASSIGN(auto up, db.prepare("UPDATE handover_stages SET chunks_held = chunks_held + 1 WHERE deal = ? AND "
                                     "stage_number = ?"));
    up.bind(1, deal).bind(2, static_cast<int64_t>(stage_number));
    return up.run();
}

}  // namespace baton::storage
