#include "agent/witness_server.h"

#include "agent/log.h"
#include "storage/audit.h"
#include "storage/witness_store.h"

namespace baton::agent {

using namespace baton::witness;
using handover::Signed;

namespace {

std::string kind_of(ByteView envelope) {
    auto s = handover::decode_signed(envelope);
    if (!s) return "malformed statement";
    std::string what(handover::statement_context(s->kind));
    if (s->kind == handover::StatementKind::receipt) {
        if (auto r = handover::open_receipt(*s)) what = std::string(handover::receipt_kind_name(r->kind)) + " receipt";
    }
    return what;
}

// Why a submission cannot be logged, as the session refusal.
session::Refusal cannot_log(const std::string& code, const std::string& detail) { return session::Refusal{code, detail}; }

}  // namespace

Result<WitnessLog*> WitnessLogs::log_for(storage::Database& db, const std::string& deal) {
    if (auto it = logs_.find(deal); it != logs_.end()) return &it->second;
    WitnessLog log(deal, identity_.public_key);
    BATON_ASSIGN(auto leaves, storage::indexed_log_leaves(db, deal));
    for (const auto& [index, leaf] : leaves) {
        if (index != log.size()) return verify_error("the witness log of deal " + deal + " lacks leaf " + std::to_string(log.size()));
        Status st = log.replay(leaf);
        if (!st) return verify_error("the stored witness log of deal " + deal + ": " + st.error().message());
    }
    return &logs_.emplace(deal, std::move(log)).first->second;
}

// The latest stored checkpoint when it covers the whole log; otherwise a new one, stored.
Result<Bytes> WitnessLogs::checkpoint_for(storage::Database& db, const WitnessLog& log, UnixTime now) {
    BATON_ASSIGN(auto latest, storage::latest_checkpoint(db, log.deal()));
    if (latest && latest->first == log.size()) return latest->second;
    Bytes cp = handover::encode_signed(handover::sign_checkpoint(log.checkpoint(now), identity_));
    BATON_TRY(storage::save_checkpoint(db, log.deal(), log.size(), cp));
    return cp;
}

Result<std::variant<WitnessReply, session::Refusal>> WitnessLogs::submit(storage::Database& db, const std::string& deal,
                                                                         const crypto::PublicKey& seller,
                                                                         const WitnessSubmit& m, UnixTime now) {
    using Answer = std::variant<WitnessReply, session::Refusal>;
    BATON_ASSIGN(WitnessLog * log, log_for(db, deal));
    if (log->has_plan() && log->plan().seller.key != seller)
        return Answer(cannot_log("not_the_seller", "the session's peer is not the seller of deal " + deal));
    if (m.known_size > log->size())
        return Answer(cannot_log("unknown_size", "the log of deal " + deal + " holds " + std::to_string(log->size()) +
                                                     " leaves, fewer than " + std::to_string(m.known_size)));
    const Judgement j = log->judge(m.statement);
    if (j.verdict == Verdict::invalid) return Answer(cannot_log(j.reason_code, j.reason_detail));
    if (j.verdict == Verdict::append && !log->has_plan()) {
        auto plan = handover::open_plan(handover::decode_signed(m.statement).value());
        if (!plan || plan->seller.key != seller)
            return Answer(cannot_log("not_the_seller", "the plan's seller is not the session's peer"));
    }
    WitnessReply reply;
    reply.index = j.index;
    const std::string what = kind_of(m.statement);
    BATON_ASSIGN(auto tx, storage::Transaction::begin(db));
    // Any failure from here on leaves the in-memory log ahead of the database: forget it, so it
    // is reloaded from what was committed.
    auto stored = [&]() -> Status {
        if (j.verdict == Verdict::append) {
            reply.outcome = SubmitOutcome::appended;
            BATON_ASSIGN(reply.index, log->append(m.statement));
            BATON_TRY(storage::put_log_leaf(db, deal, reply.index, m.statement));
            BATON_TRY(storage::append_audit(db, now, "witness.appended",
                                            "deal " + deal + ": logged the " + what + " as leaf " + std::to_string(reply.index)));
        } else if (j.verdict == Verdict::refuse) {
            reply.outcome = SubmitOutcome::refused;
            const handover::Refusal r{deal, crypto::blake2b_256(m.statement), j.reason_code,
                                      j.reason_detail.substr(0, handover::kMaxReasonBytes), now};
            reply.refusal = handover::encode_signed(handover::sign_refusal(r, identity_));
            BATON_ASSIGN(reply.index, log->add_refusal(reply.refusal));
            BATON_TRY(storage::put_log_leaf(db, deal, reply.index, reply.refusal));
            BATON_TRY(storage::save_refused_statement(db, deal, reply.index, m.statement));
            BATON_TRY(storage::append_audit(db, now, "witness.refused",
                                            "deal " + deal + ": refused the " + what + ": " + j.reason_code + ": " +
                                                j.reason_detail + " (refusal is leaf " + std::to_string(reply.index) + ")"));
        } else if (j.refused) {
            reply.outcome = SubmitOutcome::refused;
            BATON_ASSIGN(auto leaves, storage::indexed_log_leaves(db, deal));
            for (auto& [index, leaf] : leaves)
                if (index == j.index) reply.refusal = std::move(leaf);
            if (reply.refusal.empty()) return verify_error("the refusal leaf " + std::to_string(j.index) + " is not stored");
        } else {
            reply.outcome = SubmitOutcome::duplicate;
        }
        BATON_ASSIGN(reply.checkpoint, checkpoint_for(db, *log, now));
        return tx.commit();
    }();
    if (!stored) {
        logs_.erase(deal);
        return stored.error();
    }
    BATON_ASSIGN(auto inclusion, log->inclusion_proof(reply.index));
    BATON_ASSIGN(auto consistency, log->consistency_proof(m.known_size));
    reply.inclusion = std::move(inclusion);
    reply.consistency = std::move(consistency);
    return Answer(std::move(reply));
}

WitnessSession::WitnessSession(DbWorker& db, WitnessLogs& logs, const certs::Certificate& peer, std::string deal,
                               Outbox& out, nlohmann::json log_fields)
    : db_(db), logs_(logs), peer_(peer), deal_(std::move(deal)), out_(out), fields_(std::move(log_fields)) {}

asio::awaitable<Status> WitnessSession::on_message(const session::SessionMessage& m) {
    const auto* submit = std::get_if<WitnessSubmit>(&m);
    if (!submit) {
        (void)out_.send(session::Refusal{"unexpected_message", "the witness expects only statements to log"});
        co_return input_error("unexpected_message: the seller sent a message the witness does not expect");
    }
    if (!certificate_saved_) {
        const Bytes cert = peer_.envelope;
        BATON_CO_TRY(co_await db_.run([&](storage::Database& db) {
            return storage::save_peer_certificate(db, deal_, "seller", cert, now_unix());
        }));
        certificate_saved_ = true;
    }
    const crypto::PublicKey seller = peer_.subject_key;
    auto answer = co_await db_.run([&](storage::Database& db) { return logs_.submit(db, deal_, seller, *submit, now_unix()); });
    if (!answer) {
        (void)out_.send(session::Refusal{"witness_failed", "the witness could not log the statement"});
        log_event(LogLevel::error, "witness.failed", answer.error().message(), fields_);
        co_return answer.error();
    }
    if (auto* refusal = std::get_if<session::Refusal>(&*answer)) {
        (void)out_.send(*refusal);
        log_event(LogLevel::warn, "witness.cannot_log", refusal->code + ": " + refusal->detail, fields_);
        co_return input_error(refusal->code + ": " + refusal->detail);
    }
    auto& reply = std::get<WitnessReply>(*answer);
    auto fields = fields_;
    fields["index"] = reply.index;
    const char* outcome = reply.outcome == SubmitOutcome::appended    ? "appended"
                          : reply.outcome == SubmitOutcome::duplicate ? "duplicate"
                                                                      : "refused";
    log_event(reply.outcome == SubmitOutcome::refused ? LogLevel::warn : LogLevel::info, std::string("witness.") + outcome,
              std::string("statement ") + outcome + " at leaf " + std::to_string(reply.index), fields);
    co_return out_.send(std::move(reply));
}

}  // namespace baton::agent
