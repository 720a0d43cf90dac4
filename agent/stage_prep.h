// Preparing a plan's stages on the seller (DESIGN §3 step 3, docs/handover.md "Stage plaintext",
// "Chunks"): mask, encode, encrypt into chunks, hash, and sign the manifest — once per stage.
// `baton prepare` calls prepare_stages, and so does `baton push` before it offers a stage.
//
// Each stage is prepared in its own transaction: the chunks, the sealed content key, the stage
// row, the signed manifest and the "stage.prepared" audit row commit together or not at all, so
// an interrupted preparation leaves no half-prepared stage behind and a rerun starts it afresh.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/home.h"
#include "certs/keyfile.h"
#include "protocol/handover/statements.h"

namespace baton::agent {

// 1 MiB, the chunk size of DESIGN §2: large enough that per-chunk costs (one AEAD call, one
// SQLite row, one acknowledgement) vanish next to the bytes, small enough that the in-flight
// window (8 chunks) and one chunk in memory stay far inside the agent's memory budget, and a
// resume re-sends little. Provisional until the loopback throughput is measured against scp.
inline constexpr uint32_t kDefaultChunkSize = 1u << 20;

// The deal's pseudonymization key: BLAKE2b-256 keyed with the storage key over
// "baton-pseudonym-key-v1" 0x00 deal. Stable for the agent and the deal (so a re-prepared stage
// gives the same tokens and joins between stages still work); another deal gets unrelated tokens.
Secret<32> derive_pseudonym_key(const crypto::Key32& storage_key, std::string_view deal);

// One stage of the plan, as prepared now or found prepared earlier.
struct StagePrepared {
    uint32_t stage_number = 0;         // index in plan.stages
    std::string stage;
    bool prepared_now = false;         // false: it was prepared before and left as it was
    uint64_t records = 0;              // over all sets of the stage
    uint32_t chunk_size = 0, chunk_count = 0;
    uint64_t ciphertext_bytes = 0, plaintext_bytes = 0;
    crypto::Digest32 merkle_root{}, manifest_hash{};
};

// Reported while preparing: progress of a stage (finished == nullptr), then once per stage when
// it is done or found prepared already (finished points at its summary, valid during the call).
struct PrepareEvent {
    uint32_t stage_number = 0;
    std::string_view stage;
    uint64_t records_done = 0, records_total = 0, bytes = 0;
    const StagePrepared* finished = nullptr;
};
using ProgressFn = std::function<void(const PrepareEvent&)>;

// Prepares every stage of `plan` (or only the stage named `only_stage`) that has no stored stage
// row yet, in plan order, and returns a summary of each stage considered. `plan_env` is the
// signed plan (its hash goes into every manifest). `progress` may be empty.
// REQUIRES: `plan` was opened from `plan_env`; no transaction is open on home.db().
// Fails: conflict when this agent is not the plan's seller, `only_stage` names no stage of the
// plan, a set of a stage is missing, or a stored stage has no manifest; verify_failed when a
// stored manifest does not open; io as storage does. Stages prepared before a failure stay.
Result<std::vector<StagePrepared>> prepare_stages(Home& home, const certs::AgentKeys& keys, const handover::Plan& plan,
                                                  const handover::Signed& plan_env,
                                                  std::optional<std::string> only_stage, const ProgressFn& progress,
                                                  uint32_t chunk_size = kDefaultChunkSize);

}  // namespace baton::agent
