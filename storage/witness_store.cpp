// witness_store.h: witness logs, mirrors, checkpoints, refused statements, peers' certificates.
#include "storage/witness_store.h"

#include <algorithm>

namespace baton::storage {

namespace {

bool same_bytes(ByteView a, ByteView b) { return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()); }

// Inserts (deal, key, bytes) into `table` unless the row exists: then the same bytes are ok and
// different ones a conflict (or ignored when `keep_first`).
Status put_once(Database& db, const char* table, const char* key_column, std::string_view deal, uint64_t key,
                ByteView bytes, bool keep_first) {
    const std::string t(table), k(key_column);
    BATON_ASSIGN(auto find, db.prepare("SELECT envelope FROM " + t + " WHERE deal = ? AND " + k + " = ?"));
    find.bind(1, deal).bind(2, static_cast<int64_t>(key));
    BATON_ASSIGN(bool found, find.step());
    if (found) {
        if (keep_first || same_bytes(find.column_blob(0), bytes)) return ok_status();
        return conflict_error(t + ": deal " + std::string(deal) + " holds different bytes at " + k + " " +
                              std::to_string(key));
    }
    BATON_ASSIGN(auto ins, db.prepare("INSERT INTO " + t + "(deal, " + k + ", envelope) VALUES(?, ?, ?)"));
    ins.bind(1, deal).bind(2, static_cast<int64_t>(key)).bind_blob(3, bytes);
    return ins.run();
}

Result<std::vector<std::pair<uint64_t, Bytes>>> indexed(Database& db, const char* table, const char* key_column,
                                                        std::string_view deal) {
    const std::string k(key_column);
    BATON_ASSIGN(auto st, db.prepare("SELECT " + k + ", envelope FROM " + std::string(table) + " WHERE deal = ? ORDER BY " + k));
    st.bind(1, deal);
    std::vector<std::pair<uint64_t, Bytes>> out;
    for (;;) {
        BATON_ASSIGN(bool row, st.step());
        if (!row) return out;
        out.emplace_back(static_cast<uint64_t>(st.column_int64(0)), st.column_blob(1));
    }
}

std::vector<Bytes> values(std::vector<std::pair<uint64_t, Bytes>> rows) {
    std::vector<Bytes> out;
    out.reserve(rows.size());
    for (auto& r : rows) out.push_back(std::move(r.second));
    return out;
}

}  // namespace

Status save_peer_certificate(Database& db, std::string_view deal, std::string_view role, ByteView envelope,
                             UnixTime now) {
    BATON_ASSIGN(auto st, db.prepare("INSERT INTO peer_certificates(deal, role, envelope, saved_at) VALUES(?, ?, ?, ?) "
                                     "ON CONFLICT(deal, role) DO UPDATE SET envelope = excluded.envelope, "
                                     "saved_at = excluded.saved_at"));
    st.bind(1, deal).bind(2, role).bind_blob(3, envelope).bind(4, now);
    return st.run();
}

Result<std::vector<StoredCertificate>> peer_certificates(Database& db, std::string_view deal) {
    BATON_ASSIGN(auto st, db.prepare("SELECT deal, role, envelope FROM peer_certificates WHERE deal = ? ORDER BY role"));
    st.bind(1, deal);
    std::vector<StoredCertificate> out;
    for (;;) {
        BATON_ASSIGN(bool row, st.step());
        if (!row) return out;
        out.push_back(StoredCertificate{st.column_text(0), st.column_text(1), 0, st.column_blob(2)});
    }
}

Status put_log_leaf(Database& db, std::string_view deal, uint64_t index, ByteView envelope) {
    return put_once(db, "witness_leaves", "idx", deal, index, envelope, false);
}

Result<std::vector<std::pair<uint64_t, Bytes>>> indexed_log_leaves(Database& db, std::string_view deal) {
    return indexed(db, "witness_leaves", "idx", deal);
}

Result<std::vector<Bytes>> log_leaves(Database& db, std::string_view deal) {
    BATON_ASSIGN(auto rows, indexed_log_leaves(db, deal));
    return values(std::move(rows));
}

Result<std::vector<std::string>> log_deals(Database& db) {
    BATON_ASSIGN(auto st, db.prepare("SELECT DISTINCT deal FROM witness_leaves ORDER BY deal"));
    std::vector<std::string> out;
    for (;;) {
        BATON_ASSIGN(bool row, st.step());
        if (!row) return out;
        out.push_back(st.column_text(0));
    }
}

Status save_checkpoint(Database& db, std::string_view deal, uint64_t tree_size, ByteView checkpoint_envelope) {
    return put_once(db, "witness_checkpoints", "tree_size", deal, tree_size, checkpoint_envelope, true);
}

Result<std::vector<Bytes>> checkpoints(Database& db, std::string_view deal) {
    BATON_ASSIGN(auto rows, indexed(db, "witness_checkpoints", "tree_size", deal));
    return values(std::move(rows));
}

Result<std::optional<std::pair<uint64_t, Bytes>>> latest_checkpoint(Database& db, std::string_view deal) {
    BATON_ASSIGN(auto st, db.prepare("SELECT tree_size, envelope FROM witness_checkpoints WHERE deal = ? "
                                     "ORDER BY tree_size DESC LIMIT 1"));
    st.bind(1, deal);
    BATON_ASSIGN(bool row, st.step());
    if (!row) return std::optional<std::pair<uint64_t, Bytes>>();
    return std::optional<std::pair<uint64_t, Bytes>>(
        std::make_pair(static_cast<uint64_t>(st.column_int64(0)), st.column_blob(1)));
}

Result<uint64_t> latest_checkpoint_size(Database& db, std::string_view deal) {
    BATON_ASSIGN(auto st, db.prepare("SELECT COALESCE(MAX(tree_size), 0) FROM witness_checkpoints WHERE deal = ?"));
    st.bind(1, deal);
    BATON_ASSIGN(bool row, st.step());
    return row ? static_cast<uint64_t>(st.column_int64(0)) : uint64_t{0};
}

Status save_refused_statement(Database& db, std::string_view deal, uint64_t refusal_index, ByteView refused_envelope) {
    return put_once(db, "witness_refused", "refusal_index", deal, refusal_index, refused_envelope, false);
}

Result<std::vector<std::pair<uint64_t, Bytes>>> refused_statements(Database& db, std::string_view deal) {
    return indexed(db, "witness_refused", "refusal_index", deal);
}

}  // namespace baton::storage
