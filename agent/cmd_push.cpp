// baton push: the seller hands the plan's stages to the buyer (DESIGN §3 step 4, §6;
// docs/handover.md). Prepares any stage not prepared yet, then runs sessions with the buyer
// until every requested stage is accepted, reconnecting with bounded exponential backoff and
// jitter whenever the link drops, and resuming from what both sides durably hold.
//
// With a witness (docs/witness.md; --witness HOST:PORT, required when the plan names one), every
// signed statement is submitted to the witness as it is made, and a stage counts as done only
// once it is CLOSED: a verified checkpoint of the witness contains its accepted receipt. The next
// stage is offered only then. A witness that is down pauses closure: push retries it with the
// same bounded backoff and resumes by itself when it returns.
//
// Exit codes: 0 every requested stage accepted (and closed, with a witness); 5 the buyer or the
// witness stayed unreachable for --retry-for seconds; 6 a stage was rejected (the reason is
// printed), or a witness answer did not verify; 4 the buyer or witness refused the session;
// 8 the plan or the stages do not allow the push, or the witness refused a statement.
#include <unistd.h>

#include "agent/backoff.h"
#include "agent/client.h"
#include "agent/commands.h"
#include "agent/db_worker.h"
#include "agent/log.h"
#include "agent/plan_view.h"
#include "agent/progress_bar.h"
#include "agent/seller_session.h"
#include "agent/stage_prep.h"
#include "agent/witness_client.h"
#include "storage/witness_store.h"

namespace baton::agent {

namespace {

struct PushArgs {
    std::string deal, to, witness, stage;
    bool all = false;
    int retry_for = 600, timeout = 120;
    double max_backoff = 10;
};

// The stages to push: the named one and every stage before it (they must close first), or all.
Result<std::vector<uint32_t>> requested_stages(const handover::Plan& plan, const PushArgs& a) {
    uint32_t last = static_cast<uint32_t>(plan.stages.size()) - 1;
    if (!a.stage.empty()) {
        BATON_ASSIGN(last, find_plan_stage(plan, a.stage));
    }
    std::vector<uint32_t> stages;
    for (uint32_t i = 0; i <= last; ++i) stages.push_back(i);
    return stages;
}

// Draws the delivery progress on a terminal, or writes JSON events with --json.
class PushReporter {
public:
    explicit PushReporter(Context& ctx) : ctx_(ctx), wanted_(progress_wanted(ctx)) {}

