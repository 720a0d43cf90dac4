// End to end: a wrong passphrase, a truncated key file and a key file readable by others each give
// a clear error and a non-zero exit, and change nothing in the home but one audit row recording
// the refusal. `init` never overwrites a home.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "cli_harness.h"

using namespace baton;
using namespace baton::cli_testing;

namespace {

std::vector<std::string> audit_rows(const std::string& home) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2((home + "/baton.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT seq, event, detail FROM audit ORDER BY seq", -1, &st, nullptr) == SQLITE_OK);
    std::vector<std::string> rows;
    while (sqlite3_step(st) == SQLITE_ROW)
        rows.push_back(std::to_string(sqlite3_column_int64(st, 0)) + " " +
                       reinterpret_cast<const char*>(sqlite3_column_text(st, 1)) + " " +
                       reinterpret_cast<const char*>(sqlite3_column_text(st, 2)));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rows;
}

// Everything a refused command must leave as it was.
struct HomeState {
    std::string key;
    std::string tables;
    std::string id_json;
    std::set<std::string> files;
    std::vector<std::string> audit;

    static HomeState of(const Sandbox& sb, const std::string& party) {
        const std::string home = sb.home(party);
        return {read_text(home + "/identity.key"), dump_tables(home + "/baton.db"),
                sb.ok({"--home", home, "id", "--json"}).out, list_dir(home), audit_rows(home)};
    }
};

// `after` equals `before` but for `refusals` new audit rows, each a key.refused event.
void check_only_refusals_recorded(const Sandbox& sb, const std::string& party, const HomeState& before,
                                  size_t refusals) {
    const HomeState after = HomeState::of(sb, party);
    CHECK(after.key == before.key);
    CHECK(after.tables == before.tables);
    CHECK(after.id_json == before.id_json);
    CHECK(after.files == before.files);
    REQUIRE(after.audit.size() == before.audit.size() + refusals);
    CHECK(std::equal(before.audit.begin(), before.audit.end(), after.audit.begin()));
    for (size_t i = before.audit.size(); i < after.audit.size(); ++i) CHECK_THAT(after.audit[i], Catch::Contains("key.refused"));
    const Run verified = sb.run({"--home", sb.home(party), "audit", "--verify"});
    CHECK(verified.code == 0);
}

void expect_error(const Run& r, int code, const std::string& needle) {
    INFO("[exit " << r.code << "]\n[stdout]\n" << r.out << "[stderr]\n" << r.err);
    CHECK(r.code == code);
    CHECK_THAT(r.err, Catch::Contains("baton: error:") && Catch::Contains(needle));
}

std::vector<std::string> issue_args(const Sandbox& sb, const std::string& out) {
    return {"--home", sb.home("authority"), "cert", "issue", "--subject", sb.path("seller.id"),
            "--role", "seller", "--deal", "D-1", "--out", out};
}

}  // namespace

TEST_CASE("a wrong passphrase is refused and only recorded in the audit chain", "[cli][home]") {
    Sandbox sb;
    sb.init("authority");
    sb.init("seller");
    const HomeState before = HomeState::of(sb, "authority");

    auto args = issue_args(sb, sb.path("never.cert"));
    args.insert(args.begin(), {"--passphrase-file", sb.path("wrong-pass")});
    expect_error(sb.run(args), 4, "wrong passphrase");
    expect_error(sb.run(issue_args(sb, sb.path("never.cert")), {"BATON_PASSPHRASE=wrong"}), 4, "wrong passphrase");
    CHECK_FALSE(std::filesystem::exists(sb.path("never.cert")));
    check_only_refusals_recorded(sb, "authority", before, 2);
    // The serial was not used up: the next good issue gets serial 1.
    const auto cert = sb.issue("authority", "seller", "seller", "D-1");
    CHECK(parse_json(sb.ok({"cert", "show", cert, "--json"}))["serial"] == 1);
}

TEST_CASE("a sealed key without any passphrase given is a usage error", "[cli][home]") {
    Sandbox sb;
    sb.init("authority");
    sb.init("seller");
    expect_error(sb.run(issue_args(sb, sb.path("never.cert"))), 2, "passphrase");
    CHECK_FALSE(std::filesystem::exists(sb.path("never.cert")));
}

