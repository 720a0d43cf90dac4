// baton-fault-proxy (tests/support/fault_proxy.cpp) as a child process between a client and an
// echo server, all on loopback: it forwards unchanged, cuts each connection with a reset after a
// budget drawn from [min, max], and what passed before the cut is an intact prefix.
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
        last = SteadyClock::now();
    }
    ex.silence = SteadyClock::now() - last;
    ::shutdown(fd, SHUT_RDWR);  // unblocks the sender if it is still writing
    sender.join();
    ::close(fd);
    ex.reset = ex.reset || send_reset;
    return ex;
}

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
