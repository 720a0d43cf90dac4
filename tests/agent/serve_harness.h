// End-to-end harness for `baton serve`: starts it in the background in a Sandbox
// (tests/agent/cli_harness.h), reads the port it picked from its "listening" line, reads its log
// (stderr) and memory (/proc/PID/status), and stops it with a signal. Also raw TCP clients, for
// tests that play a hostile peer. Every wait is bounded and polls; nothing sleeps blindly.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <regex>
#include <thread>

#include "cli_harness.h"

namespace baton::cli_testing {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// Polls `done` every 20 ms until it holds or `limit` passes; returns whether it held.
template <typename Pred>
bool eventually(Pred done, std::chrono::milliseconds limit) {
    const auto end = SteadyClock::now() + limit;
    while (true) {
        if (done()) return true;
        if (SteadyClock::now() >= end) return false;
        std::this_thread::sleep_for(20ms);
    }
}

struct Memory {
    long rss_kib = -1;  // VmRSS: resident now
    long hwm_kib = -1;  // VmHWM: the most ever resident
};

inline Memory memory_of(pid_t pid) {
    std::istringstream in(read_text("/proc/" + std::to_string(pid) + "/status"));
    Memory m;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("VmRSS:", 0) == 0) m.rss_kib = std::stol(line.substr(6));
        if (line.rfind("VmHWM:", 0) == 0) m.hwm_kib = std::stol(line.substr(6));
    }
    return m;
}

// `baton --home HOME [--json] serve --listen 127.0.0.1:0 EXTRA...` running in the background.
// The destructor stops it (SIGTERM, then SIGKILL after 5 s) if the test did not.
class ServeProcess {
public:
    ServeProcess(const Sandbox& sb, const std::string& party, const std::vector<std::string>& extra = {},
                 bool json = false)
        : out_path_(sb.path("serve-" + party + "-" + std::to_string(++counter()) + ".out")),
          err_path_(out_path_.substr(0, out_path_.size() - 4) + ".err") {
        std::vector<std::string> args{BATON_BIN, "--home", sb.home(party)};
        if (json) args.push_back("--json");
        for (const char* a : {"serve", "--listen", "127.0.0.1:0"}) args.emplace_back(a);
        args.insert(args.end(), extra.begin(), extra.end());
        pid_ = spawn(args, sb.path(""));
        const bool reported = eventually([&] { return parse_port(json) || !running(); }, 15s);
        if (!reported || !running())
            FAIL("serve did not report a listening address\n[stdout]\n" << stdout_text() << "[stderr]\n" << log());
    }
    ~ServeProcess() {
        if (pid_ > 0 && running()) (void)stop(SIGTERM, 5s);
        if (pid_ > 0 && running()) {
            ::kill(pid_, SIGKILL);
            (void)reap(2s);
        }
    }
    ServeProcess(const ServeProcess&) = delete;
    ServeProcess& operator=(const ServeProcess&) = delete;

    pid_t pid() const { return pid_; }
    uint16_t port() const { return port_; }
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
    std::string stdout_text() const { return read_text(out_path_); }
    std::string log() const { return read_text(err_path_); }
    Memory memory() const { return memory_of(pid_); }

    bool log_contains(const std::string& needle, std::chrono::milliseconds limit = 5s) const {
        return eventually([&] { return log().find(needle) != std::string::npos; }, limit);
    }

    bool running() {
        if (exit_code_) return false;
        return !reap(0ms);
    }

    // Sends `sig` and waits up to `limit` for the exit; returns its exit code, or nullopt if it
    // is still running.
    std::optional<int> stop(int sig, std::chrono::milliseconds limit) {
        if (!exit_code_) ::kill(pid_, sig);
        (void)eventually([&] { return reap(0ms); }, limit);
        return exit_code_;
    }

private:
    static int& counter() {
        static int n = 0;
        return n;
    }

