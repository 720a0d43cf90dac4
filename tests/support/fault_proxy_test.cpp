// baton-fault-proxy (tests/support/fault_proxy.cpp) as a child process between a client and an
// echo server, all on loopback: it forwards unchanged, cuts each connection with a reset after a
// budget drawn from [min, max], and what passed before the cut is an intact prefix. With
// --faults, on a stream of frames (u32 big-endian length || payload) sent through the echo, each
// frame fault does exactly what it says: one bit flipped, one frame cut short then a reset, one
// whole frame sent twice, two consecutive frames swapped, a silence of the drawn length.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

template <typename Pred>
bool eventually(Pred done, std::chrono::milliseconds limit) {
    const auto end = SteadyClock::now() + limit;
    while (!done()) {
        if (SteadyClock::now() >= end) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Bytes that differ at every offset, so a shifted, repeated or dropped piece cannot pass as a prefix.
std::string pattern(size_t n) {
    std::string s(n, '\0');
    uint64_t x = 0x5eed;
    for (auto& c : s) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        c = static_cast<char>(x >> 56);
    }
    return s;
}

bool is_prefix(const std::string& part, const std::string& whole) {
    return part.size() <= whole.size() && whole.compare(0, part.size(), part) == 0;
}

int listen_loopback(uint16_t& port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd, 16) == 0);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port = ntohs(a.sin_port);
    return fd;
}

int connect_loopback(uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    return fd;
}

// Echoes every connection, one at a time, until EOF (then closes) or an error; keeps what each
// connection delivered.
class EchoServer {
public:
    EchoServer() : fd_(listen_loopback(port_)), thread_([this] { serve(); }) {}
    ~EchoServer() {
        ::shutdown(fd_, SHUT_RDWR);  // wakes accept()
        thread_.join();
        ::close(fd_);
    }
    uint16_t port() const { return port_; }
    std::vector<std::string> received() const {
        std::lock_guard lock(mu_);
        return done_;
    }

private:
    void serve() {
        while (true) {
            const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) return;
            std::string got;
            char buf[16384];
            bool echoing = true;  // after a failed send, still read what arrived before the reset
            for (ssize_t n; (n = ::recv(c, buf, sizeof buf, 0)) > 0;) {
                got.append(buf, static_cast<size_t>(n));
                if (echoing) echoing = ::send(c, buf, static_cast<size_t>(n), MSG_NOSIGNAL) == n;
            }
            ::close(c);
            std::lock_guard lock(mu_);
            done_.push_back(std::move(got));
        }
    }

    uint16_t port_ = 0;
    int fd_;
    mutable std::mutex mu_;
    std::vector<std::string> done_;
    std::thread thread_;
};

struct Exchange {
    std::string received;
    bool reset = false;  // ended by ECONNRESET rather than EOF
    SteadyClock::duration silence{};  // from the last byte received to the end
    SteadyClock::duration longest_gap{};  // without a byte received: from the start, between receptions, to the end
};

// Sends `data` through port (then half-closes) while reading whatever comes back, until the
// connection ends.
Exchange exchange(uint16_t port, const std::string& data) {
    const int fd = connect_loopback(port);
    // The kernel reports a reset once, to whichever call comes first: send() or recv().
    std::atomic<bool> send_reset = false;
    std::thread sender([&] {
        for (size_t off = 0; off < data.size();) {
            const ssize_t n = ::send(fd, data.data() + off, std::min<size_t>(16384, data.size() - off), MSG_NOSIGNAL);
            if (n <= 0) {
                send_reset = n < 0 && errno == ECONNRESET;
                return;
            }
            off += static_cast<size_t>(n);
        }
        ::shutdown(fd, SHUT_WR);
    });
    Exchange ex;
    auto last = SteadyClock::now();
    const auto end = last + 30s;
    char buf[16384];
    while (SteadyClock::now() < end) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            ex.reset = n < 0 && errno == ECONNRESET;
            break;
        }
        ex.received.append(buf, static_cast<size_t>(n));
        ex.longest_gap = std::max(ex.longest_gap, SteadyClock::now() - last);
        last = SteadyClock::now();
    }
    ex.silence = SteadyClock::now() - last;
    ex.longest_gap = std::max(ex.longest_gap, ex.silence);
    ::shutdown(fd, SHUT_RDWR);  // unblocks the sender if it is still writing
    sender.join();
    ::close(fd);
    ex.reset = ex.reset || send_reset;
    return ex;
}

