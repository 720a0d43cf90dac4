#include "agent/buyer_session.h"

#include "agent/log.h"
#include "core/merkle.h"
#include "protocol/handover/rules.h"
#include "protocol/witness/checkpoint.h"
#include "storage/audit.h"
#include "storage/handover_store.h"
#include "storage/witness_store.h"

namespace baton::agent {

using namespace baton::handover;

// The stage this session is working on.
struct BuyerSession::Stage {
    uint32_t number = 0;
    Signed manifest_env;
    Manifest manifest;
    std::string state;                      // as stored
    std::vector<crypto::Digest32> hashes;   // need_hashes: collected so far
    std::optional<ChunkAssembler> assembler;
    uint32_t held = 0;                      // committed
};

namespace {

// The most chunks waiting for their commit: the seller's window, and one being finished.
constexpr size_t kMaxQueuedChunks = kDefaultWindow + 2;

StagePhase phase_of(std::string_view state) {
    if (state == "offered") return StagePhase::need_hashes;
    if (state == "receiving") return StagePhase::receiving;
    if (state == "delivered") return StagePhase::delivered;
    if (state == "verified") return StagePhase::verified;
    if (state == "accepted") return StagePhase::accepted;
    if (state == "rejected") return StagePhase::rejected;
    return StagePhase::unknown;
}


// What storage's check found, as the protocol's comparison wants it.
ComputedStage computed_from(const storage::StageCheck& c) {
    ComputedStage out;
    if (!c.ok) {
        out.failure_code = c.code;
        out.failure_detail = c.detail;
    }
    for (const auto& s : c.sets) {
        ComputedSet cs{s.name, s.records, {}};
        for (const auto& t : s.totals) cs.totals.push_back(DecimalTotal{t.field, t.sum});
        out.sets.push_back(std::move(cs));
    }
    out.plaintext_digest = c.plaintext_digest;
    out.plaintext_bytes = c.plaintext_bytes;
    return out;
}

std::vector<storage::CheckSet> check_sets(const Manifest& m) {
    std::vector<storage::CheckSet> sets;
    for (const auto& s : m.sets) sets.push_back(storage::CheckSet{s.name, s.schema_json, s.columns});
    return sets;
}

// Signs and stores a receipt with the stage's new state and an audit row (inside the caller's
// transaction). Returns the encoded statement.
Result<Bytes> store_receipt(storage::Database& db, const crypto::Ed25519KeyPair& key, const Receipt& r,
                            std::string_view state, UnixTime now) {
    Bytes statement = encode_signed(sign_receipt(r, key));
    std::string kind(receipt_kind_name(r.kind));
    BATON_TRY(storage::save_receipt(db, r.deal, r.stage_number, kind, statement, now));
    std::string reason = r.reason_code.empty() ? "" : r.reason_code + ": " + r.reason_detail;
    BATON_TRY(storage::set_stage_state(db, r.deal, r.stage_number, state, reason, now));
    BATON_TRY(storage::append_audit(db, now, "stage." + kind,
                                    "deal " + r.deal + " stage " + r.stage + ": signed " + kind + " receipt" +
                                        (reason.empty() ? "" : " (" + reason + ")")));
    return statement;
}

}  // namespace

BuyerSession::BuyerSession(DbWorker& db, const certs::AgentKeys& keys, const certs::Certificate& peer, std::string deal,
                           Outbox& out, nlohmann::json log_fields)
    : db_(db), keys_(keys), peer_(peer), deal_(std::move(deal)), out_(out), fields_(std::move(log_fields)),
      commit_wake_(out.executor()) {}

BuyerSession::~BuyerSession() = default;

void BuyerSession::stop() {
    stopped_ = true;
    commit_wake_.notify();
}

Status BuyerSession::refuse(const std::string& code, const std::string& detail) {
    (void)out_.send(session::Refusal{code, detail.substr(0, 1000)});
    log_event(LogLevel::warn, "handover.refused", code + ": " + detail, fields_);
    return input_error(code + ": " + detail);
}

Status BuyerSession::require_plan() const {
    if (!plan_) return input_error("a handover message arrived before the plan was agreed");
    return ok_status();
}

asio::awaitable<Status> BuyerSession::on_message(const session::SessionMessage& m) {
    if (auto* p = std::get_if<ChunkPart>(&m)) co_return co_await on_part(*p);
    if (auto* p = std::get_if<PlanPropose>(&m)) co_return co_await on_plan(*p);
    if (auto* p = std::get_if<StageOffer>(&m)) co_return co_await on_offer(*p);
    if (auto* p = std::get_if<StageQuery>(&m)) co_return co_await on_query(*p);
    if (auto* p = std::get_if<ChunkHashes>(&m)) co_return co_await on_hashes(*p);
    if (auto* p = std::get_if<KeyReleaseMessage>(&m)) co_return co_await on_key_release(*p);
    if (auto* p = std::get_if<witness::CheckpointNotice>(&m)) co_return co_await on_checkpoint(*p);
    co_return refuse("unexpected_message", "the buyer does not expect this message");
}

asio::awaitable<Status> BuyerSession::on_plan(const PlanPropose& m) {
    auto env = decode_signed(m.plan);
    if (!env) co_return refuse("malformed_plan", env.error().message());
    auto plan = check_proposed_plan(*env, peer_.subject_key, keys_.identity.public_key, deal_);
    if (!plan) co_return refuse("bad_plan", plan.error().message());
    const Digest32 hash = statement_hash(*env);
    const Bytes plan_bytes = m.plan;
    auto agreed = co_await db_.run([&, hash](storage::Database& db) -> Result<Bytes> {
        BATON_ASSIGN(auto tx, storage::Transaction::begin(db));
        BATON_ASSIGN(auto stored, storage::find_plan(db, deal_));
        if (stored) {
            if (stored->plan_hash != hash) return conflict_error("this agent holds another plan for deal " + deal_);
            if (stored->countersign) {
                BATON_TRY(storage::save_peer_certificate(db, deal_, "seller", peer_.envelope, now_unix()));
                BATON_TRY(tx.commit());
                return *stored->countersign;
            }
        }
        const UnixTime now = now_unix();
        Bytes cs = encode_signed(sign_countersign(Countersign{deal_, hash, now}, keys_.identity));
        if (!stored) {
            BATON_TRY(storage::save_plan(db, storage::StoredPlan{deal_, "buyer", plan_bytes, hash, std::nullopt, now}));
        }
        BATON_TRY(storage::save_countersign(db, deal_, cs));
        BATON_TRY(storage::save_peer_certificate(db, deal_, "seller", peer_.envelope, now));
        BATON_TRY(storage::append_audit(db, now, "plan.countersigned",
                                        "deal " + deal_ + ": countersigned the plan " + to_hex(hash).substr(0, 16) +
                                            " of " + peer_.subject_name));
        BATON_TRY(tx.commit());
        return cs;
    });
    if (!agreed) {
        if (agreed.error().kind() == ErrorKind::conflict) co_return refuse("plan_conflict", agreed.error().message());
        co_return agreed.error();
    }
    plan_ = std::move(plan).value();
    plan_hash_ = hash;
    log_event(LogLevel::info, "handover.plan", "plan agreed", fields_);
    co_return out_.send(PlanAgree{std::move(agreed).value()});
}

asio::awaitable<Status> BuyerSession::on_offer(const StageOffer& m) {
    BATON_CO_TRY(require_plan());
    auto env = decode_signed(m.manifest);
    if (!env) co_return refuse("malformed_manifest", env.error().message());
    auto manifest = check_manifest(*env, *plan_, plan_hash_);
    if (!manifest) co_return refuse("bad_manifest", manifest.error().message());
    const uint32_t n = manifest->stage_number;
    storage::InboundStage in{deal_, n, manifest->stage, m.manifest, manifest->chunk_count, manifest->chunk_size,
                             manifest->ciphertext_bytes};
    auto row = co_await db_.run([&](storage::Database& db) -> Result<storage::StageRow> {
        BATON_ASSIGN(auto tx, storage::Transaction::begin(db));
        if (n > 0) {
            BATON_ASSIGN(auto prev, storage::find_stage(db, deal_, n - 1));
            if (!prev || prev->state != "accepted")
                return conflict_error("stage " + std::to_string(n) + " offered before stage " + std::to_string(n - 1) +
                                      " was accepted");
        }
        BATON_ASSIGN(auto existing, storage::find_stage(db, deal_, n));
        if (existing && existing->manifest && *existing->manifest != in.manifest)
            return conflict_error("a different manifest was offered for stage " + in.name + " already");
        if (!existing) {
            BATON_TRY(storage::save_inbound_stage(db, in, now_unix()));
            BATON_TRY(storage::append_audit(db, now_unix(), "stage.offered",
                                            "deal " + deal_ + " stage " + in.name + ": manifest of " +
                                                std::to_string(in.chunk_count) + " chunks"));
        }
        BATON_TRY(tx.commit());
        BATON_ASSIGN(auto stored, storage::find_stage(db, deal_, n));
        return *stored;
    });
    if (!row) {
        if (row.error().kind() == ErrorKind::conflict) co_return refuse("manifest_conflict", row.error().message());
        co_return row.error();
    }
    stage_ = std::make_unique<Stage>();
    stage_->number = n;
    stage_->manifest_env = std::move(env).value();
    stage_->manifest = std::move(manifest).value();
    stage_->state = row->state;
    stage_->held = row->chunks_held;
    if (row->state == "receiving" && row->chunks_held == stage_->manifest.chunk_count) {
        // Every chunk was committed but the session ended before the delivered receipt.
        BATON_CO_TRY(co_await sign_delivered(false));
    } else if (row->state == "receiving") {
        auto hashes = co_await db_.run([&](storage::Database& db) { return storage::load_chunk_hashes(db, deal_, n); });
        if (!hashes) co_return hashes.error();
        stage_->assembler.emplace(n, std::move(hashes).value(), size_t{stage_->manifest.chunk_size} + crypto::kAeadTagSize,
                                  stage_->held);
    }
    co_return co_await send_status(n);
}

asio::awaitable<Status> BuyerSession::send_status(uint32_t n) {
    struct Snapshot {
        std::string state;
        uint32_t held = 0;
        std::vector<Bytes> receipts;
    };
    auto snap = co_await db_.run([&](storage::Database& db) -> Result<Snapshot> {
        Snapshot s;
        BATON_ASSIGN(auto row, storage::find_stage(db, deal_, n));
        if (!row) return s;
        s.state = row->state;
        s.held = row->chunks_held;
        BATON_ASSIGN(auto receipts, storage::load_receipts(db, deal_, n));
        for (auto& [kind, bytes] : receipts) s.receipts.push_back(std::move(bytes));
        return s;
    });
    if (!snap) co_return snap.error();
    if (stage_ && stage_->number == n) stage_->state = snap->state;
    co_return out_.send(StageStatus{n, phase_of(snap->state), snap->held, std::move(snap->receipts)});
}

asio::awaitable<Status> BuyerSession::on_query(const StageQuery& m) {
    BATON_CO_TRY(require_plan());
    co_return co_await send_status(m.stage_number);
}

asio::awaitable<Status> BuyerSession::on_hashes(const ChunkHashes& m) {
    BATON_CO_TRY(require_plan());
    if (!stage_ || stage_->state != "offered" || m.stage_number != stage_->number)
        co_return refuse("unexpected_hashes", "chunk hashes arrived for a stage that does not need them");
    auto& hashes = stage_->hashes;
    if (m.first != hashes.size() || hashes.size() + m.hashes.size() > stage_->manifest.chunk_count)
        co_return refuse("bad_hashes", "chunk hashes out of order or more than the manifest's chunk count");
    hashes.insert(hashes.end(), m.hashes.begin(), m.hashes.end());
    if (hashes.size() < stage_->manifest.chunk_count) co_return ok_status();
    merkle::Builder tree(merkle::blake2b_256_hasher());
    for (const auto& h : hashes) BATON_CO_TRY(tree.add_leaf_hash(h));
    Bytes root = tree.root();
    if (!std::equal(root.begin(), root.end(), stage_->manifest.merkle_root.begin(), stage_->manifest.merkle_root.end()))
        co_return refuse("hashes_mismatch", "the chunk hashes do not lead to the manifest's Merkle root");
    const uint32_t n = stage_->number;
    auto saved = co_await db_.run([&](storage::Database& db) { return storage::save_chunk_hashes(db, deal_, n, hashes, now_unix()); });
    if (!saved) co_return saved.error();
    stage_->assembler.emplace(n, std::move(hashes), size_t{stage_->manifest.chunk_size} + crypto::kAeadTagSize, 0);
    stage_->hashes = {};
    co_return co_await send_status(n);
}

asio::awaitable<Status> BuyerSession::on_part(const ChunkPart& m) {
    if (!stage_ || !stage_->assembler) co_return refuse("unexpected_chunk", "a chunk arrived before its stage's hashes");
    auto done = stage_->assembler->add(m);
    if (!done && done.error().kind() == ErrorKind::verify_failed) co_return co_await reject_stage("chunk_mismatch", done.error().message());
    if (!done) co_return refuse("bad_chunk", done.error().message());
    if (!*done) co_return ok_status();
    if (to_commit_.size() >= kMaxQueuedChunks)
        co_return refuse("window_exceeded", "the seller sent more chunks than its window allows");
    to_commit_.emplace_back(m.index, std::move(**done));
    commit_wake_.notify();
    co_return ok_status();
}

// The seller's data itself is wrong (the transport authenticated it): a signed rejection that
// names the cause, committed, sent; then the session ends.
asio::awaitable<Status> BuyerSession::reject_stage(const std::string& code, const std::string& detail) {
    Receipt r = make_receipt(ReceiptKind::rejected, stage_->manifest, stage_->manifest_env, code, detail, now_unix());
    auto statement = co_await db_.run([&](storage::Database& db) -> Result<Bytes> {
        BATON_ASSIGN(auto tx, storage::Transaction::begin(db));
        BATON_ASSIGN(Bytes s, store_receipt(db, keys_.identity, r, "rejected", r.signed_at));
        BATON_TRY(tx.commit());
        return s;
    });
    if (!statement) co_return statement.error();
    stage_->state = "rejected";
    stage_->assembler.reset();
    log_event(LogLevel::warn, "handover.rejected", "stage " + r.stage + ": " + code + ": " + detail, fields_);
    BATON_CO_TRY(out_.send(ReceiptMessage{std::move(statement).value()}));
    co_return verify_error("stage " + r.stage + " rejected: " + code);
}

asio::awaitable<Status> BuyerSession::run_committer() {
    while (!stopped_) {
        if (to_commit_.empty()) {
            co_await commit_wake_.wait(std::chrono::hours(24));
            continue;
        }
        auto st = co_await commit_batch();
        if (!st) {
            log_event(LogLevel::error, "handover.commit_failed", st.error().message(), fields_);
            co_return st;
        }
    }
    co_return ok_status();
}

asio::awaitable<Status> BuyerSession::commit_batch() {
    std::vector<std::pair<uint32_t, Bytes>> batch;
    while (!to_commit_.empty()) {
        batch.push_back(std::move(to_commit_.front()));
        to_commit_.pop_front();
    }
    const uint32_t n = stage_->number;
    auto held = co_await db_.run([&](storage::Database& db) -> Result<uint32_t> {
        BATON_ASSIGN(auto tx, storage::Transaction::begin(db));
        for (const auto& [index, bytes] : batch) BATON_TRY(storage::store_chunk(db, deal_, n, index, bytes));
        BATON_TRY(tx.commit());
        return batch.back().first + 1;
    });
    if (!held) co_return held.error();
    stage_->held = *held;
    BATON_CO_TRY(out_.send(ChunkAck{n, *held}));
    if (*held == stage_->manifest.chunk_count) co_return co_await sign_delivered(true);
    co_return ok_status();
}

asio::awaitable<Status> BuyerSession::sign_delivered(bool send) {
    Receipt r = make_receipt(ReceiptKind::delivered, stage_->manifest, stage_->manifest_env, {}, {}, now_unix());
    auto statement = co_await db_.run([&](storage::Database& db) -> Result<Bytes> {
        BATON_ASSIGN(auto tx, storage::Transaction::begin(db));
        BATON_ASSIGN(Bytes s, store_receipt(db, keys_.identity, r, "delivered", r.signed_at));
        BATON_TRY(tx.commit());
        return s;
    });
    if (!statement) co_return statement.error();
    stage_->state = "delivered";
    stage_->assembler.reset();
    log_event(LogLevel::info, "handover.delivered", "stage " + r.stage + ": every chunk held; signed delivered", fields_);
    if (!send) co_return ok_status();  // the status that follows carries it
    co_return out_.send(ReceiptMessage{std::move(statement).value()});
}

asio::awaitable<Status> BuyerSession::on_key_release(const KeyReleaseMessage& m) {
    if (!stage_ || stage_->state != "delivered")
        co_return refuse("unexpected_key", "a key release arrived for a stage that is not delivered");
    auto env = decode_signed(m.statement);
    if (!env) co_return refuse("malformed_key_release", env.error().message());
    auto release = check_key_release(*env, *plan_, stage_->manifest_env, m.sealed_key);
    if (!release) co_return refuse("bad_key_release", release.error().message());
    const bool manual = plan_->manual_accept;
    const Manifest& man = stage_->manifest;
    const Signed& man_env = stage_->manifest_env;
    const auto& identity = keys_.identity;
    const auto& storage_key = keys_.storage_key;
    const Bytes statement = m.statement, sealed = m.sealed_key;
    auto receipts = co_await db_.run([&](storage::Database& db) -> Result<std::vector<Bytes>> {
        std::optional<Verdict> verdict;
        std::optional<crypto::Key32> key;
        auto opened = crypto::open_sealed_for_identity(identity, sealed);
        if (!opened || opened->size() != 32) {
            verdict = Verdict{"key_unsealable", "the released content key does not open with this agent's identity"};
        } else {
            key.emplace();
            std::copy(opened->view().begin(), opened->view().end(), key->mut_view().begin());
        }
        BATON_ASSIGN(auto tx, storage::Transaction::begin(db));
        BATON_TRY(storage::save_key_release(db, deal_, man.stage_number, statement, sealed));
        if (key) {
            BATON_TRY(storage::save_content_key(db, storage_key, deal_, man.stage_number, *key));
            BATON_ASSIGN(auto check, storage::check_stage(db, deal_, man.stage_number, *key, man.chunk_size, check_sets(man)));
            verdict = compare_with_manifest(man, computed_from(check));
        }
        const UnixTime now = now_unix();
        std::vector<Bytes> out;
        if (verdict) {
            Receipt r = make_receipt(ReceiptKind::rejected, man, man_env, verdict->code, verdict->detail, now);
            BATON_ASSIGN(Bytes s, store_receipt(db, identity, r, "rejected", now));
            out.push_back(std::move(s));
        } else {
            BATON_ASSIGN(Bytes s, store_receipt(db, identity, make_receipt(ReceiptKind::verified, man, man_env, {}, {}, now),
                                                "verified", now));
            out.push_back(std::move(s));
            if (!manual) {
                BATON_ASSIGN(Bytes a, store_receipt(db, identity, make_receipt(ReceiptKind::accepted, man, man_env, {}, {}, now),
                                                    "accepted", now));
                out.push_back(std::move(a));
            }
        }
        BATON_TRY(tx.commit());
        return out;
    });
    if (!receipts) co_return receipts.error();
    log_event(LogLevel::info, "handover.checked", "stage " + man.stage + ": " + std::to_string(receipts->size()) +
                                                      " receipt(s) signed after the key release", fields_);
    for (auto& r : *receipts) BATON_CO_TRY(out_.send(ReceiptMessage{std::move(r)}));
    co_return ok_status();
}

asio::awaitable<Status> BuyerSession::on_checkpoint(const witness::CheckpointNotice& m) {
    BATON_CO_TRY(require_plan());
    if (!plan_->witness) co_return refuse("unexpected_checkpoint", "the plan of deal " + deal_ + " names no witness");
    auto env = decode_signed(m.checkpoint);
    if (!env) co_return refuse("malformed_checkpoint", env.error().message());
    auto cp = witness::open_plan_checkpoint(*env, *plan_, plan_hash_);
    if (!cp) co_return refuse("bad_checkpoint", cp.error().message());
    const Bytes bytes = m.checkpoint;
    const uint64_t size = cp->tree_size;
    const std::string witness_name = plan_->witness->name;
    auto saved = co_await db_.run([&](storage::Database& db) -> Status {
        BATON_ASSIGN(auto latest, storage::latest_checkpoint(db, deal_));
        if (latest && latest->first >= size) return ok_status();  // nothing newer
        BATON_ASSIGN(auto tx, storage::Transaction::begin(db));
        BATON_TRY(storage::save_checkpoint(db, deal_, size, bytes));
        BATON_TRY(storage::append_audit(db, now_unix(), "witness.checkpoint",
                                        "deal " + deal_ + ": checkpoint of " + std::to_string(size) +
                                            " leaves signed by the witness " + witness_name));
        return tx.commit();
    });
    if (!saved) co_return saved.error();
    log_event(LogLevel::info, "handover.checkpoint", "witness checkpoint of " + std::to_string(size) + " leaves", fields_);
    co_return ok_status();
}

}  // namespace baton::agent
