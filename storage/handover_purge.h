// Purging the seller's copy of a handed-over stage (baton purge; DESIGN §3 step 5, docs/witness.md
// "Purge and notices").
//
// A purge is two steps, each safe to cut anywhere (kill -9, power cut):
//  1. purge_stage(), inside the caller's transaction: deletes the stage's chunks (handover_chunks),
//     its sealed content key (handover_stages.content_key becomes NULL) and the record sets the
//     caller names (record_sets rows with their record_batches and record_key_hashes), and stores
//     the signed `purged` receipt with the stage's other receipts (handover_receipts). The caller
//     commits it together with its audit row: either all of it happened or none of it.
//  2. scrub_database(), outside any transaction: makes sure no deleted byte survives in a file of
//     the home. secure_delete is on for the connection (deleted cells and freed pages are written
//     over with zeros); PRAGMA wal_checkpoint(TRUNCATE) copies every frame into the database and
//     empties the -wal file; VACUUM rebuilds the database without free pages; a second TRUNCATE
//     checkpoint empties the -wal file again. Scrubbing again is harmless, so re-running a purge
//     that was cut after step 1 completes it.
//
// What stays, because it is the evidence of what was handed over and holds no record: the stage's
// row (state "accepted", manifest, chunk hashes, counts), its receipts and its key release (the
// content key sealed to the buyer, which the seller cannot open). A stage holding a `purged`
// receipt is purged (stage_purged); `baton status` shows it so.
//
// Errors: io for SQLite failures (a full disk included) and for a checkpoint another connection
// blocks; conflict for a stage that does not exist, is not accepted or is purged already.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "storage/db.h"

namespace baton::storage {

// The receipt kind a purge stores (protocol: ReceiptKind::purged, signed by the seller).
inline constexpr std::string_view kPurgedReceiptKind = "purged";

// What purge_stage deleted.
struct PurgeCounts {
    uint32_t chunks = 0;             // chunk rows deleted
    uint64_t chunk_bytes = 0;        // their ciphertext bytes
    bool content_key = false;        // whether a sealed content key was held and deleted
    std::vector<std::string> sets;   // record sets deleted (names asked for but not stored are skipped)
    uint64_t records = 0;            // records in those sets
    uint64_t batches = 0;            // sealed batches deleted
};

// Whether the stage holds a purged receipt.
Result<bool> stage_purged(Database& db, std::string_view deal, uint32_t stage_number);

// Deletes the stage's chunks and content key and the record sets `sets` (the caller decided no
// other unpurged stage needs them), and stores `purged_receipt` (exact statement bytes) as the
// stage's purged receipt.
// REQUIRES: an open transaction (commits with the caller's audit row).
// Fails (conflict) when the stage does not exist, is not in state "accepted" (naming its state),
// or holds a purged receipt already; (io) on SQLite failures.
Result<PurgeCounts> purge_stage(Database& db, std::string_view deal, uint32_t stage_number,
                                const std::vector<std::string>& sets, ByteView purged_receipt, UnixTime now);

// What scrub_database found and did.
struct ScrubResult {
    uint64_t pages = 0;              // database pages after VACUUM
    uint64_t free_pages = 0;         // free pages after VACUUM (0 unless something else wrote meanwhile)
};

// Turns secure_delete on (and checks that it is), empties the WAL into the database, VACUUMs and
// empties the WAL again, as the file comment says.
// REQUIRES: no transaction is open on `db`.
// Fails (internal) when secure_delete does not stay on or a transaction is open; (io) when a
// checkpoint cannot finish because another connection is reading (stop the other baton process
// and run again) or SQLite fails.
Result<ScrubResult> scrub_database(Database& db);

}  // namespace baton::storage
