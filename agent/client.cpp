#include "agent/client.h"

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>

#include "agent/session_setup.h"

namespace baton::agent {

using namespace asio::experimental::awaitable_operators;
using asio::experimental::as_tuple;

namespace {

asio::awaitable<Result<asio::ip::tcp::socket>> connect(const HostPort& to, Clock::duration timeout) {
    auto ex = co_await asio::this_coro::executor;
    asio::ip::tcp::resolver resolver(ex);
    auto [rec, endpoints] = co_await resolver.async_resolve(to.host, to.port, as_tuple(asio::use_awaitable));
    if (rec) co_return Error(ErrorKind::unreachable, "cannot resolve " + to.host + ": " + rec.message());
    asio::ip::tcp::socket socket(ex);
    asio::steady_timer timer(ex);
    timer.expires_after(timeout);
    auto r = co_await (asio::async_connect(socket, endpoints, as_tuple(asio::use_awaitable)) ||
                       timer.async_wait(as_tuple(asio::use_awaitable)));
    if (r.index() == 1) co_return Error(ErrorKind::unreachable, "timed out connecting to " + to.host + ":" + to.port);
    auto [ec, ep] = std::get<0>(r);
    (void)ep;
    if (ec) co_return Error(ErrorKind::unreachable, "cannot connect to " + to.host + ":" + to.port + ": " + ec.message());
    asio::error_code ignored;
    socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    co_return std::move(socket);
}

Error refusal_error(const session::HandshakeStep& step, const std::string& remote) {
    const auto& r = *step.refusal;
    if (step.refused_by_peer) return auth_error("session refused by " + remote + ": " + r.code + ": " + r.detail);
    return auth_error("refused the peer at " + remote + ": " + r.code + ": " + r.detail);
}

// A handshake with a fresh Noise static key (kept out of the coroutine frame: GCC 12 rejects
// std::array members of locals there).
session::BatonHandshake initiator_for(const std::string& deal, session::Credentials creds,
                                      const certs::TrustStore& trust) {
    Secret<32> noise_static = crypto::random_secret<32>();
    return session::BatonHandshake::initiator(deal, std::move(creds), session_config(noise_static, trust));
}

}  // namespace

asio::awaitable<Result<ClientSession>> open_session(Home& home, const certs::AgentKeys& keys, const std::string& deal,
                                                    const HostPort& to, Clock::duration timeout) {
    BATON_CO_ASSIGN(auto creds, credentials_for(home, keys.identity, deal));
    if (!creds) co_return conflict_error("this agent holds no certificate for deal " + deal + " (baton cert install)");
    BATON_CO_ASSIGN(auto trust, home.trust_store());
    auto t0 = Clock::now();
    auto socket = co_await connect(to, timeout);
    if (!socket) co_return socket.error();
    FramedSocket sock(std::move(socket).value());
    auto hs = initiator_for(deal, std::move(*creds), trust);
    auto step = hs.start();
    while (true) {
        if (!step) co_return step.error().context("handshake with " + sock.remote());
        if (!step->frames.empty()) BATON_CO_TRY(co_await sock.write_frames(step->frames, timeout));
        if (step->status == session::HandshakeStatus::refused) co_return refusal_error(*step, sock.remote());
        if (step->status == session::HandshakeStatus::established) break;
        auto frame = co_await sock.read_frame(timeout);
        if (!frame) co_return frame.error();
        step = hs.on_frame(*frame);
    }
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    BATON_CO_ASSIGN(auto channel, hs.take_channel());
    co_return ClientSession{std::move(sock), std::move(channel), hs.peer(), ms};
}

}  // namespace baton::agent
