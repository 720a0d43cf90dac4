#include "agent/witness_client.h"

#include "agent/log.h"
#include "agent/plan_view.h"
#include "certs/fingerprint.h"
#include "storage/audit.h"
#include "storage/handover_store.h"
#include "storage/witness_store.h"

namespace baton::agent {

using namespace baton::handover;
using witness::SubmitOutcome;

namespace {

// A statement to submit and what to call it in messages.
struct Pending {
    Bytes statement;
    std::string what;
};

bool same(const Bytes& a, const Bytes& b) { return a == b; }

// Receipt kinds in the order they are made for one stage.
constexpr const char* kReceiptOrder[] = {"delivered", "key_release", "verified", "rejected", "accepted", "purged"};

// Every statement of the deal, in the order made, with what the mirror holds of them.
struct DealStatements {
    std::vector<Pending> all;
    std::vector<Bytes> mirrored;                         // leaves
    std::vector<std::pair<uint64_t, Bytes>> refused;     // refused statements
};

Result<DealStatements> deal_statements(storage::Database& db, const std::string& deal, uint32_t stage_count,
                                       std::optional<uint32_t> offering) {
    DealStatements out;
    BATON_ASSIGN(auto plan, storage::find_plan(db, deal));
    if (!plan) return conflict_error("deal " + deal + " has no plan");
    out.all.push_back({plan->plan, "plan"});
    if (!plan->countersign) return out;
    out.all.push_back({*plan->countersign, "countersignature"});
    for (uint32_t n = 0; n < stage_count; ++n) {
        BATON_ASSIGN(auto row, storage::find_stage(db, deal, n));
        if (!row || !row->manifest) continue;
        const bool offered = row->state != "prepared" || (offering && *offering == n);
        if (!offered) continue;
        const std::string stage = "stage " + std::to_string(n + 1) + " (" + row->name + ")";
        out.all.push_back({*row->manifest, "manifest of " + stage});
        BATON_ASSIGN(auto receipts, storage::load_receipts(db, deal, n));
        BATON_ASSIGN(auto release, storage::find_key_release(db, deal, n));
        for (const char* kind : kReceiptOrder) {
            if (std::string_view(kind) == "key_release") {
                if (release) out.all.push_back({release->statement, "key release of " + stage});
                continue;
            }
            for (const auto& [k, bytes] : receipts)
                if (k == kind) out.all.push_back({bytes, std::string(kind) + " receipt of " + stage});
        }
    }
    BATON_ASSIGN(out.mirrored, storage::log_leaves(db, deal));
    BATON_ASSIGN(out.refused, storage::refused_statements(db, deal));
    return out;
}

bool contains(const std::vector<Bytes>& v, const Bytes& b) {
    for (const auto& x : v)
        if (same(x, b)) return true;
    return false;
}

}  // namespace

WitnessClient::WitnessClient(Home& home, const certs::AgentKeys& keys, DbWorker& db, const SellerPlan& plan,
                             HostPort address, WitnessOptions options, std::function<void()> on_progress)
    : home_(home), keys_(keys), db_(db), plan_(plan), address_(std::move(address)),
      address_text_(address_.host + ":" + address_.port), options_(options), on_progress_(std::move(on_progress)) {}

WitnessClient::~WitnessClient() { disconnect(); }

void WitnessClient::disconnect() {
    if (session_) session_->sock.close();
    session_.reset();
}

asio::awaitable<Status> WitnessClient::connect() {
    if (session_) co_return ok_status();
    if (!plan_.plan.witness) co_return usage_error("the plan of deal " + plan_.plan.deal + " names no witness");
    auto cs = co_await open_session(home_, keys_, plan_.plan.deal, address_, options_.timeout);
    if (!cs) co_return cs.error().context("the witness at " + address_text_);
    if (cs->peer.role != certs::Role::witness || cs->peer.subject_key != plan_.plan.witness->key) {
        cs->sock.close();
        co_return auth_error("the agent at " + address_text_ + " (" + cs->peer.subject_name + ", " +
                             certs::fingerprint(cs->peer.subject_key) + ") is not the plan's witness " +
                             plan_.plan.witness->name);
    }
    const std::string deal = plan_.plan.deal;
    const Bytes cert = cs->peer.envelope;
    BATON_CO_TRY(co_await db_.run([&](storage::Database& db) {
        return storage::save_peer_certificate(db, deal, "witness", cert, now_unix());
    }));
    session_.emplace(std::move(cs).value());
    co_return ok_status();
}

// The latest checkpoint of the mirror, checked again (it was verified when stored).
asio::awaitable<Status> WitnessClient::load_head() {
    if (held_) co_return ok_status();
    const std::string deal = plan_.plan.deal;
    auto latest = co_await db_.run([&](storage::Database& db) { return storage::latest_checkpoint(db, deal); });
    if (!latest) co_return latest.error();
    witness::TreeHead head;
    if (*latest) {
        BATON_CO_ASSIGN(auto env, decode_signed((*latest)->second));
        auto cp = witness::open_plan_checkpoint(env, plan_.plan, plan_.plan_hash);
        if (!cp) co_return verify_error("the stored witness checkpoint of deal " + deal + ": " + cp.error().message());
        head = witness::head_of(*cp);
    }
    held_ = head;
    co_return ok_status();
}

asio::awaitable<Status> WitnessClient::sync(std::optional<uint32_t> offering) {
    BATON_CO_TRY(co_await load_head());
    const std::string deal = plan_.plan.deal;
    const auto stage_count = static_cast<uint32_t>(plan_.plan.stages.size());
    auto statements = co_await db_.run([&](storage::Database& db) {
        return deal_statements(db, deal, stage_count, offering);
    });
    if (!statements) co_return statements.error();
    for (const auto& p : statements->all) {
        for (const auto& [index, refused] : statements->refused)
            if (same(refused, p.statement))
                co_return conflict_error("the witness refused the " + p.what + " of deal " + deal + " (its refusal is leaf " +
                                         std::to_string(index) + "); see baton evidence");
        if (contains(statements->mirrored, p.statement)) continue;
        const bool was_connected = session_.has_value();
        Status st = co_await submit_one(p.statement, p.what);
        // A connection the witness closed while idle: try once more on a fresh one.
        if (!st && was_connected && st.error().kind() == ErrorKind::unreachable) st = co_await submit_one(p.statement, p.what);
        BATON_CO_TRY(st);
    }
    co_return ok_status();
}

asio::awaitable<Status> WitnessClient::submit_one(const Bytes& statement, const std::string& what) {
    BATON_CO_TRY(co_await connect());
    auto fail = [this](const Error& e) {
        disconnect();
        return e;
    };
    auto& cs = *session_;
    auto sealed = cs.channel.seal(witness::WitnessSubmit{statement, held_->size});
    if (!sealed) co_return fail(as_link_failure(sealed.error()));
    auto sent = co_await cs.sock.write_frame(*sealed, options_.timeout);
    if (!sent) co_return fail(sent.error().context("the witness at " + address_text_));
    auto frame = co_await cs.sock.read_frame(options_.timeout);
    if (!frame) co_return fail(frame.error().context("the witness at " + address_text_));
    auto m = cs.channel.open(*frame);
    if (!m) co_return fail(as_link_failure(m.error()).context("from the witness at " + address_text_));
    if (auto* r = std::get_if<session::Refusal>(&*m))
        co_return fail(auth_error("the witness at " + address_text_ + " cannot log the " + what + ": " + r->code + ": " +
                                  r->detail));
    auto* reply = std::get_if<witness::WitnessReply>(&*m);
    if (!reply) co_return fail(input_error("the witness at " + address_text_ + " sent an unexpected message"));

    // Check everything before storing anything.
    const Bytes& leaf = reply->outcome == SubmitOutcome::refused ? reply->refusal : statement;
    BATON_CO_ASSIGN(auto cp_env, decode_signed(reply->checkpoint));
    auto checked = [&]() -> Result<Checkpoint> {
        BATON_ASSIGN(auto cp, witness::open_plan_checkpoint(cp_env, plan_.plan, plan_.plan_hash));
        BATON_TRY(witness::check_extends(cp, *held_, reply->consistency));
        BATON_TRY(witness::check_includes(cp, reply->index, leaf, reply->inclusion));
        if (reply->outcome == SubmitOutcome::refused) {
            BATON_ASSIGN(auto env, decode_signed(reply->refusal));
            BATON_ASSIGN(auto r, open_refusal(env, plan_.plan.witness->key));
            if (r.deal != plan_.plan.deal || r.statement_hash != crypto::blake2b_256(statement))
                return verify_error("the witness's refusal names another statement");
        }
        return cp;
    }();
    if (!checked) co_return fail(checked.error().context("the witness at " + address_text_ + " answered for the " + what));
    const Checkpoint cp = std::move(checked).value();
    const std::string deal = plan_.plan.deal;
    std::string reason;
    if (reply->outcome == SubmitOutcome::refused) {
        auto r = open_refusal(decode_signed(reply->refusal).value());
        reason = r->reason_code + ": " + r->reason_detail;
    }
    const auto outcome = reply->outcome;
    const uint64_t index = reply->index;
    const Bytes cp_bytes = reply->checkpoint;
    Status stored = co_await db_.run([&](storage::Database& db) -> Status {
        BATON_ASSIGN(auto tx, storage::Transaction::begin(db));
        BATON_TRY(storage::put_log_leaf(db, deal, index, leaf));
        if (outcome == SubmitOutcome::refused) {
            BATON_TRY(storage::save_refused_statement(db, deal, index, statement));
            BATON_TRY(storage::append_audit(db, now_unix(), "witness.refused",
                                            "deal " + deal + ": the witness refused the " + what + ": " + reason));
        } else {
            BATON_TRY(storage::append_audit(db, now_unix(), "witness.logged",
                                            "deal " + deal + ": the witness logged the " + what + " as leaf " +
                                                std::to_string(index)));
        }
        BATON_TRY(storage::save_checkpoint(db, deal, cp.tree_size, cp_bytes));
        return tx.commit();
    });
    BATON_CO_TRY(stored);
    held_ = witness::head_of(cp);
    if (on_progress_) on_progress_();
    log_event(outcome == SubmitOutcome::refused ? LogLevel::warn : LogLevel::info,
              outcome == SubmitOutcome::refused ? "witness.refused" : "witness.logged",
              (outcome == SubmitOutcome::refused ? "the witness refused the " + what + ": " + reason
                                                 : "the witness logged the " + what + " as leaf " + std::to_string(index)),
              {{"deal", deal}, {"index", index}, {"tree_size", cp.tree_size}});
    if (outcome == SubmitOutcome::refused)
        co_return conflict_error("the witness refused the " + what + " of deal " + deal + ": " + reason);
    co_return ok_status();
}

asio::awaitable<Status> WitnessClient::submit(std::optional<uint32_t> offering) {
    // After a failure, wait a moment before trying an unreachable witness again: closure retries.
    if (Clock::now() - last_failure_ < std::chrono::seconds(2)) co_return ok_status();
    Status st = co_await sync(offering);
    if (!st && st.error().kind() == ErrorKind::unreachable) {
        last_failure_ = Clock::now();
        log_event(LogLevel::warn, "witness.unreachable", st.error().message(), {{"deal", plan_.plan.deal}});
        co_return ok_status();
    }
    co_return st;
}

asio::awaitable<Result<std::optional<Bytes>>> WitnessClient::closing_checkpoint(uint32_t n) {
    const std::string deal = plan_.plan.deal;
    co_return co_await db_.run([&](storage::Database& db) -> Result<std::optional<Bytes>> {
        BATON_ASSIGN(auto receipts, storage::load_receipts(db, deal, n));
        std::optional<Bytes> accepted;
        for (auto& [kind, bytes] : receipts)
            if (kind == "accepted") accepted = std::move(bytes);
        if (!accepted) return std::optional<Bytes>();
        BATON_ASSIGN(auto leaves, storage::indexed_log_leaves(db, deal));
        std::optional<uint64_t> index;
        for (const auto& [i, leaf] : leaves)
            if (same(leaf, *accepted)) index = i;
        if (!index) return std::optional<Bytes>();
        BATON_ASSIGN(auto latest, storage::latest_checkpoint(db, deal));
        if (!latest || latest->first <= *index) return std::optional<Bytes>();
        return std::optional<Bytes>(latest->second);
    });
}

asio::awaitable<Result<Bytes>> WitnessClient::close(uint32_t n) {
    Backoff backoff(options_.max_backoff);
    auto last_answer = Clock::now();
    const std::string stage = "stage " + std::to_string(n + 1) + " (" + plan_.plan.stages.at(n).name + ")";
    for (int attempt = 1;; ++attempt) {
        Status st = co_await sync();
        if (st) {
            BATON_CO_ASSIGN(auto cp, co_await closing_checkpoint(n));
            if (cp) co_return std::move(*cp);
            co_return conflict_error("the witness log holds no accepted receipt of " + stage + " after a full sync");
        }
        if (st.error().kind() != ErrorKind::unreachable) co_return st.error();
        if (Clock::now() - last_answer > options_.give_up_after) {
            gave_up_ = true;
            co_return st.error().context("gave up after " + std::to_string(options_.give_up_after.count()) +
                                         " s without an answer from the witness; " + stage + " is not closed");
        }
        const auto wait = backoff.next();
        log_event(LogLevel::warn, "witness.retry",
                  st.error().message() + "; " + stage + " waits for the witness; retrying in " +
                      std::to_string(wait.count()) + " ms",
                  {{"deal", plan_.plan.deal}, {"attempt", attempt}, {"stage", plan_.plan.stages.at(n).name}});
        asio::steady_timer pause(co_await asio::this_coro::executor, wait);
        co_await pause.async_wait(asio::use_awaitable);
    }
}

Status witness_sync(Context& ctx, std::string_view deal, std::string_view address, std::chrono::seconds timeout) {
    BATON_ASSIGN(auto to, parse_host_port(std::string(address)));
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    BATON_ASSIGN(auto keys, home.unlock(ctx));
    BATON_ASSIGN(auto lp, load_plan(home, deal));
    if (lp.stored.role != "seller") return conflict_error("only the seller of deal " + std::string(deal) + " submits to its witness");
    if (!lp.plan.witness) return usage_error("--witness: the plan of deal " + std::string(deal) + " names no witness");
    BATON_ASSIGN(auto worker, DbWorker::open(database_path(dir)));
    SellerPlan plan{lp.plan, lp.envelope, encode_signed(lp.envelope), lp.plan_hash};
    WitnessOptions options;
    options.timeout = timeout;
    asio::io_context io(1);
    std::optional<Status> outcome;
    {
        WitnessClient client(home, keys, *worker, plan, to, options);
        asio::co_spawn(io, [&]() -> asio::awaitable<void> {
            outcome = co_await client.sync();
            client.disconnect();
        }, asio::detached);
        io.run();
    }
    if (!outcome) return internal_error("witness sync ended without a result");
    return *outcome;
}

}  // namespace baton::agent
