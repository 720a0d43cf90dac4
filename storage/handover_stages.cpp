// handover_store.h: stage rows (both roles), their states, the seller's manifest and counters,
// the buyer's inbound stage, and the sealed content key.
#include <algorithm>
#include <cstring>

#include "storage/handover_rows.h"
#include "storage/stage_plaintext.h"

namespace baton::storage {

namespace {

constexpr const char* kStageColumns =
    "deal, stage_number, name, state, manifest, chunk_count, chunk_size, chunks_held, ciphertext_bytes, bytes_resent, "
    "resumes, reason, updated_at, chunks_sent";

uint32_t as_u32(int64_t v) { return static_cast<uint32_t>(std::clamp<int64_t>(v, 0, UINT32_MAX)); }
uint64_t as_u64(int64_t v) { return static_cast<uint64_t>(std::max<int64_t>(v, 0)); }

StageRow read_stage_row(const Statement& st) {
    StageRow r;
    r.deal = st.column_text(0);
    r.stage_number = as_u32(st.column_int64(1));
    r.name = st.column_text(2);
    r.state = st.column_text(3);
    if (!st.column_is_null(4)) r.manifest = st.column_blob(4);
    r.chunk_count = as_u32(st.column_int64(5));
    r.chunk_size = as_u32(st.column_int64(6));
    r.chunks_held = as_u32(st.column_int64(7));
    r.ciphertext_bytes = as_u64(st.column_int64(8));
    r.bytes_resent = as_u64(st.column_int64(9));
    r.resumes = as_u32(st.column_int64(10));
    r.reason = st.column_text(11);
    r.updated_at = st.column_int64(12);
    r.chunks_sent = as_u32(st.column_int64(13));
    return r;
}

bool same_bytes(ByteView a, ByteView b) { return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()); }

// Runs `sql` with (?1 = deal, ?2 = stage_number) followed by `bind`'s parameters.
template <typename Bind>
Status update_stage(Database& db, std::string_view deal, uint32_t stage_number, const char* sql, Bind bind) {
    BATON_TRY(require_stage(db, deal, stage_number));
    BATON_ASSIGN(auto st, db.prepare(sql));
    st.bind(1, deal).bind(2, static_cast<int64_t>(stage_number));
    bind(st);
    return st.run();
}

}  // namespace

std::string stage_label(std::string_view deal, uint32_t stage_number) {
    return "deal " + std::string(deal) + ", stage " + std::to_string(stage_number);
}

Result<StageRow> require_stage(Database& db, std::string_view deal, uint32_t stage_number) {
    BATON_ASSIGN(auto row, find_stage(db, deal, stage_number));
    if (!row) return conflict_error(stage_label(deal, stage_number) + " does not exist");
    return std::move(*row);
}

Result<std::optional<StageRow>> find_stage(Database& db, std::string_view deal, uint32_t stage_number) {
    BATON_ASSIGN(auto st, db.prepare(std::string("SELECT ") + kStageColumns +
                                     " FROM handover_stages WHERE deal = ? AND stage_number = ?"));
    st.bind(1, deal).bind(2, static_cast<int64_t>(stage_number));
    BATON_ASSIGN(bool row, st.step());
    if (!row) return std::optional<StageRow>();
    return std::optional<StageRow>(read_stage_row(st));
}

Result<std::vector<StageRow>> list_stages(Database& db, std::string_view deal) {
    BATON_ASSIGN(auto st, db.prepare(std::string("SELECT ") + kStageColumns +
                                     " FROM handover_stages WHERE deal = ? ORDER BY stage_number"));
    st.bind(1, deal);
    std::vector<StageRow> out;
    for (;;) {
        BATON_ASSIGN(bool row, st.step());
        if (!row) return out;
        out.push_back(read_stage_row(st));
    }
}

Status set_stage_state(Database& db, std::string_view deal, uint32_t stage_number, std::string_view state,
                       std::string_view reason, UnixTime now) {
    return update_stage(db, deal, stage_number,
                        "UPDATE handover_stages SET state = ?3, reason = CASE WHEN ?4 = '' THEN reason ELSE ?4 END, "
                        "updated_at = ?5 WHERE deal = ?1 AND stage_number = ?2",
                        [&](Statement& st) { st.bind(3, state).bind(4, reason).bind(5, now); });
}

Status set_chunks_acknowledged(Database& db, std::string_view deal, uint32_t stage_number, uint32_t held) {
    BATON_ASSIGN(auto row, require_stage(db, deal, stage_number));
    if (held > row.chunk_count)
        return conflict_error(stage_label(deal, stage_number) + ": " + std::to_string(held) + " chunks acknowledged of " +
                              std::to_string(row.chunk_count));
    return update_stage(db, deal, stage_number,
                        "UPDATE handover_stages SET chunks_held = ?3 WHERE deal = ?1 AND stage_number = ?2",
                        [&](Statement& st) { st.bind(3, static_cast<int64_t>(held)); });
}

