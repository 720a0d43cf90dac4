#include "agent/server.h"

#include <asio/experimental/as_tuple.hpp>

#include "agent/buyer_session.h"
#include "agent/log.h"
#include "agent/outbox.h"
#include "agent/session_setup.h"
#include "certs/fingerprint.h"

namespace baton::agent {

using asio::experimental::as_tuple;

struct Server::Established {
    session::SecureChannel channel;
    certs::Certificate peer;
    std::string deal;
    certs::Role own_role = certs::Role::buyer;  // the role of this agent's certificate in the session
};

namespace {

// Decrements a counter when the scope ends, however it ends. It shares ownership of the counter:
// on shutdown the io_context destroys suspended connection coroutines after the Server is gone.
struct CountGuard {
    std::shared_ptr<size_t> n;
    explicit CountGuard(std::shared_ptr<size_t> counter) : n(std::move(counter)) { ++*n; }
    ~CountGuard() { --*n; }
    CountGuard(const CountGuard&) = delete;
    CountGuard& operator=(const CountGuard&) = delete;
};

bool is_handover_message(const session::SessionMessage& m) {
    return std::holds_alternative<handover::PlanPropose>(m) || std::holds_alternative<handover::StageOffer>(m) ||
           std::holds_alternative<handover::StageQuery>(m) || std::holds_alternative<handover::ChunkHashes>(m) ||
           std::holds_alternative<handover::ChunkPart>(m) || std::holds_alternative<handover::KeyReleaseMessage>(m) ||
           std::holds_alternative<witness::CheckpointNotice>(m);
}

nlohmann::json peer_fields(const certs::Certificate& peer, const std::string& deal) {
    return {{"peer", certs::fingerprint(peer.subject_key)}, {"peer_name", peer.subject_name},
            {"peer_role", certs::role_name(peer.role)}, {"deal", deal}};
}

}  // namespace

Server::Server(asio::io_context& io, Home& home, const certs::AgentKeys& keys, DbWorker& db, ServerLimits limits)
    : io_(io), acceptor_(io), home_(home), keys_(keys), db_(db), limits_(limits), noise_static_(crypto::random_secret<32>()),
      witness_logs_(std::make_unique<WitnessLogs>(keys.identity)) {}

Result<asio::ip::tcp::endpoint> Server::listen(const HostPort& where) {
    asio::error_code ec;
    asio::ip::tcp::resolver resolver(io_);
    auto results = resolver.resolve(where.host, where.port, asio::ip::tcp::resolver::passive, ec);
    if (ec || results.empty()) return io_error("cannot resolve " + where.host + ": " + ec.message());
    auto ep = results.begin()->endpoint();
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return io_error("cannot listen on " + where.host + ":" + where.port + ": " + ec.message());
    return acceptor_.local_endpoint();
}

void Server::stop() {
    asio::error_code ec;
    acceptor_.close(ec);
}

asio::awaitable<void> Server::accept_loop() {
    while (acceptor_.is_open()) {
        auto [ec, socket] = co_await acceptor_.async_accept(as_tuple(asio::use_awaitable));
        if (ec == asio::error::operation_aborted) break;
        if (ec) {
            // Out of descriptors or memory: back off instead of spinning (and flooding the log).
            log_event(LogLevel::warn, "accept.failed", ec.message() + "; pausing accepts for 100 ms");
            asio::steady_timer pause(io_, std::chrono::milliseconds(100));
            co_await pause.async_wait(as_tuple(asio::use_awaitable));
            continue;
        }
        if (*pending_handshakes_ >= limits_.max_pending_handshakes) {
            asio::error_code ignored;
            auto remote = socket.remote_endpoint(ignored).address().to_string();
            log_event(LogLevel::warn, "session.rejected", "too many handshakes in progress; closing new connection",
                      nlohmann::json{{"remote", remote}});
            socket.close(ignored);
            continue;
        }
        asio::co_spawn(io_, handle(std::move(socket)), asio::detached);
    }
}

std::optional<session::Credentials> Server::lookup(const std::string& deal) {
    auto creds = credentials_for(home_, keys_.identity, deal);
    if (!creds) {
        log_event(LogLevel::error, "store.failed", creds.error().message(), {{"deal", deal}});
        return std::nullopt;
    }
    return *creds;
}

asio::awaitable<std::optional<Server::Established>> Server::handshake(FramedSocket& sock) {
    CountGuard pending(pending_handshakes_);
    auto trust = home_.trust_store();
    if (!trust) {
        log_event(LogLevel::error, "store.failed", trust.error().message());
        co_return std::nullopt;
    }
    std::optional<certs::Role> own_role;
    auto hs = session::BatonHandshake::responder(
        [this, &own_role](const std::string& d) {
            auto creds = lookup(d);
            if (creds) own_role = creds->certificate.role;
            return creds;
        },
        session_config(noise_static_, *trust));
    const auto deadline = Clock::now() + limits_.handshake_timeout;
    while (true) {
        auto frame = co_await sock.read_frame(deadline - Clock::now());
        if (!frame) {
            log_event(LogLevel::warn, "session.failed", "handshake: " + frame.error().message(), {{"remote", sock.remote()}});
            co_return std::nullopt;
        }
        auto step = hs.on_frame(*frame);
        if (!step) {
            log_event(LogLevel::warn, "session.failed", "handshake: " + step.error().message(), {{"remote", sock.remote()}});
            (void)home_.audit("session.failed", "from " + sock.remote() + ": " + step.error().message());
            co_return std::nullopt;
        }
        if (!step->frames.empty()) {
            auto sent = co_await sock.write_frames(step->frames, limits_.handshake_timeout);
            if (!sent) co_return std::nullopt;
        }
        if (step->status == session::HandshakeStatus::refused) {
            const auto& r = *step->refusal;
            std::string who = step->refused_by_peer ? "peer refused us" : "refused peer";
            log_event(LogLevel::warn, "session.refused", who + ": " + r.code + ": " + r.detail,
                      {{"remote", sock.remote()}, {"reason", r.code}, {"deal", hs.deal()}});
            (void)home_.audit("session.refused", who + " at " + sock.remote() + " for deal " + hs.deal() + ": " + r.code +
                                                     ": " + r.detail);
            co_return std::nullopt;
        }
        if (step->status == session::HandshakeStatus::established) {
            auto channel = hs.take_channel();
            if (!channel) co_return std::nullopt;
            co_return Established{std::move(channel).value(), hs.peer(), hs.deal(), own_role.value_or(certs::Role::buyer)};
        }
    }
}

asio::awaitable<void> Server::converse(FramedSocket& sock, Established& s) {
    auto fields = peer_fields(s.peer, s.deal);
    Outbox out(sock, s.channel, limits_.idle_timeout);
    out.start();
    std::unique_ptr<BuyerSession> buyer;
    std::unique_ptr<WitnessSession> witness;
    bool committer_running = false;
    Signal committer_done(io_.get_executor());
    while (!out.failure()) {
        auto frame = co_await sock.read_frame(limits_.idle_timeout);
        if (!frame) {
            log_event(LogLevel::info, "session.closed", frame.error().message(), fields);
            break;
        }
        auto m = s.channel.open(*frame);
        if (!m) {
            log_event(LogLevel::warn, "session.failed", m.error().message(), fields);
            break;
        }
        if (auto* ping = std::get_if<session::Ping>(&*m)) {
            if (!out.send(session::Pong{ping->id})) break;
            log_event(LogLevel::debug, "session.ping", "answered ping", fields);
            continue;
        }
        if (auto* r = std::get_if<session::Refusal>(&*m)) {
            log_event(LogLevel::info, "session.closed", "peer ended the session: " + r->code + ": " + r->detail, fields);
            break;
        }
        if (s.peer.role == certs::Role::seller && s.own_role == certs::Role::witness) {
            if (!witness) witness = std::make_unique<WitnessSession>(db_, *witness_logs_, s.peer, s.deal, out, fields);
            auto st = co_await witness->on_message(*m);
            if (!st) {
                log_event(LogLevel::warn, "witness.session_ended", st.error().message(), fields);
                break;
            }
            continue;
        }
        if (!is_handover_message(*m) || s.peer.role != certs::Role::seller) {
            (void)out.send(session::Refusal{"unexpected_message", "this agent does not expect that message"});
            log_event(LogLevel::warn, "session.failed", "unexpected message", fields);
            break;
        }
        if (!buyer) {
            buyer = std::make_unique<BuyerSession>(db_, keys_, s.peer, s.deal, out, fields);
            committer_running = true;
            // A commit that fails (disk full, I/O error) ends the session at once: closing the
            // socket wakes the read below, and the seller reconnects with backoff instead of
            // waiting out its reply timeout. What was committed before stays acknowledged.
            asio::co_spawn(io_, [&buyer, &committer_running, &committer_done, &out, &sock]() -> asio::awaitable<void> {
                auto st = co_await buyer->run_committer();
                if (!st) {
                    out.stop();
                    sock.close();
                }
                committer_running = false;
                committer_done.notify();
            }, asio::detached);
        }
        auto st = co_await buyer->on_message(*m);
        if (!st) {
            log_event(LogLevel::warn, "handover.failed", st.error().message(), fields);
            break;
        }
    }
    if (buyer) {
        buyer->stop();
        while (committer_running) co_await committer_done.wait(std::chrono::seconds(1));
    }
    (void)co_await out.drain(std::chrono::seconds(2));
    out.stop();
    sock.close();
    co_await out.join();
}

asio::awaitable<void> Server::handle(asio::ip::tcp::socket socket) {
    FramedSocket sock(std::move(socket));
    auto session = co_await handshake(sock);
    if (session) {
        log_event(LogLevel::info, "session.established", "session with " + describe_peer(session->peer),
                  peer_fields(session->peer, session->deal));
        (void)home_.audit("session.established", "with " + describe_peer(session->peer) + " for deal " + session->deal +
                                                     " from " + sock.remote());
        co_await converse(sock, *session);
    }
    sock.close();
}

}  // namespace baton::agent
