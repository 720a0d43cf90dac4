// Helpers for the record-set CLI tests (records_cli_test.cpp, records_secrecy_cli_test.cpp): the
// schemas, generated tricky data, CSV building, GB18030 conversion, a snapshot of everything a
// refused import must leave unchanged, and a child run measured with wait4().
#pragma once

#include <iconv.h>

#include <optional>
#include <stdexcept>

#include "cli_harness.h"

namespace baton::records_cli {

using namespace baton::cli_testing;
using Row = std::vector<std::optional<std::string>>;

inline const char* kCustomersSchema = R"({"set":"customers","primary_key":["customer_id"],"fields":[
    {"name":"customer_id","type":"string","required":true},
    {"name":"name","type":"string"},
    {"name":"id_number","type":"cn_resident_id"},
    {"name":"mobile","type":"cn_mobile"},
    {"name":"amount","type":"decimal","scale":2},
    {"name":"note","type":"string","max_length":65536}]})";
inline const char* kAccountsSchema = R"({"set":"accounts","primary_key":["account"],"fields":[
    {"name":"account","type":"string"},
    {"name":"customer_id","type":"string","references":"customers.customer_id"}]})";
inline const std::vector<std::string> kColumns{"customer_id", "name", "id_number", "mobile", "amount", "note"};
inline const std::string kHeader = "customer_id,name,id_number,mobile,amount,note";
inline const std::string kCanary = "CANARY-5d1f0b7e-金丝雀";

inline std::optional<std::string> s(std::string v) { return v; }

// Every tricky value of issue 4: Chinese text, emoji, characters that take four bytes in
// GB18030, 10 KB fields, leading zeros, trailing spaces, formula-like text, decomposed Unicode,
// embedded CRLF and quotes — and a canary.
inline std::vector<Row> tricky_rows() {
    std::string ten_kb;
    while (ten_kb.size() < 10 * 1024) ten_kb += "长字段,\"引号\"\r\n😀 ";
    const auto nul = std::nullopt;
    return {
        {s("0001"), s("张三"), s("11010519491231002X"), s("13812341234"), s("007.50"), s("emoji 😀👍🏽, 𠀀𠂇 (four bytes in GB18030)")},
        {s("0002"), s("trailing  "), nul, nul, s("-0"), s("  leading and trailing  ")},
        {s("0003"), s("=SUM(A1)"), nul, s("13900000000"), s("0.1"), s("+cmd|' /C calc'!A0")},
        {s("0004"), s("e\xCC\x81 (decomposed) vs \xC3\xA9"), nul, nul, nul, s("line1\r\nline2\nline3")},
        {s("0005"), s("say \"hi\", ok"), nul, nul, s("12345678901234567890.12"), s(ten_kb)},
        {s("0006"), nul, nul, nul, nul, s("tab\there, comma, \"quote\"")},
        {s("0007"), s("︐ 𠂇 ḿ"), nul, nul, s("000"), s(kCanary)},
        {s("00000000000000000008"), s("王"), s("440106199001010013"), nul, nul, nul},
    };
}

inline void csv_field(std::string& out, const std::string& v) {
    if (v.find_first_of(",\"\r\n") == std::string::npos) {
        out += v;
        return;
    }
    out += '"';
    for (char c : v) (c == '"' ? out += "\"\"" : out += c);
    out += '"';
}

// A CSV file of `rows` under kHeader, RFC 4180 quoting only where needed.
inline std::string csv_of(const std::vector<Row>& rows, const std::string& eol = "\r\n") {
    std::string out = kHeader + eol;
    for (const auto& r : rows) {
        for (size_t i = 0; i < r.size(); ++i) {
            if (i) out += ',';
            if (r[i]) csv_field(out, *r[i]);
        }
        out += eol;
    }
    return out;
}

inline std::string to_gb18030(const std::string& utf8) {
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    if (cd == reinterpret_cast<iconv_t>(-1)) throw std::runtime_error("no iconv GB18030");
    std::string out(utf8.size() * 2 + 8, '\0');
    char* in = const_cast<char*>(utf8.data());
    size_t in_left = utf8.size(), out_left = out.size();
    char* o = out.data();
    const size_t r = iconv(cd, &in, &in_left, &o, &out_left);
    iconv_close(cd);
    if (r == static_cast<size_t>(-1)) throw std::runtime_error("cannot encode to GB18030");
    out.resize(out.size() - out_left);
    return out;
}

// A home without a passphrase (nothing to unlock: no Argon2id in the timings or the memory).
inline std::string open_home(const Sandbox& sb, const std::string& party = "seller") {
    sb.ok({"--home", sb.home(party), "init", "--name", party, "--no-passphrase"});
    return sb.home(party);
}

inline std::vector<std::string> import_args(const std::string& home, const std::string& schema, const std::string& file,
                                            const std::string& set = "customers") {
    return {"--home", home, "import", "--set", set, "--schema", schema, "--file", file};
}

// Every row of the record tables, as text.
inline std::string dump_record_tables(const std::string& db_path) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    std::string out;
    for (const char* sql : {"SELECT * FROM record_sets ORDER BY id", "SELECT * FROM record_batches ORDER BY 1, 2",
                            "SELECT * FROM record_key_hashes ORDER BY 1, 2, 3"}) {
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

// What a refused import must leave exactly as it was.
inline std::string snapshot(const Sandbox& sb, const std::string& home) {
    const std::string db = home + "/baton.db";
    return sb.ok({"--home", home, "--json", "sets"}).out + dump_record_tables(db) + dump_tables(db);
}

struct Measured {
    int code = -1;
    long max_rss_kib = 0;
    std::string err;
};

// Runs baton like Sandbox::run, and reports its peak resident set size, measured by
// baton-peak-rss (tests/support/peak_rss.cpp): wait4 on a child spawned from this process would
// report this process's peak as well.
inline Measured run_measured(const Sandbox& sb, std::vector<std::string> args) {
    const std::string rss_path = sb.path(".measured-rss");
    args.insert(args.begin(), {PEAK_RSS_BIN, rss_path, BATON_BIN});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string err_path = sb.path(".measured-stderr");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    REQUIRE(rc == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    Measured m;
    m.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    m.max_rss_kib = std::stol(read_text(rss_path));
    m.err = read_text(err_path);
    return m;
}

}  // namespace baton::records_cli
