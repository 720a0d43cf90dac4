#include "agent/seller_session.h"

#include "agent/log.h"
#include "certs/fingerprint.h"
#include "protocol/handover/delivery.h"
#include "protocol/handover/rules.h"
#include "storage/audit.h"
#include "storage/handover_store.h"
#include "storage/witness_store.h"

namespace baton::agent {

using namespace baton::handover;

struct SellerSession::StageWork {
    uint32_t number = 0;
    std::string name;
    Signed manifest_env;
    Bytes manifest_bytes;
    Manifest manifest;
    std::string state;
    uint32_t held = 0;
};

namespace {

// While the buyer's operator decides (manual acceptance), ask again this often.
constexpr auto kPollInterval = std::chrono::seconds(2);

int state_rank(std::string_view s) {
    for (int i = 0; const char* name : {"prepared", "offered", "delivered", "key_released", "verified", "accepted"}) {
        if (s == name) return i;
        ++i;
    }
    return s == "rejected" ? 100 : -1;
}

std::string state_after(ReceiptKind k) {
    switch (k) {
        case ReceiptKind::delivered: return "delivered";
        case ReceiptKind::verified: return "verified";
        case ReceiptKind::rejected: return "rejected";
        case ReceiptKind::accepted: return "accepted";
        case ReceiptKind::purged: return "purged";
    }
    return "offered";
}

uint64_t bytes_of_chunks(const Manifest& m, uint32_t from, uint32_t to) {
    if (to <= from) return 0;
    const uint64_t full = uint64_t{m.chunk_size} + crypto::kAeadTagSize;
    uint64_t bytes = uint64_t{to - from} * full;
    if (to == m.chunk_count) bytes -= uint64_t{m.chunk_count} * full - m.ciphertext_bytes;  // the short last chunk
    return bytes;
}

// Records that chunks up to `sent` may be on their way, before the first byte of the last one
// leaves. This is bookkeeping for the re-sent count, not a promise to the peer, so it commits
// without an fsync (synchronous=NORMAL: it survives a kill -9, a power cut may lose the last
// marks); an fsync per chunk would otherwise cap the transfer at the disk's fsync rate.
Status mark_sent(storage::Database& db, const std::string& deal, uint32_t n, uint32_t sent, uint32_t acked) {
    BATON_TRY(db.exec("PRAGMA synchronous=NORMAL"));
    Status st = storage::set_chunks_sent(db, deal, n, sent, acked);
    Status restored = db.exec("PRAGMA synchronous=FULL");
    if (!st) return st;
    return restored;
}

}  // namespace

SellerSession::SellerSession(ClientSession& cs, DbWorker& db, const certs::AgentKeys& keys, const SellerPlan& plan,
                             DeliveryProgressFn progress, Clock::duration reply_timeout, StageWitness* witness)
    : cs_(cs), db_(db), keys_(keys), plan_(plan), progress_(std::move(progress)), timeout_(reply_timeout), witness_(witness),
      out_(cs.sock, cs.channel, reply_timeout), inbox_wake_(cs.sock.executor()), reader_done_(cs.sock.executor()) {}

void SellerSession::start_reader() {
    reader_running_ = true;
    asio::co_spawn(cs_.sock.executor(), [this]() -> asio::awaitable<void> {
        while (!reader_error_) {
            auto frame = co_await cs_.sock.read_frame(std::chrono::hours(24));
            if (!frame) {
                reader_error_ = frame.error();
                break;
            }
            auto m = cs_.channel.open(*frame);
            if (!m) {
                reader_error_ = as_link_failure(m.error()).context("from " + cs_.sock.remote());
                break;
            }
            inbox_.push_back(std::move(m).value());
            inbox_wake_.notify();
        }
        inbox_wake_.notify();
        reader_running_ = false;
        reader_done_.notify();
    }, asio::detached);
}

asio::awaitable<Result<session::SessionMessage>> SellerSession::next() {
    const auto deadline = Clock::now() + timeout_;
    while (inbox_.empty()) {
        if (reader_error_) co_return *reader_error_;
        if (out_.failure()) co_return *out_.failure();
        if (Clock::now() >= deadline) co_return Error(ErrorKind::unreachable, "timed out waiting for " + cs_.sock.remote());
        co_await inbox_wake_.wait(deadline - Clock::now());
    }
    auto m = std::move(inbox_.front());
    inbox_.pop_front();
    if (auto* r = std::get_if<session::Refusal>(&m))
        co_return auth_error("the buyer at " + cs_.sock.remote() + " refused: " + r->code + ": " + r->detail);
    co_return m;
}

template <typename T>
asio::awaitable<Result<T>> SellerSession::expect(const char* what) {
    BATON_CO_ASSIGN(auto m, co_await next());
    if (auto* t = std::get_if<T>(&m)) co_return std::move(*t);
    co_return input_error(cs_.sock.remote() + " sent an unexpected message while the seller waited for " +
                          std::string(what));
}

void SellerSession::report(const StageWork& w) {
    if (!progress_) return;
    const Manifest& m = w.manifest;
    progress_(DeliveryProgress{w.name, w.number, w.held, m.chunk_count, bytes_of_chunks(m, 0, w.held),
                               m.ciphertext_bytes, w.state});
}

asio::awaitable<Status> SellerSession::run(const std::vector<uint32_t>& stages) {
    out_.start();
    start_reader();
    const std::string deal = plan_.plan.deal;
    const Bytes buyer_cert = cs_.peer.envelope;
    Status result = check_peer_is_buyer();
    if (result) {
        result = co_await db_.run([&](storage::Database& db) {
            return storage::save_peer_certificate(db, deal, "buyer", buyer_cert, now_unix());
        });
    }
    if (result) result = co_await agree_plan();
    if (result) result = co_await to_witness(std::nullopt);
    for (uint32_t n : stages) {
        if (!result) break;
        result = co_await push_stage(n);
        if (result) result = co_await close_stage(n);
    }
    if (result) result = co_await finish();
    out_.stop();
    cs_.sock.close();
    co_await out_.join();
    while (reader_running_) co_await reader_done_.wait(std::chrono::seconds(1));
    co_return result;
}

// Any agent certified as a buyer for the deal passes the handshake; only the one the plan names
// may receive the stages (and have its certificate kept as the buyer's).
Status SellerSession::check_peer_is_buyer() const {
    const certs::Certificate& peer = cs_.peer;
    if (peer.role == certs::Role::buyer && peer.subject_key == plan_.plan.buyer.key) return ok_status();
    return auth_error("the agent at " + cs_.sock.remote() + " (" + peer.subject_name + ", " +
                      certs::fingerprint(peer.subject_key) + ") is not the plan's buyer " + plan_.plan.buyer.name +
                      " (" + certs::fingerprint(plan_.plan.buyer.key) + ")");
}

asio::awaitable<Status> SellerSession::to_witness(std::optional<uint32_t> offering) {
    if (!witness_) co_return ok_status();
    co_return co_await witness_->submit(offering);
}

// With a witness: wait until the stage's accepted receipt is in a verified checkpoint, then tell
// the buyer (CheckpointNotice). Meanwhile the buyer's session idles; if it is cut, push resumes.
asio::awaitable<Status> SellerSession::close_stage(uint32_t n) {
    if (!witness_) co_return ok_status();
    BATON_CO_ASSIGN(Bytes checkpoint, co_await witness_->close(n));
    const std::string deal = plan_.plan.deal, name = plan_.plan.stages.at(n).name;
    log_event(LogLevel::info, "handover.closed", "stage " + name + " is closed: the witness logged its acceptance",
              {{"deal", deal}, {"stage", name}});
    co_return out_.send(witness::CheckpointNotice{std::move(checkpoint)});
}

asio::awaitable<Status> SellerSession::finish() {
    BATON_CO_TRY(out_.send(session::Refusal{"done", "handover session complete"}));
    co_return co_await out_.drain(timeout_);
}

asio::awaitable<Status> SellerSession::agree_plan() {
    BATON_CO_TRY(out_.send(PlanPropose{plan_.plan_bytes}));
    BATON_CO_ASSIGN(auto agree, co_await expect<PlanAgree>("the plan's countersignature"));
    BATON_CO_ASSIGN(auto env, decode_signed(agree.countersign));
    BATON_CO_TRY(check_countersign(env, plan_.plan, plan_.plan_hash));
    const std::string deal = plan_.plan.deal;
    co_return co_await db_.run([&](storage::Database& db) -> Status {
        BATON_ASSIGN(auto stored, storage::find_plan(db, deal));
        if (stored && stored->countersign) return ok_status();
        BATON_ASSIGN(auto tx, storage::Transaction::begin(db));
        BATON_TRY(storage::save_countersign(db, deal, agree.countersign));
        BATON_TRY(storage::append_audit(db, now_unix(), "plan.agreed",
                                        "deal " + deal + ": the buyer " + plan_.plan.buyer.name + " countersigned the plan"));
        return tx.commit();
    });
}

asio::awaitable<Status> SellerSession::push_stage(uint32_t n) {
    StageWork w;
    w.number = n;
    const std::string deal = plan_.plan.deal;
    auto row = co_await db_.run([&](storage::Database& db) { return storage::find_stage(db, deal, n); });
    if (!row) co_return row.error();
    if (!*row || !(*row)->manifest) co_return conflict_error("stage " + std::to_string(n) + " is not prepared");
    w.name = (*row)->name;
    w.state = (*row)->state;
    w.manifest_bytes = *(*row)->manifest;
    BATON_CO_ASSIGN(w.manifest_env, decode_signed(w.manifest_bytes));
    BATON_CO_ASSIGN(w.manifest, open_manifest(w.manifest_env));
    if (w.state == "accepted") co_return ok_status();
    if (w.state == "rejected") co_return verify_error("stage " + w.name + " was rejected: " + (*row)->reason);
    BATON_CO_TRY(co_await to_witness(n));
    BATON_CO_TRY(out_.send(StageOffer{w.manifest_bytes}));
    while (true) {
        BATON_CO_ASSIGN(auto st, co_await expect<StageStatus>("the stage's status"));
        if (st.stage_number != n) co_return input_error("the buyer answered for another stage");
        BATON_CO_TRY(co_await absorb_receipts(w, st.receipts));
        w.held = st.chunks_held;
        report(w);
        if (w.state == "accepted") co_return ok_status();
        switch (st.phase) {
            case StagePhase::need_hashes:
                BATON_CO_TRY(co_await send_hashes(w));
                continue;  // the buyer answers with a new status
            case StagePhase::receiving:
                BATON_CO_TRY(co_await stream(w, st.chunks_held));
                [[fallthrough]];
            case StagePhase::delivered:
                BATON_CO_TRY(co_await release_key(w));
                co_return co_await await_verdict(w);
            case StagePhase::verified:
            case StagePhase::accepted:
            case StagePhase::rejected:
                co_return co_await await_verdict(w);
            case StagePhase::unknown:
                co_return input_error("the buyer does not know the stage it was just offered");
        }
    }
}

asio::awaitable<Status> SellerSession::send_hashes(StageWork& w) {
    const std::string deal = plan_.plan.deal;
    const uint32_t n = w.number;
    auto hashes = co_await db_.run([&](storage::Database& db) { return storage::load_chunk_hashes(db, deal, n); });
    if (!hashes) co_return hashes.error();
    for (size_t first = 0; first < hashes->size(); first += kMaxHashesPerMessage) {
        size_t end = std::min(hashes->size(), first + kMaxHashesPerMessage);
        ChunkHashes m{n, static_cast<uint32_t>(first), {hashes->begin() + first, hashes->begin() + end}};
        BATON_CO_TRY(out_.send(m));
    }
    co_return ok_status();
}

asio::awaitable<Status> SellerSession::stream(StageWork& w, uint32_t held) {
    const std::string deal = plan_.plan.deal;
    const uint32_t n = w.number, count = w.manifest.chunk_count;
    // Chunks sent in an earlier session and not held by the buyer go again: count them.
    auto prior = co_await db_.run([&](storage::Database& db) -> Result<uint32_t> {
        BATON_ASSIGN(auto row, storage::find_stage(db, deal, n));
        uint32_t sent = row ? row->chunks_sent : 0;
        if (sent > held) BATON_TRY(storage::add_bytes_resent(db, deal, n, bytes_of_chunks(w.manifest, held, sent), true));
        return sent;
    });
    if (!prior) co_return prior.error();
    DeliveryWindow win(count, kDefaultWindow, held);
    std::optional<Bytes> delivered;
    auto handle = [&](session::SessionMessage& m) -> Status {
        if (auto* ack = std::get_if<ChunkAck>(&m)) {
            if (ack->stage_number != n) return input_error("an acknowledgement for another stage");
            BATON_TRY(win.on_ack(ack->held));
            w.held = ack->held;
            report(w);
            return ok_status();
        }
        if (auto* r = std::get_if<ReceiptMessage>(&m)) {
            delivered = std::move(r->receipt);
            return ok_status();
        }
        return input_error("an unexpected message during delivery");
    };
    // Until the buyer's receipt: delivered after the last acknowledgement, or rejected earlier.
    while (!delivered) {
        if (win.can_send()) {
            const uint32_t k = win.take_next();
            const uint32_t acked = win.acknowledged();
            auto data = co_await db_.run([&, k, acked](storage::Database& db) -> Result<Bytes> {
                BATON_TRY(mark_sent(db, deal, n, k + 1, acked));
                return storage::read_chunk(db, deal, n, k);
            });
            if (!data) co_return data.error();
            for (size_t off = 0; off < data->size() || off == 0; off += kMaxChunkPart) {
                size_t len = std::min(kMaxChunkPart, data->size() - off);
                ChunkPart part{n, k, static_cast<uint32_t>(off), Bytes(data->begin() + off, data->begin() + off + len),
                               off + len == data->size()};
                BATON_CO_TRY(out_.send(part));
                if (part.last) break;
            }
            while (!inbox_.empty()) {
                BATON_CO_ASSIGN(auto m, co_await next());
                BATON_CO_TRY(handle(m));
            }
            continue;
        }
        BATON_CO_ASSIGN(auto m, co_await next());
        BATON_CO_TRY(handle(m));
    }
    std::vector<Bytes> receipts;
    receipts.push_back(std::move(*delivered));
    co_return co_await absorb_receipts(w, receipts);
}

asio::awaitable<Status> SellerSession::absorb_receipts(StageWork& w, const std::vector<Bytes>& receipts) {
    const std::string deal = plan_.plan.deal;
    for (const Bytes& bytes : receipts) {
        BATON_CO_ASSIGN(auto env, decode_signed(bytes));
        BATON_CO_ASSIGN(auto r, check_receipt(env, plan_.plan, plan_.plan_hash, w.manifest_env));
        const std::string kind(receipt_kind_name(r.kind));
        std::string next_state = state_after(r.kind);
        const bool advance = state_rank(next_state) > state_rank(w.state);
        std::string reason = r.reason_code.empty() ? "" : r.reason_code + ": " + r.reason_detail;
        Status saved = co_await db_.run([&](storage::Database& db) -> Status {
            BATON_ASSIGN(auto tx, storage::Transaction::begin(db));
            BATON_TRY(storage::save_receipt(db, deal, w.number, kind, bytes, now_unix()));
            if (r.kind == ReceiptKind::delivered)
                BATON_TRY(storage::set_chunks_acknowledged(db, deal, w.number, w.manifest.chunk_count));
            if (advance) {
                BATON_TRY(storage::set_stage_state(db, deal, w.number, next_state, reason, now_unix()));
                BATON_TRY(storage::append_audit(db, now_unix(), "stage." + kind,
                                                "deal " + deal + " stage " + w.name + ": the buyer signed " + kind +
                                                    (reason.empty() ? "" : " (" + reason + ")")));
            }
            return tx.commit();
        });
        BATON_CO_TRY(saved);
        if (advance) {
            w.state = next_state;
            if (r.kind == ReceiptKind::delivered) w.held = w.manifest.chunk_count;
            report(w);
            log_event(LogLevel::info, "handover." + kind, "stage " + w.name + ": the buyer signed " + kind,
                      {{"deal", deal}, {"stage", w.name}, {"reason", reason}});
        }
        if (r.kind == ReceiptKind::rejected) {
            BATON_CO_TRY(co_await to_witness(w.number));
            co_return verify_error("stage " + w.name + " was rejected by the buyer: " + reason);
        }
    }
    if (!receipts.empty()) BATON_CO_TRY(co_await to_witness(w.number));
    co_return ok_status();
}

asio::awaitable<Status> SellerSession::release_key(StageWork& w) {
    const std::string deal = plan_.plan.deal;
    auto release = co_await db_.run([&](storage::Database& db) -> Result<storage::StoredKeyRelease> {
        BATON_ASSIGN(auto stored, storage::find_key_release(db, deal, w.number));
        if (stored) return *stored;
        BATON_ASSIGN(auto key, storage::load_content_key(db, keys_.storage_key, deal, w.number));
        BATON_ASSIGN(Bytes sealed, crypto::seal_to_identity(plan_.plan.buyer.key, key.view()));
        KeyRelease k = make_key_release(w.manifest, w.manifest_env, sealed, now_unix());
        Bytes statement = encode_signed(sign_key_release(k, keys_.identity));
        BATON_ASSIGN(auto tx, storage::Transaction::begin(db));
        BATON_TRY(storage::save_key_release(db, deal, w.number, statement, sealed));
        BATON_TRY(storage::set_stage_state(db, deal, w.number, "key_released", "", now_unix()));
        BATON_TRY(storage::append_audit(db, now_unix(), "stage.key_released",
                                        "deal " + deal + " stage " + w.name + ": content key released to " +
                                            plan_.plan.buyer.name));
        BATON_TRY(tx.commit());
        return storage::StoredKeyRelease{std::move(statement), std::move(sealed)};
    });
    if (!release) co_return release.error();
    if (state_rank(w.state) < state_rank("key_released")) w.state = "key_released";
    report(w);
    BATON_CO_TRY(co_await to_witness(w.number));
    co_return out_.send(KeyReleaseMessage{release->statement, release->sealed_key});
}

asio::awaitable<Status> SellerSession::await_verdict(StageWork& w) {
    while (w.state != "accepted") {
        if (w.state == "verified" && inbox_.empty()) {
            asio::steady_timer pause(cs_.sock.executor(), kPollInterval);
            co_await pause.async_wait(asio::use_awaitable);
            if (inbox_.empty()) BATON_CO_TRY(out_.send(StageQuery{w.number}));
        }
        BATON_CO_ASSIGN(auto m, co_await next());
        if (auto* r = std::get_if<ReceiptMessage>(&m)) {
            std::vector<Bytes> one;
            one.push_back(std::move(r->receipt));
            BATON_CO_TRY(co_await absorb_receipts(w, one));
        } else if (auto* st = std::get_if<StageStatus>(&m)) {
            BATON_CO_TRY(co_await absorb_receipts(w, st->receipts));
        } else if (!std::holds_alternative<ChunkAck>(m)) {
            co_return input_error("an unexpected message while waiting for the buyer's verdict");
        }
    }
    co_return ok_status();
}

}  // namespace baton::agent
