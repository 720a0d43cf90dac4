// baton-fault-proxy: a TCP proxy for fault tests. It forwards both directions between the
// clients it accepts and one upstream address, and injects a fault into each connection after a
// random number of bytes, so a test can check that an agent resumes where it left off and that
// a damaged link never damages what it stores.
//
//   baton-fault-proxy --listen HOST:PORT --to HOST:PORT
//                     [--cut-after-min N --cut-after-max M] [--seed S] [--stall-ms X]
//                     [--faults KIND,KIND,...] [--fault-stall-min-ms A --fault-stall-max-ms B]
//                     [--rearm]
//
// Budget: each accepted connection draws a budget in [N, M] (bytes, both directions together).
// Without --cut-after-* it forwards until either side closes.
//
// Cuts (the default kind): exactly the budget is forwarded; then the proxy stops forwarding,
// waits X ms (default 0: a peer that goes silent before it dies) and closes both sockets with
// SO_LINGER 0, so both peers see a reset.
//
// --faults: each connection draws one kind from the list (a kind named twice is drawn twice as
// often) and a direction (client to server "c->s" or back "s->c"), each with even odds. Kinds
// other than cut know the agents' framing (docs/protocol.md: u32 big-endian length || payload,
// 1 <= length <= 65535): that connection is forwarded frame by frame, and the fault hits the
// first frame in its direction that brings the bytes forwarded (both directions) to the budget:
//   flip      one random bit of the frame's payload is flipped; forwarding goes on.
//   truncate  the header and a random prefix (0..length-1 bytes) of the payload are forwarded,
//             then, 100 ms later, both sockets are reset.
//   replay    the frame is forwarded twice in a row; forwarding goes on.
//   reorder   the frame is held and sent after the next frame in its direction. If no next frame
//             starts within 2 s, the held one is sent alone and the next frame is the candidate.
//   stall     nothing is forwarded either way for a random A..B ms (default 1000..5000), the
//             sockets open; then, with even odds, forwarding goes on or both sockets are reset.
// --rearm: after a fault that leaves the connection open (flip, replay, reorder, a stall that
// goes on), the connection draws its next fault the same way, to fire once another budget
// (drawn from [N, M]) has been forwarded; a cut drawn so is made at a frame boundary or within a
// frame, after exactly that budget. Without it a connection gets one fault at most.
// A frame with a length out of range resets both sockets ("bad frame" on stderr).
//
// Output: "listening on ADDR" first on stdout (ADDR has the real port when given port 0); on
// stderr the seed ("seed S", to replay a failing run with --seed S) and one line per fault:
// without --faults "cut connection 3 after 123456 bytes"; with it, "fault 3 KIND ..." such as
//   fault 3 cut after 123456 bytes
//   fault 3 flip c->s frame 12 bit 77 after 123456 bytes
//   fault 3 truncate s->c frame 12 keep 100 of 5000 after 123456 bytes
//   fault 3 replay c->s frame 12 after 123456 bytes
//   fault 3 reorder c->s frames 12 and 13 after 123456 bytes
//   fault 3 stall c->s frame 12 for 2345 ms then reset after 123456 bytes
// ("frame F" counts the frames of that direction from 0; "after B" is the bytes forwarded
// before the fault). On SIGTERM or SIGINT a summary on stdout, then exit 0: "connections 5,
// cut 4", or with --faults "connections 5, faults: cut 1, flip 1, truncate 0, replay 1,
// reorder 1, stall 0" (faults that fired). Memory per connection: one 64 KiB buffer per
// direction (with --faults: one frame of at most 64 KiB + 4, plus one held frame for reorder).
#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>

#include <array>
#include <cerrno>
#include <cstddef>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace {

using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
using SteadyClock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
constexpr size_t kBufferSize = 64 * 1024;  // per direction: bounds memory, large enough for line rate
constexpr size_t kHeader = 4;              // u32 big-endian frame length (docs/protocol.md)
constexpr size_t kMaxPayload = 65535;      // the largest frame payload an agent accepts
constexpr auto kReorderWait = std::chrono::seconds(2);        // for the frame to swap with
constexpr auto kTruncateLinger = std::chrono::milliseconds(100);  // lets the peer read the prefix

