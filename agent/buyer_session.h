// The buyer's side of a handover session (docs/handover.md "Session flow"), run by `serve` for
// each established session whose peer is the deal's seller.
//
// Durability: every answer that tells the seller something is held (PlanAgree, StageStatus,
// ChunkAck, a receipt) is sent only after the state it reports was committed, on the DbWorker's
// thread. Chunks are committed by a separate coroutine in batches (everything that arrived
// while the previous commit ran), so the socket keeps being read while SQLite writes.
//
// The seller's certificate is stored with the plan (storage/witness_store.h, for evidence). When
// the plan names a witness, the seller forwards the witness's checkpoints (CheckpointNotice): each
// is verified against the plan's witness key, deal and plan hash, and stored.
//
// Memory: one chunk being assembled plus at most the seller's window of chunks waiting for
// their commit (a seller that sends more is cut off).
#pragma once

#include <asio.hpp>

#include <deque>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "agent/db_worker.h"
#include "agent/outbox.h"
#include "certs/keyfile.h"
#include "protocol/handover/delivery.h"
#include "protocol/handover/statements.h"

namespace baton::agent {

class BuyerSession {
public:
    // Everything referenced must outlive the session.
    BuyerSession(DbWorker& db, const certs::AgentKeys& keys, const certs::Certificate& peer, std::string deal,
                 Outbox& out, nlohmann::json log_fields);
    ~BuyerSession();

    // Handles one handover message. An error ends the session (a Refusal naming the cause has
    // been queued when the peer should hear it).
    asio::awaitable<Status> on_message(const session::SessionMessage& m);
    // Commits assembled chunks and acknowledges them; runs until stop() or a failure.
    asio::awaitable<Status> run_committer();
    void stop();

private:
    struct Stage;
    asio::awaitable<Status> on_plan(const handover::PlanPropose& m);
    asio::awaitable<Status> on_offer(const handover::StageOffer& m);
    asio::awaitable<Status> on_query(const handover::StageQuery& m);
    asio::awaitable<Status> on_hashes(const handover::ChunkHashes& m);
    asio::awaitable<Status> on_part(const handover::ChunkPart& m);
    asio::awaitable<Status> on_key_release(const handover::KeyReleaseMessage& m);
    asio::awaitable<Status> on_checkpoint(const witness::CheckpointNotice& m);
    asio::awaitable<Status> send_status(uint32_t stage_number);
    asio::awaitable<Status> commit_batch();
    asio::awaitable<Status> sign_delivered(bool send);
    asio::awaitable<Status> reject_stage(const std::string& code, const std::string& detail);
    Status refuse(const std::string& code, const std::string& detail);
    Status require_plan() const;

    DbWorker& db_;
    const certs::AgentKeys& keys_;
    certs::Certificate peer_;
    std::string deal_;
    Outbox& out_;
    nlohmann::json fields_;
    std::optional<handover::Plan> plan_;
    handover::Digest32 plan_hash_{};
    std::unique_ptr<Stage> stage_;
    std::deque<std::pair<uint32_t, Bytes>> to_commit_;
    Signal commit_wake_;
    bool stopped_ = false;
};

}  // namespace baton::agent
