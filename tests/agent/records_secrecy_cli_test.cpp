// End to end: record values never reach the agent's home in plaintext (DESIGN §5 canary), a
// 200 MB line is refused in bounded memory, import and export need the passphrase and are
// audited without values, and a tampered set is never exported.
#include <catch2/catch.hpp>

#include "records_cli_util.h"

using namespace baton;
using namespace baton::records_cli;

namespace {

// What refusing the 200 MB line may add to the peak RSS of `baton --help`. The baseline takes
// out what the build itself costs: an AddressSanitizer build's binary has about 240 MiB resident
// before main (its relocation table and the globals it relocates). Holding the line would add
// 200 MB.
constexpr long kMaxExtraRssKib = 64 * 1024;

// The files under `dir` whose bytes contain `needle`.
std::vector<std::string> files_holding(const std::string& dir, const std::string& needle) {
    std::vector<std::string> found;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
        if (e.is_regular_file() && read_text(e.path().string()).find(needle) != std::string::npos)
            found.push_back(e.path().string());
    return found;
}

void require_no_canary(const std::string& home) {
    CHECK(files_holding(home, kCanary).empty());
    CHECK(files_holding(home, "CANARY-5d1f0b7e").empty());
    CHECK(files_holding(home, "金丝雀").empty());
}

// A read transaction on the home's database, held open so that nothing can be checkpointed out
// of the WAL or delete it while it lasts.
class ConcurrentReader {
public:
    explicit ConcurrentReader(const std::string& db_path) {
        REQUIRE(sqlite3_open_v2(db_path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
        REQUIRE(sqlite3_exec(db_, "BEGIN; SELECT count(*) FROM audit;", nullptr, nullptr, nullptr) == SQLITE_OK);
    }
    ~ConcurrentReader() {
        sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
        sqlite3_close(db_);
    }

private:
    sqlite3* db_ = nullptr;
};

// Writes header, then a record whose note is `bytes` long, by streaming (never in memory).
void write_long_line_file(const std::string& path, uint64_t bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << kHeader << "\r\nC1,x,,,,";
    const std::string chunk(1u << 20, 'a');
    for (uint64_t left = bytes; left > 0;) {
        const uint64_t n = std::min<uint64_t>(left, chunk.size());
        out.write(chunk.data(), static_cast<std::streamsize>(n));
        left -= n;
    }
    out << "\r\n";
    REQUIRE(out.good());
}

}  // namespace

TEST_CASE("a canary imported in a record is found in no file under the home", "[cli][records][canary]") {
    Sandbox sb;
    const auto home = open_home(sb);
    write_text(sb.path("customers.schema.json"), kCustomersSchema);
    write_text(sb.path("in.csv"), to_gb18030(csv_of(tricky_rows())));
    const auto args = import_args(home, sb.path("customers.schema.json"), sb.path("in.csv"));
    SECTION("after import and after export") {
        sb.ok(args);
        require_no_canary(home);
        sb.ok({"--home", home, "export", "--set", "customers", "--format", "jsonl", "--out", sb.path("out.jsonl")});
        CHECK(read_text(sb.path("out.jsonl")).find(kCanary) != std::string::npos);  // the canary is really there
        require_no_canary(home);
    }
    SECTION("while another connection holds the database open, the WAL included") {
        ConcurrentReader reader(home + "/baton.db");
        sb.ok(args);
        REQUIRE(std::filesystem::file_size(home + "/baton.db-wal") > 10 * 1024);  // the import is still in the WAL
        require_no_canary(home);
        sb.ok({"--home", home, "export", "--set", "customers", "--format", "csv", "--out", sb.path("out.csv")});
        require_no_canary(home);
    }
    const std::set<std::string> expected{"identity.key", "baton.db", "baton.db-wal", "baton.db-shm"};
    const auto present = list_dir(home);
    CHECK(std::includes(expected.begin(), expected.end(), present.begin(), present.end()));  // no stray files
}

TEST_CASE("records refused at import are named by line and field, never by their values", "[cli][records][canary]") {
    Sandbox sb;
    const auto home = open_home(sb);
    write_text(sb.path("customers.schema.json"), kCustomersSchema);
    // The canary as a value of every kind of refusal: a bad ID number, mobile and amount, a primary
    // key seen twice, a row with a column too many, a note over its maximum length.
    std::string long_note = kCanary;
    while (long_note.size() < 100000) long_note += kCanary;  // over 65,536 code points
    const auto nul = std::nullopt;
    std::string csv = csv_of({
        {s("C1"), s("a"), s(kCanary), nul, nul, nul},
        {s("C2"), s("b"), nul, s(kCanary), nul, nul},
        {s("C3"), s("c"), nul, nul, s(kCanary), nul},
        {s(kCanary), s("d"), nul, nul, nul, nul},
        {s(kCanary), s("e"), nul, nul, nul, nul},
        {s("C6"), s("f"), nul, nul, nul, s(long_note)},
        {s("C7"), s("g"), nul, nul, nul, nul},
    });
    csv += "C8,h,,,,note," + kCanary + "\r\n";
    write_text(sb.path("in.csv"), csv);
    const auto args = import_args(home, sb.path("customers.schema.json"), sb.path("in.csv"));

    auto require_values_unsaid = [&](const Run& r) {
        INFO(describe(args, r));
        CHECK(r.out.find("CANARY-5d1f0b7e") == std::string::npos);
        CHECK(r.err.find("CANARY-5d1f0b7e") == std::string::npos);
        CHECK(r.err.find("金丝雀") == std::string::npos);
    };
    for (const bool json : {false, true}) {
        auto a = args;
        if (json) a.insert(a.begin() + 2, "--json");
        const Run refused = sb.run(a);
        CHECK(refused.code != 0);
        // Each refusal is named: line and field (the report lists them on stderr, or in the JSON).
        const std::string said = refused.out + refused.err;
        for (const std::string where : {"in.csv:2:", "in.csv:3:", "in.csv:4:", "in.csv:6:", "in.csv:7:", "in.csv:9:"})
            CHECK_THAT(said, Catch::Contains(where) || Catch::Contains("\"line\":" + where.substr(7, 1)));
        require_values_unsaid(refused);
    }
    // With --rejects, the refused rows go to the operator's file (values and all); the valid rows
    // are imported; nothing of the canary is printed or kept in the home.
    auto with_rejects = args;
    with_rejects.insert(with_rejects.end(), {"--rejects", sb.path("rejects.csv")});
    const Run partial = sb.run(with_rejects);
    INFO(describe(with_rejects, partial));
    CHECK(partial.code == 0);
    require_values_unsaid(partial);
    CHECK(read_text(sb.path("rejects.csv")).find(kCanary) != std::string::npos);
    require_no_canary(home);
}

TEST_CASE("a 200 MB line is refused naming file, line and field, in bounded memory", "[cli][records][memory]") {
    Sandbox sb;
    const auto home = open_home(sb);
    write_text(sb.path("customers.schema.json"), kCustomersSchema);
    const auto file = sb.path("big.csv");
    write_long_line_file(file, 200u << 20);
    const auto before = snapshot(sb, home);
    const Measured m = run_measured(sb, import_args(home, sb.path("customers.schema.json"), file));
    std::filesystem::remove(file);
    const Measured baseline = run_measured(sb, {"--help"});
    REQUIRE(baseline.code == 0);
    INFO(m.err);
    CHECK(m.code == 3);
    CHECK_THAT(m.err, Catch::Contains("big.csv:2:") && Catch::Contains("'note'") && Catch::Contains("longer than"));
    CHECK(baseline.max_rss_kib > 0);
    CHECK(m.max_rss_kib - baseline.max_rss_kib < kMaxExtraRssKib);
    CHECK(snapshot(sb, home) == before);
}

TEST_CASE("import and export need the passphrase, sets does not", "[cli][records]") {
    Sandbox sb;
    sb.init("seller");
    const auto home = sb.home("seller");
    write_text(sb.path("customers.schema.json"), kCustomersSchema);
    write_text(sb.path("in.csv"), csv_of(tricky_rows()));
    auto args = import_args(home, sb.path("customers.schema.json"), sb.path("in.csv"));
    const Run locked = sb.run(args);
    CHECK(locked.code == 2);
    CHECK_THAT(locked.err, Catch::Contains("passphrase"));
    args.insert(args.end(), {"--passphrase-file", sb.path("wrong-pass")});
    CHECK(sb.run(args).code == 4);
    args.back() = sb.path("pass");
    sb.ok(args);
    CHECK(parse_json(sb.ok({"--home", home, "--json", "sets"}))["sets"][0]["records"] == tricky_rows().size());
    std::vector<std::string> exp{"--home", home, "export", "--set", "customers", "--format", "csv", "--out", sb.path("o.csv")};
    CHECK(sb.run(exp).code == 2);
    exp.insert(exp.end(), {"--passphrase-file", sb.path("pass")});
    sb.ok(exp);
    CHECK(read_text(sb.path("o.csv")) == csv_of(tricky_rows()));
}

TEST_CASE("imports and exports are audited with set, rows, file and digest, never values", "[cli][records]") {
    Sandbox sb;
    const auto home = open_home(sb);
    write_text(sb.path("customers.schema.json"), kCustomersSchema);
    write_text(sb.path("in.csv"), csv_of(tricky_rows()));
    const auto imported = parse_json(sb.ok([&] {
        auto a = import_args(home, sb.path("customers.schema.json"), sb.path("in.csv"));
        a.push_back("--json");
        return a;
    }()));
    sb.ok({"--home", home, "export", "--set", "customers", "--format", "csv", "--out", sb.path("out.csv")});
    const auto events = parse_json(sb.ok({"--home", home, "--json", "audit"}))["events"];
    REQUIRE(events.size() == 3);
    const std::string digest = imported["digest"];
    CHECK(events[1]["event"] == "import");
    CHECK_THAT(events[1]["detail"].get<std::string>(), Catch::Contains("set customers: 8 records from " + sb.path("in.csv")) &&
                                                           Catch::Contains(digest));
    CHECK(events[2]["event"] == "export");
    CHECK_THAT(events[2]["detail"].get<std::string>(),
               Catch::Contains("set customers: 8 records to " + sb.path("out.csv")) && Catch::Contains(digest));
    CHECK(events.dump().find("CANARY") == std::string::npos);
    sb.ok({"--home", home, "audit", "--verify"});
}

TEST_CASE("a tampered set is not exported and no output file is left", "[cli][records]") {
    Sandbox sb;
    const auto home = open_home(sb);
    write_text(sb.path("customers.schema.json"), kCustomersSchema);
    write_text(sb.path("in.csv"), csv_of(tricky_rows()));
    sb.ok(import_args(home, sb.path("customers.schema.json"), sb.path("in.csv")));
    SECTION("a flipped ciphertext byte") {
        tamper_sql(home + "/baton.db", "UPDATE record_batches SET ciphertext = substr(ciphertext, 1, 40) || "
                                       "(CASE WHEN substr(ciphertext, 41, 1) = X'00' THEN X'01' ELSE X'00' END) || "
                                       "substr(ciphertext, 42)");
    }
    SECTION("a lowered record count") { tamper_sql(home + "/baton.db", "UPDATE record_sets SET records = records - 1"); }
    const Run r = sb.run({"--home", home, "export", "--set", "customers", "--format", "csv", "--out", sb.path("out.csv")});
    CHECK(r.code == 6);
    CHECK_THAT(r.err, Catch::Contains("record set customers is corrupt"));
    CHECK_FALSE(std::filesystem::exists(sb.path("out.csv")));
    for (const auto& name : list_dir(sb.path(""))) CHECK(name.find(".tmp-") == std::string::npos);
}

TEST_CASE("export of a set that does not exist fails as a conflict", "[cli][records]") {
    Sandbox sb;
    const auto home = open_home(sb);
    const Run r = sb.run({"--home", home, "export", "--set", "nothing", "--format", "csv", "--out", sb.path("o.csv")});
    CHECK(r.code == 8);
    CHECK_THAT(r.err, Catch::Contains("no record set named nothing"));
    CHECK(sb.ok({"--home", home, "sets"}).out == "No record sets.\n");
}
