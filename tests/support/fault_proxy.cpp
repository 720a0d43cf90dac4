// baton-fault-proxy: a TCP proxy for fault tests. It forwards both directions between the
// clients it accepts and one upstream address, and can cut every connection abruptly after a
// random number of bytes, so a test can check that an agent resumes where it left off.
//
//   baton-fault-proxy --listen HOST:PORT --to HOST:PORT
//                     [--cut-after-min N --cut-after-max M] [--seed S] [--stall-ms X]
//
// Cuts: each accepted connection draws a budget in [N, M] (bytes, both directions together).
// Exactly that many bytes are forwarded; then the proxy stops forwarding, waits X ms (default 0:
// a peer that goes silent before it dies) and closes both sockets with SO_LINGER 0, so both
// peers see a reset. Without --cut-after-* it forwards until either side closes.
//
// Output: "listening on ADDR" first on stdout (ADDR has the real port when given port 0); on
// stderr the seed ("seed S", to replay a failing run with --seed S) and one line per cut
// ("cut connection 3 after 123456 bytes"); on SIGTERM or SIGINT a summary on stdout
// ("connections 5, cut 4"), then exit 0. Memory: one 64 KiB buffer per direction and connection.
#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>

namespace {

using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
constexpr size_t kBufferSize = 64 * 1024;  // per direction: bounds memory, large enough for line rate

struct Options {
    std::string listen, to;
    uint64_t cut_min = 0, cut_max = 0;
    bool cut = false;
    uint64_t seed = 0;
    bool seeded = false;
    unsigned stall_ms = 0;
};

struct Totals {
    uint64_t connections = 0, cuts = 0;
};

// One proxied connection. Both pumps run on the one thread of the io_context, so the shared
// counters need no locks; each check-and-update below happens between two co_awaits.
struct Link {
    tcp::socket client, server;
    uint64_t id, budget, forwarded = 0;
    bool cutting = false;  // the budget is spent: forward nothing more
    int writes_in_flight = 0;
};

// Closes both sockets with SO_LINGER 0: the kernel drops unsent data and sends RST.
void reset(Link& l) {
    asio::error_code ignored;
    for (tcp::socket* s : {&l.client, &l.server}) {
        if (!s->is_open()) continue;
        s->set_option(asio::socket_base::linger(true, 0), ignored);
        s->close(ignored);
    }
}

// The pump whose write completes last after the budget is spent performs the cut, so every byte
// counted as forwarded has reached the kernel before the reset.
asio::awaitable<void> cut(Link& l, const Options& opt, Totals& totals) {
    if (opt.stall_ms > 0) {
        asio::steady_timer stall(l.client.get_executor(), std::chrono::milliseconds(opt.stall_ms));
        co_await stall.async_wait(use_tuple);
    }
    reset(l);
    ++totals.cuts;
    std::fprintf(stderr, "cut connection %llu after %llu bytes\n", static_cast<unsigned long long>(l.id),
                 static_cast<unsigned long long>(l.forwarded));
}

// Copies `from` to `to` until EOF (passed on as a half close), an error (passed on as a reset of
// both sockets) or the cut. Once the budget is spent it keeps reading and discards what it reads,
// so that no peer blocks writing to a proxy that stopped reading and never reads the write that
// the cut is waiting for.
asio::awaitable<void> pump(Link& l, tcp::socket& from, tcp::socket& to, const Options& opt, Totals& totals) {
    std::array<char, kBufferSize> buf;
    while (true) {
        auto [rec, n] = co_await from.async_read_some(asio::buffer(buf), use_tuple);
        if (rec && l.cutting) co_return;
        if (rec == asio::error::eof) {
            asio::error_code ignored;
            to.shutdown(tcp::socket::shutdown_send, ignored);
            co_return;
        }
        if (rec) break;
        if (l.cutting) continue;  // beyond the cut: discarded
        const size_t k = static_cast<size_t>(std::min<uint64_t>(n, l.budget - l.forwarded));
        l.forwarded += k;
        l.cutting = l.forwarded >= l.budget;
        ++l.writes_in_flight;
        auto [wec, written] = co_await asio::async_write(to, asio::buffer(buf.data(), k), use_tuple);
        --l.writes_in_flight;
        if (l.cutting && l.writes_in_flight == 0) {
            co_await cut(l, opt, totals);
            co_return;
        }
        if (wec) break;
    }
    reset(l);  // one side failed: the other learns it the same way
}

asio::awaitable<void> proxy(tcp::socket client, tcp::resolver::results_type upstream, uint64_t id, uint64_t budget,
                            const Options& opt, Totals& totals) {
    auto executor = client.get_executor();
    Link l{std::move(client), tcp::socket(executor), id, budget};
    auto [ec, ep] = co_await asio::async_connect(l.server, upstream, use_tuple);
    if (ec) {
        std::fprintf(stderr, "connection %llu: cannot reach %s: %s\n", static_cast<unsigned long long>(id),
                     opt.to.c_str(), ec.message().c_str());
        reset(l);
        co_return;
    }
    asio::error_code ignored;
    l.client.set_option(tcp::no_delay(true), ignored);  // forward small frames at once, as the peers sent them
    l.server.set_option(tcp::no_delay(true), ignored);
    co_await (pump(l, l.client, l.server, opt, totals) && pump(l, l.server, l.client, opt, totals));
    l.client.close(ignored);
    l.server.close(ignored);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, tcp::resolver::results_type upstream, const Options& opt,
                                  Totals& totals) {
    std::mt19937_64 rng(opt.seed);
    std::uniform_int_distribution<uint64_t> pick(opt.cut_min, opt.cut_max);
    while (acceptor.is_open()) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec == asio::error::operation_aborted) co_return;
        if (ec) {  // out of descriptors: pause rather than spin
            asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
            co_await pause.async_wait(use_tuple);
            continue;
        }
        const uint64_t budget = opt.cut ? pick(rng) : std::numeric_limits<uint64_t>::max();
        asio::co_spawn(acceptor.get_executor(), proxy(std::move(socket), upstream, ++totals.connections, budget, opt, totals),
                       asio::detached);
    }
}

