// baton serve, baton ping.
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>

#include "agent/client.h"
#include "agent/commands.h"
#include "agent/log.h"
#include "agent/server.h"
#include "agent/session_setup.h"
#include "certs/fingerprint.h"

namespace baton::agent {

using namespace asio::experimental::awaitable_operators;
using asio::experimental::as_tuple;

namespace {

struct ServeArgs {
    std::string listen;
    int handshake_timeout = 10, idle_timeout = 120;
};

struct PingArgs {
    std::string deal, to;
    int timeout = 10;
};

Status run_serve(Context& ctx, const ServeArgs& a) {
    BATON_ASSIGN(auto where, parse_host_port(a.listen));
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    BATON_ASSIGN(auto keys, home.unlock(ctx));
    BATON_ASSIGN(auto worker, DbWorker::open(database_path(dir)));
    asio::io_context io(1);
    ServerLimits limits;
    limits.handshake_timeout = std::chrono::seconds(a.handshake_timeout);
    limits.idle_timeout = std::chrono::seconds(a.idle_timeout);
    Server server(io, home, keys, *worker, limits);
    // Handlers go in before the "listening" line: whoever read it may signal at once and must
    // get a clean stop, not a death by signal.
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const asio::error_code& ec, int sig) {
        if (ec) return;
        log_event(LogLevel::info, "serve.stopping", "signal " + std::to_string(sig) + ": stopping");
        server.stop();
        io.stop();
    });
    BATON_ASSIGN(auto bound, server.listen(where));
    std::string address = bound.address().to_string() + ":" + std::to_string(bound.port());
    ctx.out.result({{"event", "listening"}, {"address", address}, {"fingerprint", certs::fingerprint(home.identity().key)}},
                   "listening on " + address + " as " + home.identity().name);
    log_event(LogLevel::info, "serve.started", "listening on " + address, {{"address", address}});
    BATON_TRY(home.audit("serve.started", "listening on " + address));
    asio::co_spawn(io, server.accept_loop(), asio::detached);
    io.run();
    (void)home.audit("serve.stopped", "stopped listening on " + address);
    return ok_status();
}

struct PingResult {
    certs::Certificate peer;
    double handshake_ms = 0, rtt_ms = 0;
};

asio::awaitable<Result<PingResult>> ping(Home& home, const certs::AgentKeys& keys, const PingArgs& a, HostPort to) {
    const auto timeout = std::chrono::seconds(a.timeout);
    BATON_CO_ASSIGN(auto cs, co_await open_session(home, keys, a.deal, to, timeout));
    PingResult result{cs.peer, cs.handshake_ms, 0};
    auto& channel = cs.channel;
    auto& sock = cs.sock;
    uint64_t id = 0;
    crypto::random_bytes(std::span<uint8_t>(reinterpret_cast<uint8_t*>(&id), sizeof id));
    auto t1 = Clock::now();
    BATON_CO_ASSIGN(auto sealed, channel.seal(session::Ping{id}));
    BATON_CO_TRY(co_await sock.write_frame(sealed, timeout));
    BATON_CO_ASSIGN(auto frame, co_await sock.read_frame(timeout));
    BATON_CO_ASSIGN(auto reply, channel.open(frame));
    auto* pong = std::get_if<session::Pong>(&reply);
    if (!pong || pong->id != id) co_return input_error(sock.remote() + " did not answer the ping");
    result.rtt_ms = std::chrono::duration<double, std::milli>(Clock::now() - t1).count();
    auto bye = channel.seal(session::Refusal{"done", "ping complete"});
    if (bye) (void)co_await sock.write_frame(*bye, timeout);
    sock.close();
    co_return result;
}

Status run_ping(Context& ctx, const PingArgs& a) {
    BATON_TRY(certs::check_deal_id(a.deal));
    BATON_ASSIGN(auto to, parse_host_port(a.to));
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    BATON_ASSIGN(auto keys, home.unlock(ctx));
    asio::io_context io(1);
    std::optional<Result<PingResult>> outcome;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> { outcome = co_await ping(home, keys, a, to); }, asio::detached);
    io.run();
    if (!outcome) return internal_error("ping ended without a result");
    if (!outcome->ok()) {
        (void)home.audit("session.failed", "ping " + a.to + " for deal " + a.deal + ": " + outcome->error().message());
        return outcome->error();
    }
    const auto& r = outcome->value();
    const auto& p = r.peer;
    (void)home.audit("session.ping", "pinged " + describe_peer(p) + " at " + a.to + " for deal " + a.deal);
    nlohmann::json j{{"peer", {{"name", p.subject_name}, {"contact", p.subject_contact},
                               {"fingerprint", certs::fingerprint(p.subject_key)}}},
                     {"role", certs::role_name(p.role)}, {"deal", p.deal}, {"jurisdiction", p.jurisdiction},
                     {"valid_from", format_time(p.not_before)}, {"valid_until", format_time(p.not_after)},
                     {"issuer", p.issuer_name}, {"handshake_ms", r.handshake_ms}, {"rtt_ms", r.rtt_ms}};
    TextBlock t;
    t.line("peer", p.subject_name).line("role", certs::role_name(p.role));
    t.line("fingerprint", certs::fingerprint(p.subject_key)).line("deal", p.deal + " (" + p.jurisdiction + ")");
    t.line("certificate", format_time(p.not_before) + " to " + format_time(p.not_after) + ", issued by " + p.issuer_name);
    char rtt[64];
    std::snprintf(rtt, sizeof rtt, "%.2f ms (handshake %.1f ms)", r.rtt_ms, r.handshake_ms);
    t.line("round trip", rtt);
    ctx.out.result(j, t.str());
    return ok_status();
}

}  // namespace

void register_session_commands(CLI::App& app, Context& ctx, Action& action) {
    auto sa = std::make_shared<ServeArgs>();
    auto* serve = app.add_subcommand("serve", "Accept sessions for every deal this agent is part of");
    serve->add_option("--listen", sa->listen, "HOST:PORT to listen on (port 0 picks a free port)")->required();
    serve->add_option("--handshake-timeout", sa->handshake_timeout, "Seconds a handshake may take (default 10)")
        ->check(CLI::Range(1, 3600));
    serve->add_option("--idle-timeout", sa->idle_timeout, "Seconds a silent session stays open (default 120)")
        ->check(CLI::Range(1, 86400));
    serve->callback([&ctx, &action, sa] { action = [&ctx, sa] { return run_serve(ctx, *sa); }; });

    auto pa = std::make_shared<PingArgs>();
    auto* ping_cmd = app.add_subcommand("ping", "Open an authenticated session with a peer and measure the round trip");
    ping_cmd->add_option("--deal", pa->deal, "Deal id")->required();
    ping_cmd->add_option("--to", pa->to, "The peer's HOST:PORT")->required();
    ping_cmd->add_option("--timeout", pa->timeout, "Seconds to wait for each step (default 10)")->check(CLI::Range(1, 600));
    ping_cmd->callback([&ctx, &action, pa] { action = [&ctx, pa] { return run_ping(ctx, *pa); }; });
}

}  // namespace baton::agent
