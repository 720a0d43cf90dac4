#include "storage/migrations.h"

namespace baton::storage {

namespace {

// 1: the agent's identity-related state and the audit chain.
constexpr const char* kV1 = R"SQL(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
-- Hash-chained security events (storage/audit.h). seq has no gaps; hash covers prev_hash.
CREATE TABLE audit (
  seq       INTEGER PRIMARY KEY,
  at        INTEGER NOT NULL,
  event     TEXT NOT NULL,
  detail    TEXT NOT NULL,
  prev_hash BLOB NOT NULL,
  hash      BLOB NOT NULL
);
-- Certificates issued to this agent and installed by its operator, one per (deal, role).
CREATE TABLE own_certificates (
  deal         TEXT NOT NULL,
  role         TEXT NOT NULL,
  serial       INTEGER NOT NULL,
  issuer_key   BLOB NOT NULL,
  not_after    INTEGER NOT NULL,
  envelope     BLOB NOT NULL,
  installed_at INTEGER NOT NULL,
  PRIMARY KEY (deal, role)
);
-- Authorities whose certificates this agent accepts for a deal.
CREATE TABLE trust_anchors (
  deal      TEXT NOT NULL,
  authority BLOB NOT NULL,
  name      TEXT NOT NULL,
  identity  BLOB NOT NULL,
  added_at  INTEGER NOT NULL,
  PRIMARY KEY (deal, authority)
);
-- The newest revocation list installed from each authority for each deal.
CREATE TABLE revocation_lists (
  deal         TEXT NOT NULL,
  issuer_key   BLOB NOT NULL,
  number       INTEGER NOT NULL,
  envelope     BLOB NOT NULL,
  installed_at INTEGER NOT NULL,
  PRIMARY KEY (deal, issuer_key)
);
-- Certificates this agent issued as an authority, and the serials it revoked.
CREATE TABLE issued_certificates (
  serial       INTEGER PRIMARY KEY,
  deal         TEXT NOT NULL,
  role         TEXT NOT NULL,
  subject_name TEXT NOT NULL,
  subject_key  BLOB NOT NULL,
  not_after    INTEGER NOT NULL,
  issued_at    INTEGER NOT NULL,
  revoked_at   INTEGER
);
CREATE TABLE issued_revocation_lists (
  deal      TEXT PRIMARY KEY,
  number    INTEGER NOT NULL
);
)SQL";

// 2: record sets (storage/record_store.h). Values exist only sealed, in record_batches.
constexpr const char* kV2 = R"SQL(
CREATE TABLE record_sets (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE,
  schema_json     TEXT NOT NULL,
  columns         TEXT NOT NULL,
  import_id       BLOB NOT NULL,
  records         INTEGER NOT NULL,
  rejected        INTEGER NOT NULL,
  digest          BLOB NOT NULL,
  source_file     TEXT NOT NULL,
  source_format   TEXT NOT NULL,
  source_encoding TEXT NOT NULL,
  imported_at     INTEGER NOT NULL
);
-- XChaCha20-Poly1305 batches of encoded records (docs/formats.md "Record sets").
CREATE TABLE record_batches (
  set_id     INTEGER NOT NULL REFERENCES record_sets(id) ON DELETE CASCADE,
  batch      INTEGER NOT NULL,
  records    INTEGER NOT NULL,
  nonce      BLOB NOT NULL,
  ciphertext BLOB NOT NULL,
  PRIMARY KEY (set_id, batch)
);
-- Keyed hashes of the accepted values of unique fields, 16 bytes each, packed.
CREATE TABLE record_key_hashes (
  set_id INTEGER NOT NULL REFERENCES record_sets(id) ON DELETE CASCADE,
  field  TEXT NOT NULL,
  part   INTEGER NOT NULL,
  hashes BLOB NOT NULL,
  PRIMARY KEY (set_id, field, part)
);
)SQL";

