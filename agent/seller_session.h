// The seller's side of one handover session (docs/handover.md "Session flow"), run by `push`
// over an established session with the deal's buyer: agree the plan, then offer, deliver,
// release the key and collect the receipts of each requested stage, resuming each from what
// the buyer reports it durably holds.
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

class SellerSession {
public:
    // Everything referenced must outlive the session.
    SellerSession(ClientSession& cs, DbWorker& db, const certs::AgentKeys& keys, const SellerPlan& plan,
                  DeliveryProgressFn progress, Clock::duration reply_timeout);

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
    asio::awaitable<Status> agree_plan();
    asio::awaitable<Status> push_stage(uint32_t n);
    asio::awaitable<Result<handover::StageStatus>> offer(StageWork& w);
    asio::awaitable<Status> send_hashes(StageWork& w);
    asio::awaitable<Status> stream(StageWork& w, uint32_t held);
    asio::awaitable<Status> release_key(StageWork& w);
    asio::awaitable<Status> absorb_receipts(StageWork& w, const std::vector<Bytes>& receipts);
    asio::awaitable<Status> await_verdict(StageWork& w);
    asio::awaitable<Status> finish();
    void report(const StageWork& w);

    ClientSession& cs_;
    DbWorker& db_;
    const certs::AgentKeys& keys_;
    const SellerPlan& plan_;
    DeliveryProgressFn progress_;
    Clock::duration timeout_;
    Outbox out_;
    std::deque<session::SessionMessage> inbox_;
    std::optional<Error> reader_error_;
    Signal inbox_wake_, reader_done_;
    bool reader_running_ = false;
};

}  // namespace baton::agent
