// The parties and data of the handover end-to-end tests, built with the real CLI in a fresh
// Sandbox (tests/agent/cli_harness.h): an authority (sealed key) certifying a seller, a buyer and
// a witness for the test's deal, each trusting it; sample data from baton-gen-sample imported on
// the seller; a plan of three stages (customers; transactions; credit_ratings); the buyer's
// `baton serve` (tests/agent/serve_harness.h); `baton push` in the foreground or the background.
// Helpers export every set on both sides and compare the files byte for byte, and read
// `baton status --json`.
//
// Parties' keys are stored without a passphrase, so push, serve, accept and export need no unlock.
#pragma once

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_harness.h"
#include "core/bytes.h"
#include "serve_harness.h"

namespace baton::handover_testing {

using namespace baton::cli_testing;
using namespace std::chrono_literals;

inline const std::vector<std::string> kSets{"customers", "transactions", "credit_ratings"};
inline const std::vector<std::string> kStages{"customers", "transactions", "credit_ratings"};

// A child process running in the background with stdout and stderr in files, in the environment
// Sandbox::run gives baton (no inherited BATON_*, HOME is the sandbox). The destructor kills it
// (SIGKILL) if the test did not wait for it.
class Proc {
public:
    Proc(const Sandbox& sb, const std::string& label, std::vector<std::string> argv)
        : out_path_(sb.path(label + "-" + std::to_string(++counter()) + ".out")),
          err_path_(out_path_.substr(0, out_path_.size() - 4) + ".err"),
          argv_(std::move(argv)) {
        std::vector<std::string> env_s;
        for (char** e = environ; *e; ++e)
            if (std::strncmp(*e, "BATON_", 6) != 0 && std::strncmp(*e, "HOME=", 5) != 0) env_s.emplace_back(*e);
        env_s.push_back("HOME=" + sb.path(""));
        std::vector<char*> args, envp;
        for (auto& a : argv_) args.push_back(a.data());
        for (auto& e : env_s) envp.push_back(e.data());
        args.push_back(nullptr);
        envp.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_addopen(&fa, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int rc = posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), envp.data());
        posix_spawn_file_actions_destroy(&fa);
        REQUIRE(rc == 0);
    }
    ~Proc() {
        if (pid_ > 0 && !exit_code_) {
            ::kill(pid_, SIGKILL);
            (void)wait(5s);
        }
    }
    Proc(const Proc&) = delete;
    Proc& operator=(const Proc&) = delete;

    pid_t pid() const { return pid_; }
    std::string out() const { return read_text(out_path_); }
    std::string err() const { return read_text(err_path_); }
    bool running() { return !reap(); }

    // Waits up to `limit` for the exit; returns its code (128 + signal when killed) or nullopt.
    std::optional<int> wait(std::chrono::milliseconds limit) {
        (void)eventually([&] { return reap(); }, limit);
        return exit_code_;
    }
    std::optional<int> kill(int sig, std::chrono::milliseconds limit = 10s) {
        if (!exit_code_) ::kill(pid_, sig);
        return wait(limit);
    }

    // The command and everything it said so far, for failure messages.
    std::string describe() const {
        std::string s = "$";
        for (const auto& a : argv_) s += " " + a;
        return s + "\n[exit " + (exit_code_ ? std::to_string(*exit_code_) : "-") + "]\n[stdout]\n" + out() +
               "[stderr]\n" + err();
    }

    // The lines of stdout that parse as JSON objects (a --json command's events).
    std::vector<nlohmann::json> json_lines() const {
        std::vector<nlohmann::json> lines;
        std::istringstream in(out());
        for (std::string line; std::getline(in, line);) {
            auto j = nlohmann::json::parse(line, nullptr, false);
            if (j.is_object()) lines.push_back(std::move(j));
        }
        return lines;
    }

private:
    static int& counter() {
        static int n = 0;
        return n;
    }
    bool reap() {
        if (exit_code_) return true;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return true;
    }

    std::string out_path_, err_path_;
    std::vector<std::string> argv_;
    pid_t pid_ = -1;
    std::optional<int> exit_code_;
};

// The first offset at which the two files differ (a shorter file differs at its end), or nullopt.
inline std::optional<uint64_t> first_difference(const std::string& a, const std::string& b) {
    std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
    REQUIRE(fa.good());
    REQUIRE(fb.good());
    std::vector<char> ba(1 << 20), bb(1 << 20);
    uint64_t off = 0;
    while (true) {
        fa.read(ba.data(), static_cast<std::streamsize>(ba.size()));
        fb.read(bb.data(), static_cast<std::streamsize>(bb.size()));
        const auto na = static_cast<size_t>(fa.gcount()), nb = static_cast<size_t>(fb.gcount());
        const size_t n = std::min(na, nb);
        for (size_t i = 0; i < n; ++i)
            if (ba[i] != bb[i]) return off + i;
        if (na != nb) return off + n;
        if (na == 0) return std::nullopt;
        off += n;
    }
}