// 3: staged handovers (storage/handover_store.h, docs/handover.md). Signed statements are kept
// as the exact bytes received or made. Chunks are stored exactly as sent: ciphertext under the
// stage's content key, never plaintext; the content key only sealed under the storage key.
constexpr const char* kV3 = R"SQL(
CREATE TABLE handover_plans (
  deal        TEXT PRIMARY KEY,
  role        TEXT NOT NULL CHECK (role IN ('seller', 'buyer')),
  plan        BLOB NOT NULL,
  plan_hash   BLOB NOT NULL,
  countersign BLOB,
  created_at  INTEGER NOT NULL
);
-- One row per stage and role's view of it. chunk_hashes: chunk_count x 32 bytes (Merkle leaf
-- hashes, in order); content_key: nonce (24) || XChaCha20-Poly1305 of the 32-byte key.
CREATE TABLE handover_stages (
  deal             TEXT NOT NULL,
  stage_number     INTEGER NOT NULL,
  name             TEXT NOT NULL,
  state            TEXT NOT NULL,
  manifest         BLOB,
  chunk_count      INTEGER NOT NULL,
  chunk_size       INTEGER NOT NULL,
  chunk_hashes     BLOB,
  content_key      BLOB,
  chunks_held      INTEGER NOT NULL DEFAULT 0,
  chunks_sent      INTEGER NOT NULL DEFAULT 0,
  ciphertext_bytes INTEGER NOT NULL,
  plaintext_bytes  INTEGER NOT NULL DEFAULT 0,
  bytes_resent     INTEGER NOT NULL DEFAULT 0,
  resumes          INTEGER NOT NULL DEFAULT 0,
  reason           TEXT NOT NULL DEFAULT '',
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  PRIMARY KEY (deal, stage_number)
);
-- Chunks are 1 MiB blobs: a rowid table keeps them out of the index b-tree.
CREATE TABLE handover_chunks (
  id           INTEGER PRIMARY KEY,
  deal         TEXT NOT NULL,
  stage_number INTEGER NOT NULL,
  idx          INTEGER NOT NULL,
  ciphertext   BLOB NOT NULL,
  UNIQUE (deal, stage_number, idx)
);
CREATE TABLE handover_receipts (
  deal         TEXT NOT NULL,
  stage_number INTEGER NOT NULL,
  kind         TEXT NOT NULL,
  statement    BLOB NOT NULL,
  saved_at     INTEGER NOT NULL,
  PRIMARY KEY (deal, stage_number, kind)
);
CREATE TABLE handover_key_releases (
  deal         TEXT NOT NULL,
  stage_number INTEGER NOT NULL,
  statement    BLOB NOT NULL,
  sealed_key   BLOB NOT NULL,
  PRIMARY KEY (deal, stage_number)
);
)SQL";

// 4: witness logs and the seller's mirrors of them, checkpoints, refused statements, and the
// certificates other parties presented in a deal's sessions (storage/witness_store.h,
// docs/witness.md). Values are exact envelope bytes.
constexpr const char* kV4 = R"SQL(
CREATE TABLE peer_certificates (
  deal     TEXT NOT NULL,
  role     TEXT NOT NULL,
  envelope BLOB NOT NULL,
  saved_at INTEGER NOT NULL,
  PRIMARY KEY (deal, role)
);
CREATE TABLE witness_leaves (
  deal     TEXT NOT NULL,
  idx      INTEGER NOT NULL,
  envelope BLOB NOT NULL,
  PRIMARY KEY (deal, idx)
);
CREATE TABLE witness_checkpoints (
  deal      TEXT NOT NULL,
  tree_size INTEGER NOT NULL,
  envelope  BLOB NOT NULL,
  PRIMARY KEY (deal, tree_size)
);
CREATE TABLE witness_refused (
  deal          TEXT NOT NULL,
  refusal_index INTEGER NOT NULL,
  envelope      BLOB NOT NULL,
  PRIMARY KEY (deal, refusal_index)
);
)SQL";

constexpr Migration kMigrations[] = {
    {1, kV1},
    {2, kV2},
    {3, kV3},
    {4, kV4},
};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }
int latest_schema_version() { return kMigrations[std::size(kMigrations) - 1].version; }

}  // namespace baton::storage