    // Same environment as Sandbox::run: no inherited BATON_*, HOME is the sandbox.
    pid_t spawn(std::vector<std::string>& args, const std::string& home_dir) {
        std::vector<std::string> env_s;
        for (char** e = environ; *e; ++e)
            if (std::strncmp(*e, "BATON_", 6) != 0 && std::strncmp(*e, "HOME=", 5) != 0) env_s.emplace_back(*e);
        env_s.push_back("HOME=" + home_dir);
        std::vector<char*> argv, envp;
        for (auto& a : args) argv.push_back(a.data());
        for (auto& e : env_s) envp.push_back(e.data());
        argv.push_back(nullptr);
        envp.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_addopen(&fa, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        pid_t pid = 0;
        const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&fa);
        REQUIRE(rc == 0);
        return pid;
    }

    // Reaps the child if it has exited (waiting up to `limit`); true once it has.
    bool reap(std::chrono::milliseconds limit) {
        if (exit_code_) return true;
        return eventually(
            [&] {
                int status = 0;
                if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
                exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                return true;
            },
            limit);
    }

    bool parse_port(bool json) {
        const std::string out = stdout_text();
        if (out.find('\n') == std::string::npos) return false;
        static const std::regex text_re(R"(listening on 127\.0\.0\.1:(\d+) as )");
        static const std::regex json_re(R"re("address":"127\.0\.0\.1:(\d+)")re");
        std::smatch m;
        if (!std::regex_search(out, m, json ? json_re : text_re)) return false;
        port_ = static_cast<uint16_t>(std::stoi(m[1].str()));
        return port_ != 0;
    }

    std::string out_path_, err_path_;
    pid_t pid_ = -1;
    uint16_t port_ = 0;
    std::optional<int> exit_code_;
};

// ---- raw TCP clients, for playing a hostile peer ------------------------------------------------

// A connected client socket to 127.0.0.1:port; closes on destruction.
class RawClient {
public:
    explicit RawClient(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        REQUIRE(fd_ >= 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    }
    ~RawClient() {
        if (fd_ >= 0) ::close(fd_);
    }
    RawClient(const RawClient&) = delete;
    RawClient& operator=(const RawClient&) = delete;

    // Sends what it can; a server that already closed makes the rest fail, which is fine.
    void send(const std::vector<uint8_t>& data) const {
        size_t off = 0;
        while (off < data.size()) {
            const ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
            if (n <= 0) return;
            off += static_cast<size_t>(n);
        }
    }

    // Reads (and discards) until the server closes the connection — EOF or a reset — or until
    // `limit` passes. Returns whether it closed in time.
    bool closed_within(std::chrono::milliseconds limit) const {
        const auto end = SteadyClock::now() + limit;
        uint8_t buf[4096];
        while (true) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - SteadyClock::now());
            pollfd p{fd_, POLLIN, 0};
            const int ready = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
            if (ready > 0) {
                const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
                if (n <= 0) return true;  // 0: EOF; <0: reset
            } else if (left.count() <= 0) {
                return false;
            }
        }
    }

    // Exactly `n` bytes, or fewer if the connection ends or `limit` passes.
    std::vector<uint8_t> read_exactly(size_t n, std::chrono::milliseconds limit) const {
        std::vector<uint8_t> out;
        const auto end = SteadyClock::now() + limit;
        while (out.size() < n) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - SteadyClock::now());
            pollfd p{fd_, POLLIN, 0};
            if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
            uint8_t buf[4096];
            const ssize_t got = ::recv(fd_, buf, std::min(sizeof buf, n - out.size()), 0);
            if (got <= 0) break;
            out.insert(out.end(), buf, buf + got);
        }
        return out;
    }

private:
    int fd_;
};

// A Baton frame: 4-byte big-endian length, then the payload (protocol/session/frame.h).
inline std::vector<uint8_t> frame(const std::vector<uint8_t>& payload) {
    const auto n = static_cast<uint32_t>(payload.size());
    std::vector<uint8_t> out{static_cast<uint8_t>(n >> 24), static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 8),
                             static_cast<uint8_t>(n)};
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}

}  // namespace baton::cli_testing