    void operator()(const DeliveryProgress& p) {
        if (p.stage_number != stage_ || !bar_) {
            if (bar_) bar_->finish();
            stage_ = p.stage_number;
            bar_ = std::make_unique<ProgressBar>("stage " + std::to_string(p.stage_number + 1) + " (" + p.stage + ")",
                                                 wanted_);
        }
        bar_->update(p.chunks_held, p.chunk_count, p.bytes_held);
        if (p.state != state_) {
            state_ = p.state;
            event({{"event", "stage"}, {"stage", p.stage}, {"stage_number", p.stage_number + 1}, {"state", p.state}});
            if (p.state == "accepted") bar_->finish();
        } else if (ctx_.json && Clock::now() - last_ > std::chrono::milliseconds(500)) {
            last_ = Clock::now();
            event({{"event", "progress"}, {"stage", p.stage}, {"chunks_held", p.chunks_held},
                   {"chunk_count", p.chunk_count}, {"bytes_held", p.bytes_held}, {"bytes_total", p.bytes_total}});
        }
    }
    // One JSON line, with the seconds since push started (for scripts timing the phases).
    void event(nlohmann::json j) const {
        if (!ctx_.json) return;
        j["seconds"] = std::chrono::duration<double>(Clock::now() - started_).count();
        std::printf("%s\n", j.dump().c_str());
        std::fflush(stdout);
    }
    void done() {
        if (bar_) bar_->finish();
    }

private:
    Context& ctx_;
    bool wanted_;
    uint32_t stage_ = UINT32_MAX;
    std::string state_;
    std::unique_ptr<ProgressBar> bar_;
    Clock::time_point last_{};
    Clock::time_point started_ = Clock::now();
};

bool worth_retrying(const Error& e) { return e.kind() == ErrorKind::unreachable; }

asio::awaitable<Status> push_loop(Home& home, const certs::AgentKeys& keys, DbWorker& db, const SellerPlan& plan,
                                  const std::vector<uint32_t>& stages, const PushArgs& a, HostPort to,
                                  std::optional<HostPort> witness_at, PushReporter& reporter) {
    Backoff backoff(a.max_backoff);
    auto last_progress = Clock::now();
    uint64_t progress_marker = 0, seen_marker = 0;
    auto on_progress = [&](const DeliveryProgress& p) {
        ++progress_marker;
        reporter(p);
    };
    std::unique_ptr<WitnessClient> witness;
    if (witness_at) {
        WitnessOptions options{std::chrono::seconds(a.timeout), a.max_backoff, std::chrono::seconds(a.retry_for)};
        witness = std::make_unique<WitnessClient>(home, keys, db, plan, *witness_at, options, [&] { ++progress_marker; });
    }
    for (int attempt = 1;; ++attempt) {
        auto cs = co_await open_session(home, keys, plan.plan.deal, to, std::chrono::seconds(a.timeout));
        Status st = cs ? Status() : Status(cs.error());
        if (cs) {
            SellerSession session(*cs, db, keys, plan, on_progress, std::chrono::seconds(a.timeout), witness.get());
            st = co_await session.run(stages);
        }
        if (st || !worth_retrying(st.error()) || (witness && witness->gave_up())) {
            if (witness) witness->disconnect();
            co_return st;
        }
        if (progress_marker != seen_marker) {
            seen_marker = progress_marker;
            last_progress = Clock::now();
            backoff.reset();
        }
        if (Clock::now() - last_progress > std::chrono::seconds(a.retry_for))
            co_return st.error().context("gave up after " + std::to_string(a.retry_for) + " s without progress");
        auto wait = backoff.next();
        log_event(LogLevel::warn, "push.retry",
                  st.error().message() + "; reconnecting in " + std::to_string(wait.count()) + " ms",
                  {{"deal", plan.plan.deal}, {"attempt", attempt}});
        reporter.event({{"event", "retry"}, {"attempt", attempt}, {"reason", st.error().message()},
                        {"delay_ms", wait.count()}});
        asio::steady_timer pause(co_await asio::this_coro::executor, wait);
        co_await pause.async_wait(asio::use_awaitable);
    }
}

Status prepare_before_push(Context& ctx, Home& home, const certs::AgentKeys& keys, const LoadedPlan& lp) {
    std::unique_ptr<ProgressBar> bar;
    auto progress = [&](const PrepareEvent& e) {
        if (e.finished) {
            if (bar) bar->finish();
            bar.reset();
            return;
        }
        if (!bar) bar = std::make_unique<ProgressBar>("preparing " + std::string(e.stage), progress_wanted(ctx));
        bar->update(e.records_done, e.records_total, e.bytes);
    };
    BATON_ASSIGN(auto prepared, prepare_stages(home, keys, lp.plan, lp.envelope, std::nullopt, progress));
    for (const auto& p : prepared)
        if (p.prepared_now)
            log_event(LogLevel::info, "stage.prepared",
                      "prepared stage " + p.stage + ": " + std::to_string(p.records) + " records in " +
                          std::to_string(p.chunk_count) + " chunks",
                      {{"deal", lp.plan.deal}, {"stage", p.stage}});
    return ok_status();
}

Status run_push(Context& ctx, const PushArgs& a) {
    BATON_TRY(certs::check_deal_id(a.deal));
    BATON_ASSIGN(auto to, parse_host_port(a.to));
    std::optional<HostPort> witness_at;
    if (!a.witness.empty()) {
        BATON_ASSIGN(auto w, parse_host_port(a.witness));
        witness_at = std::move(w);
    }
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    BATON_ASSIGN(auto lp, load_plan(home, a.deal));
    if (lp.stored.role != "seller") return conflict_error("this agent is the buyer of deal " + a.deal + "; push is the seller's");
    if (lp.plan.witness && !witness_at)
        return usage_error("the plan of deal " + a.deal + " names a witness (" + party_text(*lp.plan.witness) +
                           "): give its address with --witness HOST:PORT");
    if (!lp.plan.witness && witness_at)
        return usage_error("--witness: the plan of deal " + a.deal + " names no witness");
    BATON_ASSIGN(auto keys, home.unlock(ctx));
    BATON_ASSIGN(auto stages, requested_stages(lp.plan, a));
    BATON_TRY(prepare_before_push(ctx, home, keys, lp));
    BATON_ASSIGN(auto worker, DbWorker::open(database_path(dir)));
    SellerPlan plan{lp.plan, lp.envelope, encode_signed(lp.envelope), lp.plan_hash};
    PushReporter reporter(ctx);
    asio::io_context io(1);
    std::optional<Status> outcome;
    auto t0 = Clock::now();
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        outcome = co_await push_loop(home, keys, *worker, plan, stages, a, to, witness_at, reporter);
    }, asio::detached);
    io.run();
    reporter.done();
    if (!outcome) return internal_error("push ended without a result");
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!*outcome) {
        (void)home.audit("push.failed", "deal " + a.deal + " to " + a.to + ": " + outcome->error().message());
        return outcome->error();
    }
    BATON_ASSIGN(auto rows, storage::list_stages(home.db(), a.deal));
    nlohmann::json js = nlohmann::json::array();
    std::string text;
    uint64_t bytes = 0;
    for (uint32_t n : stages) {
        const auto& r = rows.at(n);
        bytes += r.ciphertext_bytes;
        js.push_back({{"stage", r.name}, {"stage_number", n + 1}, {"state", r.state}, {"chunks", r.chunk_count},
                      {"bytes", r.ciphertext_bytes}, {"bytes_resent", r.bytes_resent}, {"resumes", r.resumes}});
        text += stage_label(a.deal, n, r.name) + ": " + r.state + " (" + std::to_string(r.chunk_count) + " chunks, " +
                human_bytes(r.ciphertext_bytes) + ", re-sent " + human_bytes(r.bytes_resent) + ")\n";
    }
    const std::string closed = witness_at ? " and closed by the witness " + lp.plan.witness->name : "";
    (void)home.audit("push.completed", "deal " + a.deal + " to " + a.to + ": " + std::to_string(stages.size()) +
                                           " stage(s) accepted" + closed);
    nlohmann::json done{{"event", "done"}, {"deal", a.deal}, {"stages", js}, {"seconds", seconds},
                        {"witnessed", witness_at.has_value()}};
    if (witness_at) {
        BATON_ASSIGN(uint64_t size, storage::latest_checkpoint_size(home.db(), a.deal));
        done["witness_tree_size"] = size;
    }
    ctx.out.result(done, text + "Every requested stage of deal " + a.deal + " is accepted by the buyer" + closed + ".");
    return ok_status();
}

}  // namespace

