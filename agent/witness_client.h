// The seller's link to the deal's witness (docs/witness.md). Submits the deal's signed
// statements, verifies every answer and keeps a mirror of the witness log in the seller's
// database (storage/witness_store.h): every leaf the witness returned, the refused statements
// beside their refusals, and every verified checkpoint.
//
// Each reply is checked before anything is stored: the checkpoint is signed by the plan's witness
// for this deal and plan (open_plan_checkpoint), extends the latest checkpoint held (consistency
// proof), and includes the leaf at the index given (inclusion proof); a refusal must be the
// witness's and name the submitted statement. A reply that fails a check is verify_failed.
//
// A stage is CLOSED once its accepted receipt is a leaf of the mirror covered by a verified
// checkpoint. push offers the next stage only after that (SellerSession, StageWitness).
//
// Threading: one coroutine at a time, on the push's io_context; SQLite work on the DbWorker.
#pragma once

#include <functional>
#include <optional>

#include "agent/backoff.h"
#include "agent/client.h"
#include "agent/db_worker.h"
#include "agent/seller_session.h"
#include "protocol/witness/checkpoint.h"

namespace baton::agent {

struct WitnessOptions {
    Clock::duration timeout = std::chrono::seconds(60);  // each connection attempt and reply
    double max_backoff = 10;                             // seconds between attempts (close_stage)
    std::chrono::seconds give_up_after{600};             // without an answer from the witness
};

class WitnessClient : public StageWitness {
public:
    // Everything referenced must outlive the client. `on_progress` (may be empty) is called after
    // each statement the witness answered.
    WitnessClient(Home& home, const certs::AgentKeys& keys, DbWorker& db, const SellerPlan& plan, HostPort address,
                  WitnessOptions options, std::function<void()> on_progress = {});
    ~WitnessClient() override;

    // Submits, in the order they were made, every statement of the deal the mirror lacks: the
    // plan, the countersignature, then stage by stage the manifest (of stages offered, and of
    // `offering`), receipts delivered, key release, verified, rejected, accepted, purged.
    // Fails: unreachable (the witness is down or went away: retry), auth (the peer is not the
    // plan's witness, or it refused the session or a submission it could not log), verify_failed
    // (an answer that does not verify), conflict (the witness refused a statement: stored, and
    // named in the message with the witness's reason code), io.
    asio::awaitable<Status> sync(std::optional<uint32_t> offering = std::nullopt);

    // StageWitness: sync, swallowing `unreachable` (closure waits for the witness).
    asio::awaitable<Status> submit(std::optional<uint32_t> offering) override;
    // StageWitness: syncs until stage `n` is closed, retrying an unreachable witness with the
    // bounded backoff; returns the checkpoint that closes it. Fails (unreachable, with gave_up()
    // set) when the witness stayed unreachable for give_up_after; or as sync fails otherwise.
    asio::awaitable<Result<Bytes>> close(uint32_t n) override;

    bool gave_up() const { return gave_up_; }
    const std::string& address() const { return address_text_; }
    void disconnect();

private:
    asio::awaitable<Status> connect();
    asio::awaitable<Status> load_head();
    asio::awaitable<Status> submit_one(const Bytes& statement, const std::string& what);
    asio::awaitable<Result<std::optional<Bytes>>> closing_checkpoint(uint32_t n);

    Home& home_;
    const certs::AgentKeys& keys_;
    DbWorker& db_;
    const SellerPlan& plan_;
    HostPort address_;
    std::string address_text_;
    WitnessOptions options_;
    std::function<void()> on_progress_;
    std::optional<ClientSession> session_;
    std::optional<witness::TreeHead> held_;   // loaded from the mirror on first use
    bool gave_up_ = false;
    Clock::time_point last_failure_{};
};

// Submits every statement of `deal` the witness at `address` lacks, once (no retries), storing
// what it returns (`baton purge --witness`). The home is the context's; the plan must name a
// witness (usage otherwise). Fails as WitnessClient::sync.
Status witness_sync(Context& ctx, std::string_view deal, std::string_view address,
                    std::chrono::seconds timeout = std::chrono::seconds(60));

}  // namespace baton::agent
