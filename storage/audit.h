// The audit chain: every security-relevant event (key use, session, authentication failure,
// import, certificate and trust change, stage transition, export, purge) as a row whose hash
// covers the previous row's hash:
//   hash = BLAKE2b-256("baton-audit-v1" || prev_hash || u64be seq || i64be at ||
//                      u32be len || event || u32be len || detail)
// The first row's prev_hash is 32 zero bytes. The chain's head (row count and last hash) is
// also kept in the meta table, so deleting the newest rows is detected too.
//
// Rows never hold secrets or record values: events name keys by fingerprint.
#pragma once

#include <string>
#include <vector>

#include "core/time.h"
#include "storage/db.h"

namespace baton::storage {

struct AuditRow {
    int64_t seq = 0;
    UnixTime at = 0;
    std::string event;
    std::string detail;
    Bytes prev_hash;
    Bytes hash;
};

// Appends a row inside the caller's transaction if one is open (so the event commits together
// with the change it records), or as its own statement otherwise.
Status append_audit(Database& db, UnixTime at, std::string_view event, std::string_view detail);

// The newest `limit` rows, oldest first.
Result<std::vector<AuditRow>> read_audit(Database& db, int64_t limit);

struct AuditVerdict {
    int64_t rows = 0;
    int64_t first_bad_seq = 0;  // 0 when the chain holds
    std::string problem;
    bool ok() const { return first_bad_seq == 0; }
};

// Walks the whole chain in bounded memory. Fails only when the database cannot be read.
Result<AuditVerdict> verify_audit(Database& db);

}  // namespace baton::storage