// One "fault ID KIND [DIR WHAT] after BYTES bytes" line of the proxy.
struct FaultLine {
    int id = 0;
    std::string kind, dir, what;  // dir and what are empty for a cut
    uint64_t after = 0;
};

// baton-fault-proxy in the background, its stdout and stderr in files of a scratch directory.
class Proxy {
public:
    explicit Proxy(std::vector<std::string> args) {
        std::string tmpl = (std::filesystem::temp_directory_path() / "baton-fault-proxy-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        dir_ = tmpl;
        args.insert(args.begin(), FAULT_PROXY_BIN);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, (dir_ + "/out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_addopen(&fa, 2, (dir_ + "/err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int rc = posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        REQUIRE(rc == 0);
    }
    ~Proxy() {
        if (!code_) {
            ::kill(pid_, SIGKILL);
            (void)wait(2s);
        }
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    Proxy(const Proxy&) = delete;
    Proxy& operator=(const Proxy&) = delete;

    std::string out() const { return read_text(dir_ + "/out"); }
    std::string err() const { return read_text(dir_ + "/err"); }

    // The port from "listening on 127.0.0.1:PORT", once printed.
    uint16_t port() const {
        static const std::regex re(R"(^listening on 127\.0\.0\.1:(\d+)\n)");
        std::smatch m;
        std::string text;
        const bool ok = eventually([&] { return std::regex_search(text = out(), m, re); }, 10s);
        INFO("[stdout]\n" << out() << "[stderr]\n" << err());
        REQUIRE(ok);
        return static_cast<uint16_t>(std::stoi(m[1].str()));
    }

    // The budgets of the cut connections, by connection number, once `count` cuts are logged.
    std::vector<std::pair<int, uint64_t>> cuts(size_t count) const {
        static const std::regex re(R"(cut connection (\d+) after (\d+) bytes\n)");
        std::vector<std::pair<int, uint64_t>> found;
        (void)eventually(
            [&] {
                found.clear();
                const std::string e = err();
                for (std::sregex_iterator i(e.begin(), e.end(), re), end; i != end; ++i)
                    found.emplace_back(std::stoi((*i)[1].str()), std::stoull((*i)[2].str()));
                return found.size() >= count;
            },
            10s);
        return found;
    }

    // The "fault ..." lines on stderr, once there are `count` of them.
    std::vector<FaultLine> faults(size_t count) const {
        static const std::regex re(R"(fault (\d+) (\w+) (?:(c->s|s->c) (.*) )?after (\d+) bytes\n)");
        std::vector<FaultLine> found;
        (void)eventually(
            [&] {
                found.clear();
                const std::string e = err();
                for (std::sregex_iterator i(e.begin(), e.end(), re), end; i != end; ++i)
                    found.push_back({std::stoi((*i)[1].str()), (*i)[2].str(), (*i)[3].str(), (*i)[4].str(),
                                     std::stoull((*i)[5].str())});
                return found.size() >= count;
            },
            15s);
        return found;
    }

    // Exit code after `sig`, or nullopt if still running after `limit`.
    std::optional<int> stop(int sig, std::chrono::milliseconds limit = 5s) {
        ::kill(pid_, sig);
        return wait(limit);
    }
    std::optional<int> wait(std::chrono::milliseconds limit) {
        (void)eventually(
            [&] {
                int status = 0;
                if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
                code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                return true;
            },
            limit);
        return code_;
    }

private:
    std::string dir_;
    pid_t pid_ = -1;
    std::optional<int> code_;
};

std::vector<std::string> proxy_args(uint16_t to, std::vector<std::string> extra = {}) {
    std::vector<std::string> a{"--listen", "127.0.0.1:0", "--to", "127.0.0.1:" + std::to_string(to)};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

}  // namespace

TEST_CASE("without a budget the fault proxy forwards both directions unchanged and passes on the close",
          "[fault-proxy]") {
    EchoServer echo;
    Proxy proxy(proxy_args(echo.port()));
    const std::string data = pattern(3 << 20);
    const Exchange ex = exchange(proxy.port(), data);
    CHECK_FALSE(ex.reset);
    CHECK(ex.received.size() == data.size());
    CHECK(ex.received == data);
    REQUIRE(eventually([&] { return echo.received().size() == 1; }, 5s));
    CHECK(echo.received()[0] == data);
    CHECK(proxy.stop(SIGTERM) == 0);
    CHECK(proxy.out().find("connections 1, cut 0\n") != std::string::npos);
}

TEST_CASE("the fault proxy resets each connection after a budget drawn from [min, max] and the bytes before it "
          "arrive intact",
          "[fault-proxy]") {
    constexpr uint64_t kMin = 100'000, kMax = 300'000;
    constexpr int kConnections = 4;
    EchoServer echo;
    Proxy proxy(proxy_args(echo.port(), {"--cut-after-min", std::to_string(kMin), "--cut-after-max",
                                         std::to_string(kMax), "--seed", "7"}));
    const uint16_t port = proxy.port();
    const std::string data = pattern(1 << 20);  // more than kMax: every connection is cut
    std::vector<Exchange> seen;
    for (int i = 0; i < kConnections; ++i) seen.push_back(exchange(port, data));

    const auto cuts = proxy.cuts(kConnections);
    INFO("[proxy stderr]\n" << proxy.err());
    REQUIRE(cuts.size() == kConnections);
    REQUIRE(eventually([&] { return echo.received().size() == kConnections; }, 5s));
    const auto upstream = echo.received();
    std::set<uint64_t> budgets;
    for (int i = 0; i < kConnections; ++i) {
        const auto [id, budget] = cuts[static_cast<size_t>(i)];
        const auto& ex = seen[static_cast<size_t>(i)];
        INFO("connection " << id << ": budget " << budget << ", echo server got " << upstream[i].size()
                           << ", client got " << ex.received.size());
        CHECK(id == i + 1);
        CHECK(budget >= kMin);
        CHECK(budget <= kMax);
        CHECK(ex.reset);
        CHECK(is_prefix(upstream[i], data));
        CHECK(is_prefix(ex.received, upstream[i]));
        CHECK(upstream[i].size() + ex.received.size() <= budget);
        CHECK(upstream[i].size() > 0);
        budgets.insert(budget);
    }
    CHECK(budgets.size() > 1);  // drawn, not fixed
    CHECK(proxy.stop(SIGTERM) == 0);
    CHECK(proxy.out().find("connections 4, cut 4\n") != std::string::npos);
}

TEST_CASE("the fault proxy draws the same budgets again from the same seed", "[fault-proxy]") {
    EchoServer echo;
    const std::string data = pattern(200'000);
    std::vector<uint64_t> runs[2];
    for (auto& budgets : runs) {
        Proxy proxy(proxy_args(echo.port(), {"--cut-after-min", "1000", "--cut-after-max", "150000", "--seed", "42"}));
        const uint16_t port = proxy.port();
        for (int i = 0; i < 3; ++i) (void)exchange(port, data);
        for (const auto& cut : proxy.cuts(3)) budgets.push_back(cut.second);
        CHECK(proxy.err().rfind("seed 42\n", 0) == 0);
    }
    CHECK(runs[0].size() == 3);
    CHECK(runs[0] == runs[1]);
}

TEST_CASE("with --stall-ms the fault proxy holds a spent connection silent before the reset", "[fault-proxy]") {
    EchoServer echo;
    Proxy proxy(proxy_args(echo.port(), {"--cut-after-min", "50000", "--cut-after-max", "50000", "--stall-ms", "400"}));
    const Exchange ex = exchange(proxy.port(), pattern(200'000));
    CHECK(ex.reset);
    CHECK(ex.silence >= 300ms);
    CHECK(ex.received.size() < 50'000);
    const auto cuts = proxy.cuts(1);
    REQUIRE(cuts.size() == 1);
    CHECK(cuts[0].second == 50'000);
}

TEST_CASE("the fault proxy refuses a budget without both bounds", "[fault-proxy]") {
    Proxy proxy({"--listen", "127.0.0.1:0", "--to", "127.0.0.1:9", "--cut-after-min", "10"});
    CHECK(proxy.wait(5s) == 2);
    CHECK(proxy.err().find("usage:") != std::string::npos);
}

namespace {

// A stream of frames as the agents send them: u32 big-endian length || payload, lengths mixed
// small (1..200) and large (up to 65535), every payload different.
struct Frames {
    std::string stream;
    std::vector<size_t> offset;  // where each frame's header starts; last: stream.size()

    size_t count() const { return offset.size() - 1; }
    std::string frame(size_t k) const { return stream.substr(offset[k], offset[k + 1] - offset[k]); }
    // The stream with frames [from, to) replaced by `middle`.
    std::string with(size_t from, size_t to, const std::string& middle) const {
        return stream.substr(0, offset[from]) + middle + stream.substr(offset[to]);
    }
};

Frames make_frames(size_t count, uint64_t seed) {
    Frames f;
    uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;
    auto next = [&] { return x = x * 6364136223846793005ULL + 1442695040888963407ULL; };
    for (size_t k = 0; k < count; ++k) {
        const size_t len = (next() >> 63) ? 1 + (next() >> 33) % 200 : 1 + (next() >> 33) % 65535;
        f.offset.push_back(f.stream.size());
        for (int shift : {24, 16, 8, 0}) f.stream.push_back(static_cast<char>((len >> shift) & 0xff));
        for (size_t i = 0; i < len; ++i) f.stream.push_back(static_cast<char>(next() >> 56));
    }
    f.offset.push_back(f.stream.size());
    return f;
}

// The number after `word ` in `text` (as in "frame 12 bit 77"), or nothing.
std::optional<uint64_t> number_after(const std::string& text, const std::string& word) {
    const std::regex re("(?:^| )" + word + R"( (\d+))");
    std::smatch m;
    if (!std::regex_search(text, m, re)) return std::nullopt;
    return std::stoull(m[1].str());
}

// The connections of one run: what the client got back, what the echo server got, the faults.
struct Trial {
    Frames frames;
    std::vector<Exchange> seen;
    std::vector<std::string> upstream;
    std::vector<FaultLine> faults;
    std::string err, out;
};

// Sends `connections` times the same stream of frames through a proxy with `extra` options (a
// budget of 300,000 bytes unless given) and collects what each side saw and the fault lines.
Trial run_faults(const std::vector<std::string>& extra, int connections, size_t frame_count = 80) {
    Trial t;
    t.frames = make_frames(frame_count, 5);
    EchoServer echo;
    std::vector<std::string> args{"--seed", "3", "--cut-after-min", "300000", "--cut-after-max", "300000"};
    args.insert(args.end(), extra.begin(), extra.end());
    Proxy proxy(proxy_args(echo.port(), args));
    const uint16_t port = proxy.port();
    for (int i = 0; i < connections; ++i) t.seen.push_back((exchange)(port, t.frames.stream));  // not std::exchange
    t.faults = proxy.faults(static_cast<size_t>(connections));
    (void)eventually([&] { return echo.received().size() == static_cast<size_t>(connections); }, 5s);
    t.upstream = echo.received();
    CHECK(proxy.stop(SIGTERM) == 0);
    t.err = proxy.err();
    t.out = proxy.out();
    return t;
}

// The fault line of connection `id` (1-based), checked for its kind and direction.
const FaultLine& fault_of(const Trial& t, int id, const std::string& kind) {
    const FaultLine* found = nullptr;
    for (const auto& f : t.faults)
        if (f.id == id) {
            CHECK(found == nullptr);  // one fault per connection
            found = &f;
        }
    INFO("[proxy stderr]\n" << t.err);
    REQUIRE(found != nullptr);
    CHECK(found->kind == kind);
    CHECK((found->dir == "c->s" || found->dir == "s->c"));
    return *found;
}

// The bytes that went through the faulty direction, and the ones through the other.
std::pair<const std::string&, const std::string&> faulty_and_other(const Trial& t, size_t i, const FaultLine& f) {
    if (f.dir == "c->s") return {t.upstream[i], t.seen[i].received};  // the echo returns the damage
    return {t.seen[i].received, t.upstream[i]};
}

}  // namespace

TEST_CASE("a flip fault changes exactly one bit of one frame's payload and forwards everything else", "[fault-proxy]") {
    constexpr int kConnections = 4;
    const Trial t = run_faults({"--faults", "flip"}, kConnections);
    REQUIRE(t.upstream.size() == kConnections);
    for (int i = 0; i < kConnections; ++i) {
        const auto& f = fault_of(t, i + 1, "flip");
        const auto [faulty, other] = faulty_and_other(t, static_cast<size_t>(i), f);
        const auto k = number_after(f.what, "frame"), bit = number_after(f.what, "bit");
        INFO("connection " << i + 1 << ": " << f.dir << " " << f.what);
        REQUIRE(k);
        REQUIRE(bit);
        REQUIRE(*k < t.frames.count());
        CHECK(*bit < 8 * (t.frames.frame(*k).size() - 4));
        CHECK_FALSE(t.seen[i].reset);
        CHECK(other == (f.dir == "c->s" ? faulty : t.frames.stream));
        REQUIRE(faulty.size() == t.frames.stream.size());
        std::vector<size_t> differ;
        for (size_t b = 0; b < faulty.size(); ++b)
            if (faulty[b] != t.frames.stream[b]) differ.push_back(b);
        REQUIRE(differ.size() == 1);
        CHECK(differ[0] == t.frames.offset[*k] + 4 + *bit / 8);
        CHECK((faulty[differ[0]] ^ t.frames.stream[differ[0]]) == static_cast<char>(1 << (*bit % 8)));
        CHECK(f.after + t.frames.frame(*k).size() >= 300'000);  // the frame that reached the budget, or a later one
    }
    CHECK(t.out.find("connections 4, faults: cut 0, flip 4, truncate 0, replay 0, reorder 0, stall 0\n") !=
          std::string::npos);
}

TEST_CASE("a truncate fault forwards a prefix of one frame, then resets both sides", "[fault-proxy]") {
    constexpr int kConnections = 4;
    const Trial t = run_faults({"--faults", "truncate"}, kConnections);
    REQUIRE(t.upstream.size() == kConnections);
    for (int i = 0; i < kConnections; ++i) {
        const auto& f = fault_of(t, i + 1, "truncate");
        const auto [faulty, other] = faulty_and_other(t, static_cast<size_t>(i), f);
        const auto k = number_after(f.what, "frame"), keep = number_after(f.what, "keep"), of = number_after(f.what, "of");
        INFO("connection " << i + 1 << ": " << f.dir << " " << f.what);
        REQUIRE(k);
        REQUIRE(keep);
        REQUIRE(of);
        REQUIRE(*k < t.frames.count());
        CHECK(*of == t.frames.frame(*k).size() - 4);
        CHECK(*keep < *of);
        CHECK(t.seen[i].reset);
        CHECK(faulty == t.frames.stream.substr(0, t.frames.offset[*k] + 4 + *keep));
        CHECK(is_prefix(other, t.frames.stream));
    }
    CHECK(t.out.find("connections 4, faults: cut 0, flip 0, truncate 4, replay 0, reorder 0, stall 0\n") !=
          std::string::npos);
}

TEST_CASE("a replay fault sends exactly one whole frame a second time, right after the first", "[fault-proxy]") {
    constexpr int kConnections = 4;
    const Trial t = run_faults({"--faults", "replay"}, kConnections);
    REQUIRE(t.upstream.size() == kConnections);
    for (int i = 0; i < kConnections; ++i) {
        const auto& f = fault_of(t, i + 1, "replay");
        const auto [faulty, other] = faulty_and_other(t, static_cast<size_t>(i), f);
        const auto k = number_after(f.what, "frame");
        INFO("connection " << i + 1 << ": " << f.dir << " " << f.what);
        REQUIRE(k);
        REQUIRE(*k < t.frames.count());
        CHECK_FALSE(t.seen[i].reset);
        CHECK(faulty == t.frames.with(*k, *k + 1, t.frames.frame(*k) + t.frames.frame(*k)));
        CHECK(other == (f.dir == "c->s" ? faulty : t.frames.stream));
    }
    CHECK(t.out.find("replay 4, reorder 0, stall 0\n") != std::string::npos);
}

TEST_CASE("a reorder fault swaps exactly two consecutive frames", "[fault-proxy]") {
    constexpr int kConnections = 4;
    const Trial t = run_faults({"--faults", "reorder"}, kConnections);
    REQUIRE(t.upstream.size() == kConnections);
    for (int i = 0; i < kConnections; ++i) {
        const auto& f = fault_of(t, i + 1, "reorder");
        const auto [faulty, other] = faulty_and_other(t, static_cast<size_t>(i), f);
        const auto k = number_after(f.what, "frames"), k2 = number_after(f.what, "and");
        INFO("connection " << i + 1 << ": " << f.dir << " " << f.what);
        REQUIRE(k);
        REQUIRE(k2);
        REQUIRE(*k + 1 < t.frames.count());
        CHECK(*k2 == *k + 1);
        CHECK(t.frames.frame(*k) != t.frames.frame(*k + 1));
        CHECK_FALSE(t.seen[i].reset);
        CHECK(faulty == t.frames.with(*k, *k + 2, t.frames.frame(*k + 1) + t.frames.frame(*k)));
        CHECK(other == (f.dir == "c->s" ? faulty : t.frames.stream));
    }
    CHECK(t.out.find("reorder 4, stall 0\n") != std::string::npos);
}

TEST_CASE("a stall fault holds both directions silent for the drawn time, then goes on or resets", "[fault-proxy]") {
    constexpr int kConnections = 4;
    const Trial t = run_faults({"--faults", "stall", "--fault-stall-min-ms", "500", "--fault-stall-max-ms", "800"},
                               kConnections);
    REQUIRE(t.upstream.size() == kConnections);
    for (int i = 0; i < kConnections; ++i) {
        const auto& f = fault_of(t, i + 1, "stall");
        const auto [faulty, other] = faulty_and_other(t, static_cast<size_t>(i), f);
        const auto k = number_after(f.what, "frame"), ms = number_after(f.what, "for");
        const bool then_reset = f.what.find("then reset") != std::string::npos;
        INFO("connection " << i + 1 << ": " << f.dir << " " << f.what);
        REQUIRE(k);
        REQUIRE(ms);
        REQUIRE(*k < t.frames.count());
        CHECK(*ms >= 500);
        CHECK(*ms <= 800);
        CHECK((then_reset || f.what.find("then continue") != std::string::npos));
        CHECK(t.seen[i].longest_gap >= std::chrono::milliseconds(*ms - 50));
        CHECK(t.seen[i].reset == then_reset);
        if (then_reset) {
            CHECK(faulty == t.frames.stream.substr(0, t.frames.offset[*k]));
            CHECK(is_prefix(other, t.frames.stream));
        } else {
            CHECK(faulty == t.frames.stream);
            CHECK(other == t.frames.stream);
        }
    }
    CHECK(t.out.find("stall 4\n") != std::string::npos);
}

TEST_CASE("with a list of kinds each connection gets one fault drawn from it, the same again from the same seed",
          "[fault-proxy]") {
    constexpr int kConnections = 12;
    std::vector<std::pair<std::string, std::string>> drawn[2];
    for (auto& kinds : drawn) {
        const Trial t = run_faults({"--faults", "cut,flip,truncate,replay,reorder,stall", "--fault-stall-min-ms", "100",
                                    "--fault-stall-max-ms", "200", "--cut-after-min", "100000", "--cut-after-max", "250000"},
                                   kConnections, 60);
        INFO("[proxy stderr]\n" << t.err);
        REQUIRE(t.faults.size() == kConnections);
        std::map<std::string, int> per_kind;
        for (int i = 0; i < kConnections; ++i) {
            const auto& f = t.faults[static_cast<size_t>(i)];
            CHECK(f.id == i + 1);
            if (f.kind == "cut") {  // exactly the budget
                CHECK(f.after >= 100'000);
                CHECK(f.after <= 250'000);
            } else {  // the first frame of its direction to reach the budget
                CHECK(f.after + 4 + 65535 >= 100'000);
            }
            CHECK((f.kind == "cut") == f.dir.empty());
            kinds.emplace_back(f.kind, f.dir);
            ++per_kind[f.kind];
        }
        CHECK(per_kind.size() > 2);
        std::string expected = "connections 12, faults:";
        for (const char* k : {"cut", "flip", "truncate", "replay", "reorder", "stall"})
            expected += std::string(k == std::string("cut") ? "" : ",") + " " + k + " " + std::to_string(per_kind[k]);
        CHECK(t.out.find(expected + "\n") != std::string::npos);
    }
    CHECK(drawn[0] == drawn[1]);
}

TEST_CASE("the fault proxy refuses fault kinds without a budget and unknown kinds", "[fault-proxy]") {
    for (const std::vector<std::string>& extra :
         {std::vector<std::string>{"--faults", "flip"},
          std::vector<std::string>{"--faults", "flip,bend", "--cut-after-min", "1", "--cut-after-max", "2"},
          std::vector<std::string>{"--faults", "stall", "--cut-after-min", "1", "--cut-after-max", "2",
                                   "--fault-stall-min-ms", "9", "--fault-stall-max-ms", "8"},
          std::vector<std::string>{"--rearm", "--cut-after-min", "1", "--cut-after-max", "2"}}) {
        auto args = proxy_args(9, extra);
        Proxy proxy(args);
        CHECK(proxy.wait(5s) == 2);
        CHECK(proxy.err().find("usage:") != std::string::npos);
    }
}

TEST_CASE("with --rearm a connection gets a new fault after every budget while it stays open", "[fault-proxy]") {
    const Trial t = run_faults({"--faults", "flip", "--rearm", "--cut-after-min", "100000", "--cut-after-max", "200000"}, 1);
    INFO("[proxy stderr]\n" << t.err);
    REQUIRE(t.upstream.size() == 1);
    const auto& got = t.seen[0].received;
    REQUIRE(got.size() == t.frames.stream.size());
    CHECK_FALSE(t.seen[0].reset);
    // Every flip, either way, reaches the client through the echo: as many bits differ as faults.
    uint64_t bits = 0;
    for (size_t b = 0; b < got.size(); ++b)
        bits += static_cast<uint64_t>(__builtin_popcount(static_cast<unsigned char>(got[b] ^ t.frames.stream[b])));
    std::set<std::string> dirs;
    uint64_t flips = 0, last_after = 0;
    for (const auto& f : t.faults) {
        CHECK(f.id == 1);
        CHECK(f.kind == "flip");
        CHECK(f.after >= last_after);
        last_after = f.after;
        dirs.insert(f.dir);
        ++flips;
    }
    CHECK(flips >= 2);  // more than one (how many depends on how the two directions interleave)
    CHECK(bits == flips);
    CHECK(t.out.find("connections 1, faults: cut 0, flip " + std::to_string(flips) + ",") != std::string::npos);
}
