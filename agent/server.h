// `baton serve`: accepts sessions for every deal the agent holds a certificate for. One
// coroutine per connection on a single-threaded io_context. A seller's session is served as the
// buyer (agent/buyer_session.h) or, when this agent's certificate for the deal is the witness's,
// as the witness (agent/witness_server.h).
//
// Limits: a handshake must finish within handshake_timeout; an established session that sends
// nothing for idle_timeout is closed; at most max_pending_handshakes connections may be in the
// handshake at once — further connections are closed at once (and logged), so a flood of
// half-open clients cannot exhaust memory. Per connection memory is one frame buffer (~80 KiB).
#pragma once

#include <asio.hpp>

#include <chrono>
#include <memory>

#include "agent/db_worker.h"
#include "agent/framed_socket.h"
#include "agent/home.h"
#include "agent/witness_server.h"
#include "protocol/session/handshake.h"

namespace baton::agent {

struct ServerLimits {
    std::chrono::seconds handshake_timeout{10};
    std::chrono::seconds idle_timeout{120};
    size_t max_pending_handshakes = 64;
};

class Server {
public:
    // `home`, `keys` and `db` must outlive the server. `db` runs the handover's SQLite work.
    Server(asio::io_context& io, Home& home, const certs::AgentKeys& keys, DbWorker& db, ServerLimits limits);

    // Binds and listens. Fails (io) naming the address when it cannot.
    Result<asio::ip::tcp::endpoint> listen(const HostPort& where);
    asio::awaitable<void> accept_loop();
    void stop();

private:
    struct Established;
    asio::awaitable<void> handle(asio::ip::tcp::socket socket);
    asio::awaitable<std::optional<Established>> handshake(FramedSocket& sock);
    asio::awaitable<void> converse(FramedSocket& sock, Established& session);
    std::optional<session::Credentials> lookup(const std::string& deal);

    asio::io_context& io_;
    asio::ip::tcp::acceptor acceptor_;
    Home& home_;
    const certs::AgentKeys& keys_;
    DbWorker& db_;
    ServerLimits limits_;
    Secret<32> noise_static_;
    std::unique_ptr<WitnessLogs> witness_logs_;  // used on db_'s thread only
    // Shared with each handshake's guard, which may outlive the Server (see CountGuard).
    std::shared_ptr<size_t> pending_handshakes_ = std::make_shared<size_t>(0);
};

}  // namespace baton::agent