void register_push_command(CLI::App& app, Context& ctx, Action& action) {
    auto a = std::make_shared<PushArgs>();
    auto* push = app.add_subcommand("push", "Hand the plan's stages to the buyer, resuming after any interruption");
    push->add_option("--deal", a->deal, "Deal id")->required();
    push->add_option("--to", a->to, "The buyer's HOST:PORT")->required();
    push->add_option("--witness", a->witness,
                     "The witness's HOST:PORT (required when the plan names a witness): every statement is logged "
                     "with it, and each stage closes on its checkpoint");
    auto* stage = push->add_option("--stage", a->stage, "Push up to and including this stage");
    push->add_flag("--all", a->all, "Push every stage (the default)")->excludes(stage);
    push->add_option("--retry-for", a->retry_for, "Seconds without progress before giving up (default 600)")
        ->check(CLI::Range(0, 7 * 86400));
    push->add_option("--max-backoff", a->max_backoff, "Longest pause between reconnections, seconds (default 10)")
        ->check(CLI::Range(0.1, 3600.0));
    push->add_option("--timeout", a->timeout, "Seconds to wait for each answer of the buyer (default 120)")
        ->check(CLI::Range(1, 3600));
    push->callback([&ctx, &action, a] { action = [&ctx, a] { return run_push(ctx, *a); }; });
}

}  // namespace baton::agent
