// Offline verification of an evidence file (docs/evidence.md "Checks"): given the file's bytes and
// the authority's public key — nothing else, no clock, no network — every certificate, statement,
// role, stage transition and, when the plan names a witness, the witness log and its checkpoints.
//
// The result is a list of named checks, each passed or failed with a message naming what failed
// ("receipt 3 (stage 2 transactions, accepted): not signed by the plan's buyer"), plus what the
// file says (parties, stages, checkpoints) for summaries and reports. Checks whose inputs did not
// open are listed as failed with "not checked: ...", so a file passes only when every check ran
// and held. Pure: no I/O; never aborts on input.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "certs/types.h"
#include "protocol/evidence/evidence_file.h"
#include "protocol/handover/statements.h"

namespace baton::evidence {

struct CheckResult {
    std::string name;     // stable: "format", "certificates", "plan", ... (docs/evidence.md)
    bool passed = false;
    std::string message;  // what was checked, or what failed
};

struct PartyView {
    std::string role;                          // "seller" | "buyer" | "witness"
    std::string name;                          // as the plan names it
    crypto::PublicKey key{};
    std::optional<certs::Certificate> certificate;  // the file's certificate for this role, if it decodes
};

struct ReceiptView {
    handover::ReceiptKind kind = handover::ReceiptKind::delivered;
    UnixTime signed_at = 0;
    std::string reason;                        // rejected: "code: detail"
    crypto::Digest32 hash{};                   // statement_hash
};

struct StageView {
    uint32_t number = 0;                       // from 0
    std::string name;
    std::vector<std::string> sets;             // as planned
    std::optional<handover::Manifest> manifest;
    crypto::Digest32 manifest_hash{};
    std::vector<ReceiptView> receipts;         // in file order
    std::optional<UnixTime> key_released_at;
    std::string state;                         // last receipt kind, "offered" (manifest only) or "pending"
};

struct CheckpointView {
    uint64_t tree_size = 0;
    crypto::Digest32 root{};
    UnixTime signed_at = 0;
};

struct RefusalView {
    uint64_t leaf_index = 0;
    std::string reason_code, reason_detail;
    UnixTime signed_at = 0;
    std::string refused_kind;                  // the refused statement's context, if it decodes
};

struct Verification {
    std::string deal;
    std::optional<handover::Plan> plan;
    crypto::Digest32 plan_hash{};
    std::optional<handover::Countersign> countersign;
    std::vector<PartyView> parties;            // seller, buyer, then witness when the plan names one
    std::string producer;                      // the role of the party that wrote and signed the file
    std::vector<StageView> stages;             // one per planned stage
    size_t log_leaves = 0;
    std::vector<CheckpointView> checkpoints;
    std::vector<RefusalView> refusals;
    std::vector<CheckResult> checks;

    // True when there is at least one check and every check passed.
    bool ok() const;
    // The checks that failed.
    std::vector<CheckResult> failures() const;
};

// Verifies `file` against the authority `authority` (the deal's certificate issuer).
Verification verify_evidence(ByteView file, const crypto::PublicKey& authority);

}  // namespace baton::evidence
