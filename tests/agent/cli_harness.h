// End-to-end harness: runs the real `baton` binary (BATON_BIN) as a child process in a fresh
// temporary directory, with stdin from /dev/null, and captures its exit code, stdout and stderr.
// Nothing is mocked: the tests see exactly what a user or a script sees.
#pragma once

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

extern char** environ;

namespace baton::cli_testing {

struct Run {
    int code = -1;
    std::string out;
    std::string err;
};

inline std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_text(const std::string& path, const std::string& data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << data;
    REQUIRE(out.good());
}

// What a failed expectation should print: the command and everything it said.
inline std::string describe(const std::vector<std::string>& args, const Run& r) {
    std::string s = "$ baton";
    for (const auto& a : args) s += " " + a;
    return s + "\n[exit " + std::to_string(r.code) + "]\n[stdout]\n" + r.out + "[stderr]\n" + r.err;
}

class Sandbox {
public:
    Sandbox() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "baton-cli-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        dir_ = tmpl;
        write_text(path("pass"), "correct horse\n");
        write_text(path("wrong-pass"), "incorrect horse\n");
    }
    ~Sandbox() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    Sandbox(const Sandbox&) = delete;
    Sandbox& operator=(const Sandbox&) = delete;

    std::string path(const std::string& name) const { return dir_ + "/" + name; }
    std::string home(const std::string& party) const { return path("home-" + party); }

    // Runs baton with `args`; `extra_env` entries ("NAME=value") are added to an environment
    // from which every inherited BATON_* variable has been removed.
    Run run(const std::vector<std::string>& args, const std::vector<std::string>& extra_env = {}) const {
        std::vector<std::string> argv_s{BATON_BIN};
        argv_s.insert(argv_s.end(), args.begin(), args.end());
        std::vector<std::string> env_s;
        for (char** e = environ; *e; ++e)
            if (std::strncmp(*e, "BATON_", 6) != 0 && std::strncmp(*e, "HOME=", 5) != 0) env_s.emplace_back(*e);
        env_s.push_back("HOME=" + dir_);
        env_s.insert(env_s.end(), extra_env.begin(), extra_env.end());
        std::vector<char*> argv, envp;
        for (auto& a : argv_s) argv.push_back(a.data());
        for (auto& e : env_s) envp.push_back(e.data());
        argv.push_back(nullptr);
        envp.push_back(nullptr);

        const std::string out_path = path(".stdout"), err_path = path(".stderr");
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        pid_t pid = 0;
        const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&fa);
        REQUIRE(rc == 0);
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        Run r;
        r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        r.out = read_text(out_path);
        r.err = read_text(err_path);
        return r;
    }

    // Runs and requires success.
    Run ok(const std::vector<std::string>& args) const {
        Run r = run(args);
        INFO(describe(args, r));
        REQUIRE(r.code == 0);
        return r;
    }

    // Creates party's home with a sealed key (cheap KDF) and exports its identity to <party>.id.
    void init(const std::string& party) const {
        ok({"--home", home(party), "init", "--name", party, "--kdf", "interactive", "--passphrase-file", path("pass")});
        ok({"--home", home(party), "id", "--export", path(party + ".id")});
    }

    // Copies party's home and identity file from another sandbox (no baton process may be using
    // it), so that an expensive setup can be built once and tampered with many times.
    void adopt(const Sandbox& from, const std::string& party) const {
        std::filesystem::copy(from.home(party), home(party), std::filesystem::copy_options::recursive);
        std::filesystem::copy_file(from.path(party + ".id"), path(party + ".id"));
    }

    // As `authority`, certifies `subject` for `role` in `deal`; returns the certificate file.
    std::string issue(const std::string& authority, const std::string& subject, const std::string& role,
                      const std::string& deal, const std::vector<std::string>& extra = {}) const {
        const std::string out = path(subject + "-" + role + "-" + deal + std::to_string(++issued_) + ".cert");
        std::vector<std::string> args{"--home", home(authority), "--passphrase-file", path("pass"), "cert", "issue",
                                      "--subject", path(subject + ".id"), "--role", role, "--deal", deal, "--out", out};
        args.insert(args.end(), extra.begin(), extra.end());
        ok(args);
        return out;
    }

private:
    std::string dir_;
    mutable int issued_ = 0;
};

inline nlohmann::json parse_json(const Run& r) {
    INFO(r.out);
    REQUIRE_NOTHROW(nlohmann::json::parse(r.out));
    return nlohmann::json::parse(r.out);
}

// ---- the state of a home, to prove a refused command changed nothing -------------------------

// Every row of every table except the audit chain (and its head in meta), as text.
inline std::string dump_tables(const std::string& db_path) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    std::string out;
    for (const char* sql : {"SELECT * FROM own_certificates ORDER BY 1, 2", "SELECT * FROM trust_anchors ORDER BY 1, 2",
                            "SELECT * FROM revocation_lists ORDER BY 1, 2", "SELECT * FROM issued_certificates ORDER BY 1",
                            "SELECT * FROM issued_revocation_lists ORDER BY 1",
                            "SELECT * FROM meta WHERE key NOT LIKE 'audit_head_%' ORDER BY 1"}) {
        sqlite3_stmt* st = nullptr;
        REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
        out += std::string(sql) + "\n";
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int i = 0; i < sqlite3_column_count(st); ++i) {
                const auto* p = static_cast<const char*>(sqlite3_column_blob(st, i));
                out += std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(st, i))) + "|";
            }
            out += "\n";
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return out;
}

// Runs SQL on a home's database directly, as someone with file access would.
inline void tamper_sql(const std::string& db_path, const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    char* msg = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
    INFO((msg ? msg : ""));
    sqlite3_free(msg);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
}

inline std::set<std::string> list_dir(const std::string& dir) {
    std::set<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir)) names.insert(e.path().filename().string());
    return names;
}

}  // namespace baton::cli_testing
