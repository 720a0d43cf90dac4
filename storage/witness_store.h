// Witness logs, their mirrors and the peers' certificates (migration 4; docs/witness.md).
//
// Used by the witness (the log it keeps for each deal) and by the seller (a mirror: every leaf
// and checkpoint the witness returned); the buyer keeps the checkpoints the seller forwards.
// Storage knows nothing of statements or Merkle trees: values are the exact bytes given, and the
// caller (protocol/witness) decides what they mean. Every function runs inside the caller's
// transaction when one is open.
//
// Tables:
//   peer_certificates    (deal, role) key; the certificate envelope another party presented in a
//                        session of the deal; replaced by a newer one
//   witness_leaves       (deal, idx) key; a leaf (statement envelope) of the deal's log
//   witness_checkpoints  (deal, tree_size) key; a signed checkpoint envelope
//   witness_refused      (deal, refusal_index) key; a statement the witness refused, beside the
//                        index of the Refusal leaf that names it
//
// Errors: io for SQLite failures, conflict for bytes that contradict stored ones.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"
#include "storage/credentials.h"
#include "storage/db.h"

namespace baton::storage {

// Other parties' certificates as presented in this deal's sessions (exact envelope bytes);
// replaces any stored for (deal, role). StoredCertificate::serial is 0 (storage does not decode).
Status save_peer_certificate(Database& db, std::string_view deal, std::string_view role, ByteView envelope,
                             UnixTime now);
// In role order.
Result<std::vector<StoredCertificate>> peer_certificates(Database& db, std::string_view deal);

// The log (witness) or its mirror (seller): leaves by index from 0. The same bytes again at an
// index: ok; different bytes: conflict.
Status put_log_leaf(Database& db, std::string_view deal, uint64_t index, ByteView envelope);
// The stored leaves in index order (a mirror may lack some for a moment: see log_leaf_indices).
Result<std::vector<Bytes>> log_leaves(Database& db, std::string_view deal);
// (index, leaf) pairs in index order.
Result<std::vector<std::pair<uint64_t, Bytes>>> indexed_log_leaves(Database& db, std::string_view deal);
// Deals with a stored log or mirror, in order.
Result<std::vector<std::string>> log_deals(Database& db);

// A signed checkpoint of `tree_size` leaves. The first one stored for a size is kept (another
// signing of the same size is a no-op).
Status save_checkpoint(Database& db, std::string_view deal, uint64_t tree_size, ByteView checkpoint_envelope);
// By tree size, smallest first.
Result<std::vector<Bytes>> checkpoints(Database& db, std::string_view deal);
// The size of the largest checkpointed tree (0: none).
Result<uint64_t> latest_checkpoint_size(Database& db, std::string_view deal);
// The checkpoint of the largest tree, if any.
Result<std::optional<std::pair<uint64_t, Bytes>>> latest_checkpoint(Database& db, std::string_view deal);

// A statement the witness refused; its Refusal is the leaf at refusal_index. Same bytes again: ok.
Status save_refused_statement(Database& db, std::string_view deal, uint64_t refusal_index, ByteView refused_envelope);
Result<std::vector<std::pair<uint64_t, Bytes>>> refused_statements(Database& db, std::string_view deal);

}  // namespace baton::storage