TEST_CASE("a truncated key file is refused and only recorded in the audit chain", "[cli][home]") {
    Sandbox sb;
    sb.init("authority");
    sb.init("seller");
    const HomeState before = HomeState::of(sb, "authority");
    const std::string key_path = sb.home("authority") + "/identity.key";

    SECTION("cut in the middle") {
        const std::string cut = before.key.substr(0, before.key.size() / 2);
        write_text(key_path, cut);
        expect_error(sb.run({"--home", sb.home("authority"), "id"}), 3, "truncated");
        auto args = issue_args(sb, sb.path("never.cert"));
        args.insert(args.begin(), {"--passphrase-file", sb.path("pass")});
        expect_error(sb.run(args), 3, "truncated");
        CHECK(read_text(key_path) == cut);
        write_text(key_path, before.key);
        check_only_refusals_recorded(sb, "authority", before, 2);
    }
    SECTION("cut just before the sealed secrets (regression: was reported as a wrong passphrase)") {
        // The sealed secrets are the last field: tag, length 80, 80 bytes.
        const std::string cut = before.key.substr(0, before.key.size() - 82);
        write_text(key_path, cut);
        auto args = issue_args(sb, sb.path("never.cert"));
        args.insert(args.begin(), {"--passphrase-file", sb.path("pass")});
        const Run r = sb.run(args);
        expect_error(r, 3, "truncated");
        CHECK_THAT(r.err, !Catch::Contains("wrong passphrase"));
        CHECK(read_text(key_path) == cut);
        write_text(key_path, before.key);
        check_only_refusals_recorded(sb, "authority", before, 1);
    }
    CHECK_FALSE(std::filesystem::exists(sb.path("never.cert")));
}

TEST_CASE("a key file readable by others is refused and only recorded in the audit chain", "[cli][home]") {
    Sandbox sb;
    sb.init("seller");
    const HomeState before = HomeState::of(sb, "seller");
    const std::string key_path = sb.home("seller") + "/identity.key";
    struct stat st{};
    REQUIRE(::stat(key_path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);  // as init made it

    const mode_t mode = GENERATE(mode_t{0644}, mode_t{0640}, mode_t{0604});
    REQUIRE(::chmod(key_path.c_str(), mode) == 0);
    const Run r = sb.run({"--home", sb.home("seller"), "id"});
    expect_error(r, 4, "readable by others");
    CHECK_THAT(r.err, Catch::Contains("chmod 600"));
    REQUIRE(::stat(key_path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == mode);  // refused, not silently "fixed"
    REQUIRE(::chmod(key_path.c_str(), 0600) == 0);
    check_only_refusals_recorded(sb, "seller", before, 1);
}

TEST_CASE("init refuses an existing home and leaves it unchanged", "[cli][home]") {
    Sandbox sb;
    sb.init("seller");
    const std::string home = sb.home("seller");
    const std::string key = read_text(home + "/identity.key"), db = read_text(home + "/baton.db");
    const auto files = list_dir(home);
    const auto sandbox_files = list_dir(sb.path(""));

    for (const auto& extra : std::vector<std::vector<std::string>>{{"--no-passphrase"},
                                                                  {"--passphrase-file", sb.path("pass")}}) {
        std::vector<std::string> args{"--home", home, "init", "--name", "Impostor", "--kdf", "interactive"};
        args.insert(args.end(), extra.begin(), extra.end());
        expect_error(sb.run(args), 8, "already exists");
    }
    CHECK(read_text(home + "/identity.key") == key);
    CHECK(read_text(home + "/baton.db") == db);
    CHECK(list_dir(home) == files);
    CHECK(list_dir(sb.path("")) == sandbox_files);  // no staging directory left behind
    CHECK(parse_json(sb.ok({"--home", home, "id", "--json"}))["name"] == "seller");
}

TEST_CASE("init refuses a non-empty directory that is not a home and leaves it unchanged", "[cli][home]") {
    Sandbox sb;
    const std::string dir = sb.path("occupied");
    std::filesystem::create_directory(dir);
    write_text(dir + "/notes.txt", "mine");
    const Run r = sb.run({"--home", dir, "init", "--name", "x", "--no-passphrase"});
    CHECK(r.code == 8);
    CHECK(list_dir(dir) == std::set<std::string>{"notes.txt"});
    CHECK(read_text(dir + "/notes.txt") == "mine");
}

TEST_CASE("init creates a private home with a 0600 key file and warns when the key is not sealed", "[cli][home]") {
    Sandbox sb;
    const Run r = sb.run({"--home", sb.home("plain"), "init", "--name", "Plain", "--no-passphrase", "--json"});
    REQUIRE(r.code == 0);
    CHECK_THAT(r.err, Catch::Contains("WITHOUT a passphrase"));
    const auto j = parse_json(r);
    CHECK(j["key_sealed"] == false);
    struct stat st{};
    REQUIRE(::stat(sb.home("plain").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    REQUIRE(::stat((sb.home("plain") + "/identity.key").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat((sb.home("plain") + "/baton.db").c_str(), &st) == 0);
    CHECK((st.st_mode & 0077) == 0);
}