// Up to `n` bytes of `file` from `offset`, for showing where two files part.
inline std::string excerpt(const std::string& file, uint64_t offset, size_t n = 160) {
    std::ifstream in(file, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset > 40 ? offset - 40 : 0));
    std::string s(n, '\0');
    in.read(s.data(), static_cast<std::streamsize>(n));
    s.resize(static_cast<size_t>(in.gcount()));
    return s;
}

struct Sample {
    uint64_t customers = 1000;
    uint64_t transactions_per_customer = 3;
    uint64_t seed = 1;
    std::string canary;
    uint64_t remark_bytes = 0;
};

class HandoverWorld {
public:
    explicit HandoverWorld(std::string deal_id = "D-HO-1") : deal(std::move(deal_id)) {
        sb.init("authority");
        for (const char* p : {"seller", "buyer", "witness"}) {
            sb.ok({"--home", sb.home(p), "init", "--name", p, "--kdf", "interactive", "--no-passphrase"});
            sb.ok({"--home", sb.home(p), "id", "--export", sb.path(std::string(p) + ".id")});
            sb.ok({"--home", sb.home(p), "trust", "add", "--deal", deal, "--authority", sb.path("authority.id")});
            sb.ok({"--home", sb.home(p), "cert", "install", sb.issue("authority", p, p, deal)});
        }
    }

    Sandbox sb;
    const std::string deal;
    std::unique_ptr<ServeProcess> buyer_serve;

    std::string data(const std::string& file) const { return sb.path("data/" + file); }

    // baton --home <party's home> ARGS...
    std::vector<std::string> as(const std::string& party, std::vector<std::string> args) const {
        args.insert(args.begin(), {"--home", sb.home(party)});
        return args;
    }
    Run run(const std::string& party, const std::vector<std::string>& args) const { return sb.run(as(party, args)); }
    Run ok(const std::string& party, const std::vector<std::string>& args) const { return sb.ok(as(party, args)); }

    // baton-gen-sample --out <sandbox>/data ...; returns its JSON summary.
    nlohmann::json generate(const Sample& s) const {
        std::vector<std::string> argv{GEN_SAMPLE_BIN, "--out", sb.path("data"), "--customers", std::to_string(s.customers),
                                      "--transactions-per-customer", std::to_string(s.transactions_per_customer),
                                      "--seed", std::to_string(s.seed), "--remark-bytes", std::to_string(s.remark_bytes)};
        if (!s.canary.empty()) argv.insert(argv.end(), {"--canary", s.canary});
        Proc gen(sb, "gen-sample", argv);
        const auto code = gen.wait(300s);
        INFO(gen.describe());
        REQUIRE(code == 0);
        return nlohmann::json::parse(gen.out());
    }

    // The seller imports customers, then transactions, then credit_ratings (references need the
    // customers first).
    void import_all() const {
        for (const auto& set : kSets)
            ok("seller", {"import", "--set", set, "--schema", data(set + ".schema.json"), "--file", data(set + ".csv")});
    }

    // The seller's plan: one stage per set, in kStages order.
    void create_plan(bool manual_accept = false, const std::vector<std::string>& extra = {}) const {
        std::vector<std::string> args{"plan", "create", "--deal", deal, "--buyer", sb.path("buyer.id")};
        for (size_t i = 0; i < kStages.size(); ++i) args.insert(args.end(), {"--stage", kStages[i] + ":" + kSets[i]});
        if (manual_accept) args.push_back("--manual-accept");
        args.insert(args.end(), extra.begin(), extra.end());
        ok("seller", args);
    }

    // Data, import and plan in one go; returns the generator's summary.
    nlohmann::json prepare_deal(const Sample& s, bool manual_accept = false) const {
        auto summary = generate(s);
        import_all();
        create_plan(manual_accept);
        return summary;
    }

    ServeProcess& serve() {
        buyer_serve = std::make_unique<ServeProcess>(sb, "buyer");
        return *buyer_serve;
    }

    std::vector<std::string> push_args(const std::string& to, const std::vector<std::string>& extra = {}) const {
        std::vector<std::string> args{"push", "--deal", deal, "--to", to, "--timeout", "60"};
        args.insert(args.end(), extra.begin(), extra.end());
        return as("seller", args);
    }
    Run push(const std::vector<std::string>& extra = {}) const {
        REQUIRE(buyer_serve);
        return sb.run(push_args(buyer_serve->address(), extra));
    }
    std::unique_ptr<Proc> push_in_background(const std::string& to, const std::vector<std::string>& extra = {}) const {
        auto args = push_args(to, extra);
        args.insert(args.begin(), BATON_BIN);
        return std::make_unique<Proc>(sb, "push", args);
    }