enum class Kind { cut, flip, truncate, replay, reorder, stall };
constexpr std::array<const char*, 6> kKindNames{"cut", "flip", "truncate", "replay", "reorder", "stall"};
constexpr std::array<const char*, 2> kDirNames{"c->s", "s->c"};

struct Options {
    std::string listen, to;
    uint64_t cut_min = 0, cut_max = 0;
    bool cut = false;
    uint64_t seed = 0;
    bool seeded = false;
    unsigned stall_ms = 0;
    std::vector<Kind> faults;  // empty: cuts only, the original output
    uint64_t fault_stall_min_ms = 1000, fault_stall_max_ms = 5000;
    bool rearm = false;  // after a fault that leaves the connection open, draw the next one
};

struct Totals {
    uint64_t connections = 0, cuts = 0;
    std::array<uint64_t, kKindNames.size()> faults{};
};

// One proxied connection. Both pumps run on the one thread of the io_context, so the shared
// counters need no locks; each check-and-update below happens between two co_awaits.
struct Link {
    tcp::socket client, server;
    uint64_t id, budget, forwarded = 0;
    bool cutting = false;  // the budget is spent: forward nothing more
    int writes_in_flight = 0;
    Kind kind = Kind::cut;
    int fault_dir = 0;   // 0: client to server, 1: back
    bool armed = false;  // a frame fault still to come
    std::mt19937_64 rng{};
    SteadyClock::time_point stalled_until{};  // a stall fault holds both directions until then
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

unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

asio::awaitable<void> sleep_for(Link& l, SteadyClock::duration d) {
    asio::steady_timer t(l.client.get_executor(), d);
    co_await t.async_wait(use_tuple);
}

// The pump whose write completes last after the budget is spent performs the cut, so every byte
// counted as forwarded has reached the kernel before the reset.
asio::awaitable<void> cut(Link& l, const Options& opt, Totals& totals) {
    if (opt.stall_ms > 0) co_await sleep_for(l, std::chrono::milliseconds(opt.stall_ms));
    reset(l);
    ++totals.cuts;
    ++totals.faults[static_cast<size_t>(Kind::cut)];
    if (opt.faults.empty())
        std::fprintf(stderr, "cut connection %llu after %llu bytes\n", ull(l.id), ull(l.forwarded));
    else
        std::fprintf(stderr, "fault %llu cut after %llu bytes\n", ull(l.id), ull(l.forwarded));
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

// --- Frame faults -------------------------------------------------------------------------

// One direction of a connection forwarded frame by frame.
struct FramePump {
    Link& l;
    int dir;
    tcp::socket& from;
    tcp::socket& to;
    const Options& opt;
    Totals& totals;
    std::vector<unsigned char> frame = std::vector<unsigned char>(kHeader + kMaxPayload);
    size_t size = 0;      // bytes of `frame` in use
    uint64_t number = 0;  // frames of this direction forwarded so far (the next one's number)
};

enum class Read { frame, end, failed };

// Reads one whole frame into p.frame. At EOF (between frames or within one) the bytes read are
// forwarded and the EOF is passed on as a half close: Read::end. A read error or a length out of
// range resets both sockets: Read::failed.
asio::awaitable<Read> read_frame(FramePump& p) {
    auto [ec, n] = co_await asio::async_read(p.from, asio::buffer(p.frame.data(), kHeader), use_tuple);
    size_t got = n;
    if (!ec) {
        const size_t len = (size_t{p.frame[0]} << 24) | (size_t{p.frame[1]} << 16) | (size_t{p.frame[2]} << 8) | p.frame[3];
        if (len == 0 || len > kMaxPayload) {
            std::fprintf(stderr, "connection %llu: bad frame %s frame %llu length %zu\n", ull(p.l.id), kDirNames[p.dir],
                         ull(p.number), len);
            reset(p.l);
            co_return Read::failed;
        }
        auto [ec2, m] = co_await asio::async_read(p.from, asio::buffer(p.frame.data() + kHeader, len), use_tuple);
        ec = ec2;
        got = kHeader + m;
        p.size = kHeader + len;
    }
    if (!ec) co_return Read::frame;
    if (ec != asio::error::eof) {
        reset(p.l);
        co_return Read::failed;
    }
    asio::error_code ignored;
    if (got > 0) co_await asio::async_write(p.to, asio::buffer(p.frame.data(), got), use_tuple);
    p.to.shutdown(tcp::socket::shutdown_send, ignored);
    co_return Read::end;
}

// Writes bytes once no stall holds the link; false (after resetting both sockets) on an error or
// when the link was reset meanwhile.
asio::awaitable<bool> forward(FramePump& p, const unsigned char* data, size_t n) {
    constexpr SteadyClock::duration kTick = std::chrono::milliseconds(50);
    while (SteadyClock::now() < p.l.stalled_until && p.to.is_open())
        co_await sleep_for(p.l, std::min(kTick, p.l.stalled_until - SteadyClock::now()));
    if (!p.to.is_open()) co_return false;
    p.l.forwarded += n;
    auto [ec, written] = co_await asio::async_write(p.to, asio::buffer(data, n), use_tuple);
    if (ec) reset(p.l);
    co_return !ec;
}

void log_fault(FramePump& p, const std::string& what) {
    ++p.totals.faults[static_cast<size_t>(p.l.kind)];
    std::fprintf(stderr, "fault %llu %s %s %s after %llu bytes\n", ull(p.l.id), kKindNames[static_cast<size_t>(p.l.kind)],
                 kDirNames[p.dir], what.c_str(), ull(p.l.forwarded));
}

// The fault on the frame in p.frame. Returns whether to go on forwarding.
asio::awaitable<bool> inject(FramePump& p) {
    const size_t len = p.size - kHeader;
    const std::string frame = "frame " + std::to_string(p.number);
    switch (p.l.kind) {
    case Kind::flip: {
        const uint64_t bit = std::uniform_int_distribution<uint64_t>(0, 8 * len - 1)(p.l.rng);
        log_fault(p, frame + " bit " + std::to_string(bit));
        p.frame[kHeader + bit / 8] ^= static_cast<unsigned char>(1u << (bit % 8));
        co_return co_await forward(p, p.frame.data(), p.size);
    }
    case Kind::truncate: {
        const size_t keep = std::uniform_int_distribution<size_t>(0, len - 1)(p.l.rng);
        log_fault(p, frame + " keep " + std::to_string(keep) + " of " + std::to_string(len));
        if (co_await forward(p, p.frame.data(), kHeader + keep)) co_await sleep_for(p.l, kTruncateLinger);
        reset(p.l);
        co_return false;
    }
    case Kind::replay:
        log_fault(p, frame);
        if (!co_await forward(p, p.frame.data(), p.size)) co_return false;
        co_return co_await forward(p, p.frame.data(), p.size);
    case Kind::stall: {
        const uint64_t ms = std::uniform_int_distribution<uint64_t>(p.opt.fault_stall_min_ms, p.opt.fault_stall_max_ms)(p.l.rng);
        const bool then_reset = std::bernoulli_distribution(0.5)(p.l.rng);
        log_fault(p, frame + " for " + std::to_string(ms) + " ms then " + (then_reset ? "reset" : "continue"));
        if (!then_reset) {
            p.l.stalled_until = SteadyClock::now() + std::chrono::milliseconds(ms);
            co_return co_await forward(p, p.frame.data(), p.size);
        }
        p.l.stalled_until = SteadyClock::time_point::max();  // the other direction never writes again
        co_await sleep_for(p.l, std::chrono::milliseconds(ms));
        reset(p.l);
        co_return false;
    }
    case Kind::cut: {  // only after --rearm: as a first fault, a cut takes the byte pump
        const size_t keep = static_cast<size_t>(std::min<uint64_t>(p.l.budget - std::min(p.l.budget, p.l.forwarded), p.size));
        const bool sent = co_await forward(p, p.frame.data(), keep);
        if (sent && p.opt.stall_ms > 0) co_await sleep_for(p.l, std::chrono::milliseconds(p.opt.stall_ms));
        reset(p.l);
        ++p.totals.cuts;
        ++p.totals.faults[static_cast<size_t>(Kind::cut)];
        std::fprintf(stderr, "fault %llu cut after %llu bytes\n", ull(p.l.id), ull(p.l.forwarded));
        co_return false;
    }
    case Kind::reorder: break;
    }
    co_return false;  // reorder is handled by the caller
}

// Holds p.frame and forwards the next frame of the direction before it. Gives up (sends the held
// frame alone, stays armed) when no next frame starts within kReorderWait.
asio::awaitable<bool> reorder(FramePump& p) {
    std::vector<unsigned char> held(p.frame.begin(), p.frame.begin() + static_cast<std::ptrdiff_t>(p.size));
    asio::steady_timer timer(p.l.client.get_executor(), kReorderWait);
    const auto ready = co_await (p.from.async_wait(tcp::socket::wait_read, use_tuple) || timer.async_wait(use_tuple));
    if (ready.index() == 1) {
        p.l.armed = true;
        ++p.number;
        co_return co_await forward(p, held.data(), held.size());
    }
    // If the sender closes instead, read_frame passes the close on: the held frame is dropped and
    // both sockets reset, which no peer can take for a clean end.
    const Read r = co_await read_frame(p);
    if (r != Read::frame) {
        reset(p.l);
        co_return false;
    }
    log_fault(p, "frames " + std::to_string(p.number) + " and " + std::to_string(p.number + 1));
    p.number += 2;
    if (!co_await forward(p, p.frame.data(), p.size)) co_return false;
    co_return co_await forward(p, held.data(), held.size());
}

// With --rearm, after a fault that left the connection open: the next one, drawn like the first,
// fires once another budget's worth of bytes is forwarded.
void draw_next(Link& l, const Options& opt) {
    l.kind = opt.faults[std::uniform_int_distribution<size_t>(0, opt.faults.size() - 1)(l.rng)];
    l.fault_dir = std::bernoulli_distribution(0.5)(l.rng) ? 1 : 0;
    l.budget = l.forwarded + std::uniform_int_distribution<uint64_t>(opt.cut_min, opt.cut_max)(l.rng);
    l.armed = true;
}

// Forwards whole frames from p.from to p.to and injects the link's fault into the frame of its
// direction that reaches the budget.
asio::awaitable<void> frame_pump(Link& l, int dir, tcp::socket& from, tcp::socket& to, const Options& opt, Totals& totals) {
    FramePump p{l, dir, from, to, opt, totals};
    while (true) {
        if (co_await read_frame(p) != Read::frame) co_return;
        bool go_on = true;
        if (l.armed && (dir == l.fault_dir || l.kind == Kind::cut) && l.forwarded + p.size >= l.budget) {
            l.armed = false;
            go_on = l.kind == Kind::reorder ? co_await reorder(p) : co_await inject(p);
            if (l.kind != Kind::reorder) ++p.number;
            if (go_on && !l.armed && opt.rearm) draw_next(l, opt);  // not after a reorder that gave up
        } else {
            go_on = co_await forward(p, p.frame.data(), p.size);
            ++p.number;
        }
        if (!go_on) co_return;
    }
}

asio::awaitable<void> proxy(Link& l, tcp::resolver::results_type upstream, const Options& opt, Totals& totals) {
    auto [ec, ep] = co_await asio::async_connect(l.server, upstream, use_tuple);
    if (ec) {
        std::fprintf(stderr, "connection %llu: cannot reach %s: %s\n", ull(l.id), opt.to.c_str(), ec.message().c_str());
        reset(l);
        co_return;
    }
    asio::error_code ignored;
    l.client.set_option(tcp::no_delay(true), ignored);  // forward small frames at once, as the peers sent them
    l.server.set_option(tcp::no_delay(true), ignored);
    if (l.armed)
        co_await (frame_pump(l, 0, l.client, l.server, opt, totals) && frame_pump(l, 1, l.server, l.client, opt, totals));
    else
        co_await (pump(l, l.client, l.server, opt, totals) && pump(l, l.server, l.client, opt, totals));
    l.client.close(ignored);
    l.server.close(ignored);
}

// Owns the Link for the lifetime of the connection.
asio::awaitable<void> run_link(Link l, tcp::resolver::results_type upstream, const Options& opt, Totals& totals) {
    co_await proxy(l, std::move(upstream), opt, totals);
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
        auto executor = socket.get_executor();
        Link l{std::move(socket), tcp::socket(executor), ++totals.connections, budget};
        if (!opt.faults.empty()) {  // drawn in this order, so a seed replays every connection
            l.kind = opt.faults[std::uniform_int_distribution<size_t>(0, opt.faults.size() - 1)(rng)];
            l.fault_dir = std::bernoulli_distribution(0.5)(rng) ? 1 : 0;
            l.rng.seed(rng());
            l.armed = l.kind != Kind::cut;
        }
        asio::co_spawn(acceptor.get_executor(), run_link(std::move(l), upstream, opt, totals), asio::detached);
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

// "cut,flip,..." into kinds; false on an unknown or empty name.
bool parse_kinds(const std::string& list, std::vector<Kind>& out) {
    size_t start = 0;
    while (true) {
        const size_t comma = list.find(',', start);
        const std::string name = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        size_t i = 0;
        while (i < kKindNames.size() && name != kKindNames[i]) ++i;
        if (i == kKindNames.size() || out.size() >= 64) return false;
        out.push_back(static_cast<Kind>(i));
        if (comma == std::string::npos) return true;
        start = comma + 1;
    }
}

bool parse(int argc, char** argv, Options& o) {
    bool have_min = false, have_max = false;
    constexpr uint64_t kHour = 3'600'000;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--rearm") {  // the one option without a value
            o.rearm = true;
            continue;
        }
        if (i + 1 >= argc) return false;
        const char* v = argv[++i];
        uint64_t n = 0;
        if (a == "--listen") o.listen = v;
        else if (a == "--to") o.to = v;
        else if (a == "--cut-after-min" && parse_number(v, o.cut_min)) have_min = true;
        else if (a == "--cut-after-max" && parse_number(v, o.cut_max)) have_max = true;
        else if (a == "--seed" && parse_number(v, o.seed)) o.seeded = true;
        else if (a == "--stall-ms" && parse_number(v, n) && n <= kHour) o.stall_ms = static_cast<unsigned>(n);
        else if (a == "--faults" && o.faults.empty() && parse_kinds(v, o.faults)) continue;
        else if (a == "--fault-stall-min-ms" && parse_number(v, n) && n <= kHour) o.fault_stall_min_ms = n;
        else if (a == "--fault-stall-max-ms" && parse_number(v, n) && n <= kHour) o.fault_stall_max_ms = n;
        else return false;
    }
    o.cut = have_min && have_max;
    return !o.listen.empty() && !o.to.empty() && have_min == have_max && o.cut_min <= o.cut_max &&
           (o.faults.empty() || o.cut) && (!o.rearm || !o.faults.empty()) && o.fault_stall_min_ms <= o.fault_stall_max_ms;
}

std::string summary(const Options& opt, const Totals& totals) {
    std::string s = "connections " + std::to_string(totals.connections);
    if (opt.faults.empty()) return s + ", cut " + std::to_string(totals.cuts);
    s += ", faults:";
    for (size_t i = 0; i < kKindNames.size(); ++i)
        s += std::string(i ? "," : "") + " " + kKindNames[i] + " " + std::to_string(totals.faults[i]);
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    if (!parse(argc, argv, opt)) {
        std::fprintf(stderr,
                     "usage: baton-fault-proxy --listen HOST:PORT --to HOST:PORT\n"
                     "                         [--cut-after-min N --cut-after-max M] [--seed S] [--stall-ms X]\n"
                     "                         [--faults cut,flip,truncate,replay,reorder,stall]\n"
                     "                         [--fault-stall-min-ms A --fault-stall-max-ms B] [--rearm]\n"
                     "--faults needs --cut-after-min and --cut-after-max; --rearm needs --faults\n");
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
        std::printf("%s\n", summary(opt, totals).c_str());
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
