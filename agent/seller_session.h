// The seller's side of one handover session (docs/handover.md "Session flow"), run by `push`
// over an established session with the deal's buyer: agree the plan, then offer, deliver,
// release the key and collect the receipts of each requested stage, resuming each from what
// the buyer reports it durably holds. With a witness (docs/witness.md), each stage is closed by
// the witness's checkpoint before the next is offered. The buyer's certificate is stored
// (storage/witness_store.h) at the start of the session.
//
// Durability: a receipt is committed before the seller acts on it, and the key release before
// it is sent. Before a chunk goes out, the highest chunk sent is committed, so bytes sent again
// after any interruption (even a kill -9 of the seller) are counted exactly in `status`.
//
// Memory: the window of chunks in flight (handover::kDefaultWindow) in the outbox, one chunk
// read from the store.
#pragma once

#include <asio.hpp>

#include <deque>
#include <functional>

#include "agent/client.h"
#include "agent/db_worker.h"
#include "agent/outbox.h"
#include "protocol/handover/statements.h"

namespace baton::agent {

struct DeliveryProgress {
    std::string stage;
    uint32_t stage_number = 0;
    uint32_t chunks_held = 0, chunk_count = 0;
    uint64_t bytes_held = 0, bytes_total = 0;
    std::string state;   // the seller's state of the stage, after a change
};
using DeliveryProgressFn = std::function<void(const DeliveryProgress&)>;

struct SellerPlan {
    handover::Plan plan;
    handover::Signed plan_env;
    Bytes plan_bytes;
    handover::Digest32 plan_hash{};
};

// The deal's witness as the session needs it (agent/witness_client.h), when the plan names one.
class StageWitness {
public:
    virtual ~StageWitness() = default;
    // Submits the statements made so far (and the manifest of stage `offering`, about to be
    // offered). An unreachable witness is not an error here: closure waits for it.
    virtual asio::awaitable<Status> submit(std::optional<uint32_t> offering) = 0;
    // Returns once stage `n` (accepted) is closed: a verified checkpoint of the witness contains
    // its accepted receipt. Returns that checkpoint's envelope, which is forwarded to the buyer.
    virtual asio::awaitable<Result<Bytes>> close(uint32_t n) = 0;
};

class SellerSession {
public:
    // Everything referenced must outlive the session. With `witness`, each statement is
    // submitted as it is made, and a stage is closed (StageWitness::close) before the next one is
    // offered; the closing checkpoint is forwarded to the buyer (CheckpointNotice).
    SellerSession(ClientSession& cs, DbWorker& db, const certs::AgentKeys& keys, const SellerPlan& plan,
                  DeliveryProgressFn progress, Clock::duration reply_timeout, StageWitness* witness = nullptr);

    // Runs the session until every stage in `stages` is accepted. Fails: unreachable (the link,
    // timeouts: retry), verify_failed (a stage was rejected: stop), auth/bad_input (the peer
    // refused or misbehaved), io (this agent's storage).
    asio::awaitable<Status> run(const std::vector<uint32_t>& stages);

private:
    struct StageWork;
    void start_reader();
    asio::awaitable<Result<session::SessionMessage>> next();
    template <typename T>
    asio::awaitable<Result<T>> expect(const char* what);
    Status check_peer_is_buyer() const;
    asio::awaitable<Status> agree_plan();
    asio::awaitable<Status> push_stage(uint32_t n);
    asio::awaitable<Result<handover::StageStatus>> offer(StageWork& w);
    asio::awaitable<Status> send_hashes(StageWork& w);
    asio::awaitable<Status> stream(StageWork& w, uint32_t held);
    asio::awaitable<Status> release_key(StageWork& w);
    asio::awaitable<Status> absorb_receipts(StageWork& w, const std::vector<Bytes>& receipts);
    asio::awaitable<Status> await_verdict(StageWork& w);
    asio::awaitable<Status> finish();
    asio::awaitable<Status> close_stage(uint32_t n);
    asio::awaitable<Status> to_witness(std::optional<uint32_t> offering);
    void report(const StageWork& w);

    ClientSession& cs_;
    DbWorker& db_;
    const certs::AgentKeys& keys_;
    const SellerPlan& plan_;
    DeliveryProgressFn progress_;
    Clock::duration timeout_;
    StageWitness* witness_;
    Outbox out_;
    std::deque<session::SessionMessage> inbox_;
    std::optional<Error> reader_error_;
    Signal inbox_wake_, reader_done_;
    bool reader_running_ = false;
};

}  // namespace baton::agent
