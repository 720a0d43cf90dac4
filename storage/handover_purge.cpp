#include "storage/handover_purge.h"

#include <algorithm>

#include "storage/handover_rows.h"

namespace baton::storage {

namespace {

// Runs a statement whose parameters are (?1 = deal, ?2 = stage_number).
Status run_for_stage(Database& db, const char* sql, std::string_view deal, uint32_t stage_number) {
    BATON_ASSIGN(auto st, db.prepare(sql));
    st.bind(1, deal).bind(2, static_cast<int64_t>(stage_number));
    return st.run();
}

// Counts, then deletes, the stage's chunks.
Status delete_chunks(Database& db, std::string_view deal, uint32_t stage_number, PurgeCounts& counts) {
    BATON_ASSIGN(auto count, db.prepare("SELECT count(*), coalesce(sum(length(ciphertext)), 0) FROM handover_chunks "
                                        "WHERE deal = ?1 AND stage_number = ?2"));
    count.bind(1, deal).bind(2, static_cast<int64_t>(stage_number));
    BATON_ASSIGN(bool row, count.step());
    if (row) {
        counts.chunks = static_cast<uint32_t>(count.column_int64(0));
        counts.chunk_bytes = static_cast<uint64_t>(count.column_int64(1));
    }
    return run_for_stage(db, "DELETE FROM handover_chunks WHERE deal = ?1 AND stage_number = ?2", deal, stage_number);
}

Status delete_content_key(Database& db, std::string_view deal, uint32_t stage_number, PurgeCounts& counts) {
    BATON_ASSIGN(auto held, db.prepare("SELECT content_key IS NOT NULL FROM handover_stages WHERE deal = ?1 AND "
                                       "stage_number = ?2"));
    held.bind(1, deal).bind(2, static_cast<int64_t>(stage_number));
    BATON_ASSIGN(bool row, held.step());
    counts.content_key = row && held.column_int64(0) != 0;
    return run_for_stage(db, "UPDATE handover_stages SET content_key = NULL WHERE deal = ?1 AND stage_number = ?2", deal,
                         stage_number);
}

// Deletes set `name` with its batches and key hashes, if stored.
Status delete_set(Database& db, const std::string& name, PurgeCounts& counts) {
    BATON_ASSIGN(auto find, db.prepare("SELECT id, records, (SELECT count(*) FROM record_batches WHERE set_id = "
                                       "record_sets.id) FROM record_sets WHERE name = ?"));
    find.bind(1, name);
    BATON_ASSIGN(bool row, find.step());
    if (!row) return ok_status();
    const int64_t id = find.column_int64(0);
    counts.records += static_cast<uint64_t>(std::max<int64_t>(find.column_int64(1), 0));
    counts.batches += static_cast<uint64_t>(std::max<int64_t>(find.column_int64(2), 0));
    for (const char* sql : {"DELETE FROM record_batches WHERE set_id = ?", "DELETE FROM record_key_hashes WHERE set_id = ?",
                            "DELETE FROM record_sets WHERE id = ?"}) {
        BATON_ASSIGN(auto st, db.prepare(sql));
        st.bind(1, id);
        BATON_TRY(st.run());
    }
    counts.sets.push_back(name);
    return ok_status();
}

Result<int64_t> pragma_int(Database& db, const char* sql) {
    BATON_ASSIGN(auto st, db.prepare(sql));
    BATON_ASSIGN(bool row, st.step());
    if (!row) return internal_error(std::string(sql) + " returned nothing");
    return st.column_int64(0);
}

// PRAGMA wal_checkpoint(TRUNCATE): fails when a reader kept it from copying every frame (the
// -wal file then still holds them).
Status checkpoint_truncate(Database& db, std::string_view when) {
    BATON_ASSIGN(auto st, db.prepare("PRAGMA wal_checkpoint(TRUNCATE)"));
    BATON_ASSIGN(bool row, st.step());
    if (!row) return internal_error("PRAGMA wal_checkpoint returned nothing");
    const int64_t busy = st.column_int64(0), log = st.column_int64(1), done = st.column_int64(2);
    if (busy != 0 || (log >= 0 && done != log))
        return io_error("the WAL checkpoint " + std::string(when) + " could not finish (" + std::to_string(done) + " of " +
                        std::to_string(log) +
                        " frames): another process is using the database; stop it (baton serve, baton push) and run "
                        "the purge again to complete it");
    return ok_status();
}

}  // namespace

Result<bool> stage_purged(Database& db, std::string_view deal, uint32_t stage_number) {
    BATON_ASSIGN(auto st, db.prepare("SELECT 1 FROM handover_receipts WHERE deal = ?1 AND stage_number = ?2 AND kind = ?3"));
    st.bind(1, deal).bind(2, static_cast<int64_t>(stage_number)).bind(3, kPurgedReceiptKind);
    return st.step();
}

Result<PurgeCounts> purge_stage(Database& db, std::string_view deal, uint32_t stage_number,
                                const std::vector<std::string>& sets, ByteView purged_receipt, UnixTime now) {
    if (!db.in_transaction()) return internal_error("purge_stage needs an open transaction");
    BATON_ASSIGN(auto row, require_stage(db, deal, stage_number));
    BATON_ASSIGN(bool purged, stage_purged(db, deal, stage_number));
    if (purged) return conflict_error(stage_label(deal, stage_number) + " is purged already");
    if (row.state != "accepted")
        return conflict_error(stage_label(deal, stage_number) + " is " + row.state + ": only an accepted stage can be purged");
    PurgeCounts counts;
    BATON_TRY(delete_chunks(db, deal, stage_number, counts));
    BATON_TRY(delete_content_key(db, deal, stage_number, counts));
    for (const auto& name : sets) BATON_TRY(delete_set(db, name, counts));
    BATON_TRY(save_receipt(db, deal, stage_number, kPurgedReceiptKind, purged_receipt, now));
    return counts;
}

Result<ScrubResult> scrub_database(Database& db) {
    if (db.in_transaction()) return internal_error("scrub_database cannot run inside a transaction");
    // Database::open turns secure_delete on; check that this connection still has it, since
    // everything below relies on deleted cells having been zeroed.
    BATON_TRY(db.exec("PRAGMA secure_delete=ON"));
    BATON_ASSIGN(int64_t secure, pragma_int(db, "PRAGMA secure_delete"));
    if (secure != 1) return internal_error("PRAGMA secure_delete is not on for the database connection");
    BATON_TRY(checkpoint_truncate(db, "before VACUUM"));
    BATON_TRY(db.exec("VACUUM"));
    BATON_TRY(checkpoint_truncate(db, "after VACUUM"));
    ScrubResult r;
    BATON_ASSIGN(int64_t pages, pragma_int(db, "PRAGMA page_count"));
    BATON_ASSIGN(int64_t free_pages, pragma_int(db, "PRAGMA freelist_count"));
    r.pages = static_cast<uint64_t>(pages);
    r.free_pages = static_cast<uint64_t>(free_pages);
    return r;
}

}  // namespace baton::storage