Status set_chunks_sent(Database& db, std::string_view deal, uint32_t stage_number, uint32_t sent, uint32_t acknowledged) {
    return update_stage(db, deal, stage_number,
                        "UPDATE handover_stages SET chunks_sent = max(chunks_sent, ?3), chunks_held = max(chunks_held, ?4) "
                        "WHERE deal = ?1 AND stage_number = ?2 AND ?3 <= chunk_count AND ?4 <= ?3",
                        [&](Statement& st) { st.bind(3, int64_t{sent}).bind(4, int64_t{acknowledged}); });
}

Status add_bytes_resent(Database& db, std::string_view deal, uint32_t stage_number, uint64_t bytes, bool new_resume) {
    return update_stage(db, deal, stage_number,
                        "UPDATE handover_stages SET bytes_resent = bytes_resent + ?3, resumes = resumes + ?4 "
                        "WHERE deal = ?1 AND stage_number = ?2",
                        [&](Statement& st) { st.bind(3, static_cast<int64_t>(bytes)).bind(4, int64_t{new_resume ? 1 : 0}); });
}

Status save_manifest(Database& db, std::string_view deal, uint32_t stage_number, ByteView manifest) {
    BATON_ASSIGN(auto row, require_stage(db, deal, stage_number));
    if (row.manifest) {
        if (same_bytes(*row.manifest, manifest)) return ok_status();
        return conflict_error(stage_label(deal, stage_number) + " has a different manifest already");
    }
    return update_stage(db, deal, stage_number,
                        "UPDATE handover_stages SET manifest = ?3 WHERE deal = ?1 AND stage_number = ?2",
                        [&](Statement& st) { st.bind_blob(3, manifest); });
}

Status save_inbound_stage(Database& db, const InboundStage& s, UnixTime now) {
    BATON_ASSIGN(auto existing, find_stage(db, s.deal, s.stage_number));
    if (existing) {
        if (existing->manifest && same_bytes(*existing->manifest, s.manifest)) return ok_status();
        return conflict_error(stage_label(s.deal, s.stage_number) + " was offered with a different manifest");
    }
    BATON_ASSIGN(auto st, db.prepare("INSERT INTO handover_stages(deal, stage_number, name, state, manifest, chunk_count, "
                                     "chunk_size, ciphertext_bytes, created_at, updated_at) "
                                     "VALUES(?, ?, ?, 'offered', ?, ?, ?, ?, ?, ?)"));
    st.bind(1, s.deal).bind(2, static_cast<int64_t>(s.stage_number)).bind(3, s.name).bind_blob(4, s.manifest);
    st.bind(5, static_cast<int64_t>(s.chunk_count)).bind(6, static_cast<int64_t>(s.chunk_size));
    st.bind(7, static_cast<int64_t>(s.ciphertext_bytes)).bind(8, now).bind(9, now);
    return st.run();
}

// ---- the content key ---------------------------------------------------------------------------

Status save_content_key(Database& db, const crypto::Key32& storage_key, std::string_view deal, uint32_t stage_number,
                        const crypto::Key32& content_key) {
    BATON_TRY(require_stage(db, deal, stage_number));
    auto stored = load_content_key(db, storage_key, deal, stage_number);
    if (stored) {
        if (stored->equals(content_key)) return ok_status();
        return conflict_error(stage_label(deal, stage_number) + " has a different content key already");
    }
    if (stored.error().kind() != ErrorKind::conflict) return stored.error();  // a key that does not open
    crypto::Nonce24 nonce;
    crypto::random_bytes(nonce);
    Bytes sealed(nonce.begin(), nonce.end());
    append(sealed, crypto::xchacha20poly1305_encrypt(storage_key, nonce, content_key_associated_data(deal, stage_number),
                                                     content_key.view()));
    return update_stage(db, deal, stage_number,
                        "UPDATE handover_stages SET content_key = ?3 WHERE deal = ?1 AND stage_number = ?2",
                        [&](Statement& st) { st.bind_blob(3, sealed); });
}

Result<crypto::Key32> load_content_key(Database& db, const crypto::Key32& storage_key, std::string_view deal,
                                       uint32_t stage_number) {
    BATON_ASSIGN(auto st, db.prepare("SELECT content_key FROM handover_stages WHERE deal = ? AND stage_number = ?"));
    st.bind(1, deal).bind(2, static_cast<int64_t>(stage_number));
    BATON_ASSIGN(bool row, st.step());
    if (!row || st.column_is_null(0)) return conflict_error(stage_label(deal, stage_number) + " has no content key");
    const Bytes sealed = st.column_blob(0);
    crypto::Nonce24 nonce;
    if (sealed.size() != nonce.size() + 32 + crypto::kAeadTagSize)
        return verify_error(stage_label(deal, stage_number) + ": the stored content key has a bad size");
    std::memcpy(nonce.data(), sealed.data(), nonce.size());
    auto key = crypto::xchacha20poly1305_decrypt_secret(storage_key, nonce, content_key_associated_data(deal, stage_number),
                                                        ByteView(sealed).subspan(nonce.size()));
    if (!key) return verify_error(stage_label(deal, stage_number) + ": the stored content key does not authenticate");
    return crypto::Key32(std::span<const uint8_t, 32>(key->data(), 32));
}

}  // namespace baton::storage