    // The deal's entry of `baton status --json` on `party`.
    nlohmann::json status(const std::string& party) const {
        const auto j = parse_json(ok(party, {"--json", "status", "--deal", deal}));
        REQUIRE(j.contains("deals"));
        REQUIRE(j["deals"].size() == 1);
        return j["deals"][0];
    }
    nlohmann::json stage(const std::string& party, const std::string& name) const {
        const auto d = status(party);
        for (const auto& s : d["stages"])
            if (s["name"] == name) return s;
        FAIL("no stage " << name << " in the status of " << party << ":\n" << d.dump(2));
        return {};
    }
    // Like stage(), but a failing status command (the database busy, say) gives null.
    nlohmann::json try_stage(const std::string& party, const std::string& name) const {
        const Run r = run(party, {"--json", "status", "--deal", deal});
        if (r.code != 0) return nullptr;
        const auto j = nlohmann::json::parse(r.out, nullptr, false);
        if (!j.is_object() || !j.contains("deals") || j["deals"].empty()) return nullptr;
        for (const auto& s : j["deals"][0]["stages"])
            if (s["name"] == name) return s;
        return nullptr;
    }
    // Polls the party's status until the stage is in `state` (or, while waiting, in one of
    // `fatal`: fails at once). Returns whether it got there within `limit`.
    bool wait_for_state(const std::string& party, const std::string& name, const std::string& state,
                        std::chrono::milliseconds limit, Proc* watch = nullptr) const {
        const auto end = SteadyClock::now() + limit;
        while (SteadyClock::now() < end) {
            const auto s = try_stage(party, name);
            if (!s.is_null() && s["state"] == state) return true;
            if (watch && !watch->running()) {
                const auto again = try_stage(party, name);
                return !again.is_null() && again["state"] == state;
            }
            std::this_thread::sleep_for(100ms);
        }
        return false;
    }

    Run export_set(const std::string& party, const std::string& set, const std::string& format,
                   const std::string& file) const {
        return run(party, {"export", "--set", set, "--format", format, "--out", file});
    }

    // Exports every set in CSV and JSON Lines on both sides; each buyer file must equal the
    // seller's byte for byte. `sets` defaults to all three.
    void require_exports_equal(const std::vector<std::string>& sets = kSets) const {
        for (const auto& set : sets)
            for (const std::string format : {"csv", "jsonl"}) {
                const std::string mine = sb.path("seller-" + set + "." + format), theirs = sb.path("buyer-" + set + "." + format);
                std::filesystem::remove(mine);
                std::filesystem::remove(theirs);
                const Run s = export_set("seller", set, format, mine);
                INFO(describe(as("seller", {"export", "--set", set, "--format", format, "--out", mine}), s));
                REQUIRE(s.code == 0);
                const Run b = export_set("buyer", set, format, theirs);
                INFO(describe(as("buyer", {"export", "--set", set, "--format", format, "--out", theirs}), b));
                REQUIRE(b.code == 0);
                const auto diff = first_difference(mine, theirs);
                INFO("set " << set << " as " << format << ": " << std::filesystem::file_size(mine) << " bytes on the seller, "
                            << std::filesystem::file_size(theirs) << " on the buyer");
                if (diff) {
                    INFO("first difference at byte " << *diff << "\n[seller]\n" << excerpt(mine, *diff) << "\n[buyer]\n"
                                                     << excerpt(theirs, *diff));
                    CHECK_FALSE(diff.has_value());
                } else {
                    CHECK(std::filesystem::file_size(mine) > 0);
                }
            }
    }
};

// Rows of `sql` (an INTEGER column, then a BLOB column; its one parameter is the deal) from the
// database at `db_path`, opened read-only.
inline std::vector<std::pair<int64_t, Bytes>> blob_rows(const std::string& db_path, const std::string& sql,
                                                        const std::string& deal) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* st = nullptr;
    INFO(sql << ": " << sqlite3_errmsg(db));
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    sqlite3_bind_text(st, 1, deal.c_str(), -1, SQLITE_TRANSIENT);
    std::vector<std::pair<int64_t, Bytes>> rows;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(st, 1));
        rows.emplace_back(sqlite3_column_int64(st, 0), Bytes(p, p + sqlite3_column_bytes(st, 1)));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rows;
}

// Whether a stage's receipts (status JSON) include every kind in `kinds`.
inline bool has_receipts(const nlohmann::json& stage, const std::vector<std::string>& kinds) {
    for (const auto& k : kinds) {
        bool found = false;
        for (const auto& r : stage["receipts"]) found = found || r == k;
        if (!found) return false;
    }
    return true;
}

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed).
// Files under `dir` (recursively) whose bytes contain `needle`.
inline std::vector<std::string> files_containing(const std::string& dir, const std::string& needle) {
    std::vector<std::string> found;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
        if (e.is_regular_file() && read_text(e.path().string()).find(needle) != std::string::npos)
            found.push_back(e.path().string());
    return found;
}

inline uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = 0;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    ::close(fd);
    return ntohs(a.sin_port);
}

// Wall-clock seconds since `t0`, for reporting how long each phase took.
inline double seconds_since(SteadyClock::time_point t0) {
    return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

}  // namespace baton::handover_testing
