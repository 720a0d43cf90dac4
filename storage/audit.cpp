#include "storage/audit.h"

#include <charconv>

#include "core/crypto.h"

namespace baton::storage {

namespace {

Bytes row_hash(ByteView prev, int64_t seq, UnixTime at, std::string_view event, std::string_view detail) {
    Bytes in = to_bytes("baton-audit-v1");
    append(in, prev);
    put_u64_be(in, static_cast<uint64_t>(seq));
    put_u64_be(in, static_cast<uint64_t>(at));
    put_u32_be(in, static_cast<uint32_t>(event.size()));
    append(in, as_bytes(event));
    put_u32_be(in, static_cast<uint32_t>(detail.size()));
    append(in, as_bytes(detail));
    auto d = crypto::blake2b_256(in);
    return Bytes(d.begin(), d.end());
}

struct Head {
    int64_t seq = 0;
    Bytes hash = Bytes(32, 0);
};

Result<Head> stored_head(Database& db) {
    BATON_ASSIGN(auto seq, db.meta("audit_head_seq"));
    BATON_ASSIGN(auto hash, db.meta("audit_head_hash"));
    Head h;
    if (!seq || !hash) return h;
    auto [end, ec] = std::from_chars(seq->data(), seq->data() + seq->size(), h.seq);
    if (ec != std::errc() || end != seq->data() + seq->size()) return verify_error("audit chain head is corrupt");
    BATON_ASSIGN(h.hash, from_hex(*hash, "audit head"));
    return h;
}

Status append_row(Database& db, UnixTime at, std::string_view event, std::string_view detail) {
    BATON_ASSIGN(Head head, stored_head(db));
    int64_t seq = head.seq + 1;
    Bytes hash = row_hash(head.hash, seq, at, event, detail);
    BATON_ASSIGN(auto st, db.prepare("INSERT INTO audit(seq, at, event, detail, prev_hash, hash) VALUES(?,?,?,?,?,?)"));
    st.bind(1, seq).bind(2, at).bind(3, event).bind(4, detail).bind_blob(5, head.hash).bind_blob(6, hash);
    BATON_TRY(st.run());
    BATON_TRY(db.set_meta("audit_head_seq", std::to_string(seq)));
    return db.set_meta("audit_head_hash", to_hex(hash));
}

}  // namespace

Status append_audit(Database& db, UnixTime at, std::string_view event, std::string_view detail) {
    // The row and the chain head are written together or not at all, inside the caller's
    // transaction or on their own: a row without its head (a crash, a full disk) would break
    // the chain and make every later append collide with it. On its own it takes the write
    // lock first (BEGIN IMMEDIATE): another connection may append meanwhile, and a read-then-
    // write transaction would then fail instead of waiting its turn.
    if (!db.in_transaction()) {
        BATON_ASSIGN(auto tx, Transaction::begin(db));
        BATON_TRY(append_row(db, at, event, detail));
        return tx.commit();
    }
    BATON_TRY(db.exec("SAVEPOINT audit_append"));
    auto written = append_row(db, at, event, detail);
    if (!written) {
        (void)db.exec("ROLLBACK TO audit_append; RELEASE audit_append");
        return written.error();
    }
    return db.exec("RELEASE audit_append");
}

Result<std::vector<AuditRow>> read_audit(Database& db, int64_t limit) {
    BATON_ASSIGN(auto st, db.prepare("SELECT seq, at, event, detail, prev_hash, hash FROM "
                                     "(SELECT * FROM audit ORDER BY seq DESC LIMIT ?) ORDER BY seq"));
    st.bind(1, limit);
    std::vector<AuditRow> rows;
    while (true) {
        BATON_ASSIGN(bool row, st.step());
        if (!row) break;
        rows.push_back(AuditRow{st.column_int64(0), st.column_int64(1), st.column_text(2), st.column_text(3),
                                st.column_blob(4), st.column_blob(5)});
    }
    return rows;
}

Result<AuditVerdict> verify_audit(Database& db) {
    BATON_ASSIGN(auto st, db.prepare("SELECT seq, at, event, detail, prev_hash, hash FROM audit ORDER BY seq"));
    AuditVerdict v;
    Bytes prev(32, 0);
    int64_t expected = 1;
    auto bad = [&](int64_t seq, std::string why) {
        v.first_bad_seq = seq;
        v.problem = std::move(why);
        return v;
    };
    while (true) {
        BATON_ASSIGN(bool row, st.step());
        if (!row) break;
        int64_t seq = st.column_int64(0);
        if (seq != expected) return bad(expected, "row " + std::to_string(expected) + " is missing");
        if (st.column_blob(4) != prev) return bad(seq, "row " + std::to_string(seq) + " does not follow row " + std::to_string(seq - 1));
        Bytes h = row_hash(prev, seq, st.column_int64(1), st.column_text(2), st.column_text(3));
        if (h != st.column_blob(5)) return bad(seq, "row " + std::to_string(seq) + " was altered");
        prev = std::move(h);
        ++expected;
        ++v.rows;
    }
    BATON_ASSIGN(Head head, stored_head(db));
    if (head.seq != v.rows || head.hash != prev)
        return bad(v.rows + 1, "rows after " + std::to_string(v.rows) + " were deleted (the chain head records " +
                                   std::to_string(head.seq) + " rows)");
    return v;
}

}  // namespace baton::storage