// "HOST:PORT" or "[V6]:PORT" into host and port; false if there is no port.
bool split_host_port(const std::string& s, std::string& host, std::string& port) {
    const auto colon = s.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == s.size()) return false;
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    return true;
}

bool parse_number(const char* text, uint64_t& out) {
    char* end = nullptr;
    errno = 0;
    out = std::strtoull(text, &end, 10);
    return errno == 0 && end != text && *end == '\0' && text[0] != '-';
}

bool parse(int argc, char** argv, Options& o) {
    bool have_min = false, have_max = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc) return false;
        const char* v = argv[++i];
        uint64_t n = 0;
        if (a == "--listen") o.listen = v;
        else if (a == "--to") o.to = v;
        else if (a == "--cut-after-min" && parse_number(v, o.cut_min)) have_min = true;
        else if (a == "--cut-after-max" && parse_number(v, o.cut_max)) have_max = true;
        else if (a == "--seed" && parse_number(v, o.seed)) o.seeded = true;
        else if (a == "--stall-ms" && parse_number(v, n) && n <= 3'600'000) o.stall_ms = static_cast<unsigned>(n);
        else return false;
    }
    o.cut = have_min && have_max;
    return !o.listen.empty() && !o.to.empty() && have_min == have_max && o.cut_min <= o.cut_max;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    if (!parse(argc, argv, opt)) {
        std::fprintf(stderr,
                     "usage: baton-fault-proxy --listen HOST:PORT --to HOST:PORT\n"
                     "                         [--cut-after-min N --cut-after-max M] [--seed S] [--stall-ms X]\n");
        return 2;
    }
    if (!opt.seeded) opt.seed = std::random_device{}();
    std::string lhost, lport, thost, tport;
    if (!split_host_port(opt.listen, lhost, lport) || !split_host_port(opt.to, thost, tport)) {
        std::fprintf(stderr, "baton-fault-proxy: addresses are HOST:PORT\n");
        return 2;
    }
    asio::io_context io(1);
    asio::error_code ec;
    tcp::resolver resolver(io);
    const auto upstream = resolver.resolve(thost, tport, ec);
    const auto local = ec ? tcp::resolver::results_type{} : resolver.resolve(lhost, lport, tcp::resolver::passive, ec);
    if (ec || upstream.empty() || local.empty()) {
        std::fprintf(stderr, "baton-fault-proxy: cannot resolve: %s\n", ec.message().c_str());
        return 1;
    }
    tcp::acceptor acceptor(io);
    const auto ep = local.begin()->endpoint();
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        std::fprintf(stderr, "baton-fault-proxy: cannot listen on %s: %s\n", opt.listen.c_str(), ec.message().c_str());
        return 1;
    }

    Totals totals;
    asio::signal_set signals(io, SIGINT, SIGTERM);  // before "listening": a reader may signal at once
    signals.async_wait([&](const asio::error_code& e, int) {
        if (e) return;
        std::printf("connections %llu, cut %llu\n", static_cast<unsigned long long>(totals.connections),
                    static_cast<unsigned long long>(totals.cuts));
        std::fflush(stdout);
        io.stop();
    });
    const auto bound = acceptor.local_endpoint();
    const std::string host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string();
    std::printf("listening on %s:%u\n", host.c_str(), static_cast<unsigned>(bound.port()));
    std::fflush(stdout);
    std::fprintf(stderr, "seed %llu\n", static_cast<unsigned long long>(opt.seed));
    asio::co_spawn(io, accept_loop(acceptor, upstream, opt, totals), asio::detached);
    io.run();
    return 0;
}
