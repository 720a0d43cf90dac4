// End to end: `baton import`, `sets` and `export` (issue 4 acceptance). Import then export gives
// back the same records for UTF-8, UTF-8 + BOM + CRLF and GB18030 + CRLF inputs; each defect is
// refused with a message naming file, line and field, and leaves the database unchanged.
#include <catch2/catch.hpp>

#include "records_cli_util.h"

using namespace baton;
using namespace baton::records_cli;

namespace {

// The records of an exported JSON Lines file, in kColumns order.
std::vector<Row> parse_jsonl(const std::string& text) {
    std::vector<Row> rows;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        const auto j = nlohmann::json::parse(line);
        Row r;
        for (const auto& c : kColumns) r.push_back(j.at(c).is_null() ? std::nullopt : s(j.at(c).get<std::string>()));
        rows.push_back(std::move(r));
    }
    return rows;
}

// Imports `file` into a new home and checks that both exports give back `rows` exactly.
void require_round_trip(const Sandbox& sb, const std::string& file, const std::vector<Row>& rows,
                        const std::vector<std::string>& extra = {}) {
    const auto home = open_home(sb);
    write_text(sb.path("customers.schema.json"), kCustomersSchema);
    auto args = import_args(home, sb.path("customers.schema.json"), file);
    args.push_back("--json");
    args.insert(args.end(), extra.begin(), extra.end());
    const auto imported = parse_json(sb.ok(args));
    CHECK(imported["imported"] == true);
    CHECK(imported["stored"] == rows.size());
    const auto sets = parse_json(sb.ok({"--home", home, "--json", "sets"}))["sets"];
    REQUIRE(sets.size() == 1);
    CHECK(sets[0]["records"] == rows.size());
    CHECK(sets[0]["digest"] == imported["digest"]);

    sb.ok({"--home", home, "export", "--set", "customers", "--format", "csv", "--out", sb.path("out.csv")});
    CHECK(read_text(sb.path("out.csv")) == csv_of(rows));  // UTF-8, CRLF, quoted only where needed
    const auto exported = parse_json(
        sb.ok({"--home", home, "--json", "export", "--set", "customers", "--format", "jsonl", "--out", sb.path("out.jsonl")}));
    CHECK(exported["digest"] == imported["digest"]);
    const auto back = parse_jsonl(read_text(sb.path("out.jsonl")));
    REQUIRE(back.size() == rows.size());
    for (size_t i = 0; i < rows.size(); ++i) CHECK(back[i] == rows[i]);
}

// A home holding customers C1..C3 and accounts referencing them, built once; tests copy it.
const Sandbox& stocked() {
    static const Sandbox sb;
    static const bool built = [] {
        const auto home = open_home(sb);
        write_text(sb.path("customers.schema.json"), kCustomersSchema);
        write_text(sb.path("accounts.schema.json"), kAccountsSchema);
        write_text(sb.path("c.csv"), kHeader + "\r\nC1,张三,11010519491231002X,,,\r\nC2,李四,,,,\r\nC3,王五,,,,\r\n");
        write_text(sb.path("a.csv"), "account,customer_id\r\nA1,C1\r\nA2,C2\r\n");
        sb.ok(import_args(home, sb.path("customers.schema.json"), sb.path("c.csv")));
        sb.ok(import_args(home, sb.path("accounts.schema.json"), sb.path("a.csv"), "accounts"));
        return true;
    }();
    (void)built;
    return sb;
}

std::string copy_stocked(const Sandbox& sb) {
    std::filesystem::copy(stocked().home("seller"), sb.home("seller"), std::filesystem::copy_options::recursive);
    write_text(sb.path("customers.schema.json"), kCustomersSchema);
    write_text(sb.path("accounts.schema.json"), kAccountsSchema);
    return sb.home("seller");
}

// Runs a refused import of `content` and checks exit code, message parts and an unchanged home.
void expect_refused(const std::string& content, const std::vector<std::string>& parts, const std::string& set = "customers",
                    const std::vector<std::string>& extra = {"--replace"}) {
    Sandbox sb;
    const auto home = copy_stocked(sb);
    const auto file = sb.path("bad.csv");
    write_text(file, content);
    const auto before = snapshot(sb, home);
    auto args = import_args(home, sb.path(set + ".schema.json"), file, set);
    args.insert(args.end(), extra.begin(), extra.end());
    const Run r = sb.run(args);
    INFO(describe(args, r));
    CHECK(r.code == 3);
    for (const auto& p : parts) CHECK_THAT(r.out + r.err, Catch::Contains(p));
    CHECK_THAT(r.err, Catch::Contains("nothing was imported"));
    CHECK(snapshot(sb, home) == before);
}

}  // namespace

TEST_CASE("import then export gives back the same records from UTF-8 CSV", "[cli][records]") {
    Sandbox sb;
    write_text(sb.path("in.csv"), csv_of(tricky_rows(), "\n"));
    require_round_trip(sb, sb.path("in.csv"), tricky_rows());
}

TEST_CASE("import then export gives back the same records from UTF-8 CSV with a BOM and CRLF", "[cli][records]") {
    Sandbox sb;
    write_text(sb.path("in.csv"), "\xEF\xBB\xBF" + csv_of(tricky_rows()));
    require_round_trip(sb, sb.path("in.csv"), tricky_rows());
}

TEST_CASE("import then export gives back the same records from GB18030 CSV with CRLF", "[cli][records]") {
    Sandbox sb;
    write_text(sb.path("in.csv"), to_gb18030(csv_of(tricky_rows())));
    SECTION("detected") { require_round_trip(sb, sb.path("in.csv"), tricky_rows()); }
    SECTION("named") { require_round_trip(sb, sb.path("in.csv"), tricky_rows(), {"--encoding", "gb18030"}); }
}

TEST_CASE("import then export gives back the same records from JSON Lines", "[cli][records]") {
    Sandbox sb;
    std::string jsonl;
    for (const auto& r : tricky_rows()) {
        nlohmann::json j = nlohmann::json::object();
        for (size_t i = 0; i < kColumns.size(); ++i) j[kColumns[i]] = r[i] ? nlohmann::json(*r[i]) : nlohmann::json();
        jsonl += j.dump() + "\n";
    }
    write_text(sb.path("in.jsonl"), jsonl);
    require_round_trip(sb, sb.path("in.jsonl"), tricky_rows());
}

TEST_CASE("each defective file is refused naming file, line and field, and the database is unchanged", "[cli][records]") {
    const std::string h = kHeader + "\r\n";
    const std::string good = "C9,赵六,11010519491231002X,13812341234,1.00,ok\r\n";
    SECTION("unterminated quote") { expect_refused(h + good + "C10,\"open,,,,\r\nC11,x,,,,\r\n", {"bad.csv:3:", "unterminated"}); }
    SECTION("wrong column count") { expect_refused(h + good + "C10,x,,\r\n", {"bad.csv:3:", "fields; the header has 6"}); }
    SECTION("invalid bytes") {
        expect_refused(h + good + "C10,\xFF\xFE,,,,\r\n", {"bad.csv:3:", "'name'"}, "customers",
                       {"--replace", "--encoding", "utf-8"});
    }
    SECTION("duplicate key") { expect_refused(h + good + good, {"bad.csv:3:", "'customer_id'", "duplicate"}); }
    SECTION("bad resident-ID checksum") {
        expect_refused(h + good + "C10,x,110105194912310021,,,\r\n", {"bad.csv:3:", "'id_number'", "bad_checksum"});
    }
    SECTION("dangling reference") {
        expect_refused("account,customer_id\r\nA7,C1\r\nA8,C404\r\n", {"bad.csv:3:", "'customer_id'", "no record of customers"},
                       "accounts");
    }
    SECTION("empty file") { expect_refused("", {"bad.csv", "empty"}); }
    SECTION("header only") { expect_refused(h, {"bad.csv", "no records"}); }
    SECTION("NUL byte") { expect_refused(h + good + std::string("C10,x\0y,,,,\r\n", 13), {"bad.csv:3:", "NUL"}); }
}

TEST_CASE("a refused import reports every problem with counts by kind, as text and as JSON", "[cli][records]") {
    Sandbox sb;
    const auto home = copy_stocked(sb);
    write_text(sb.path("bad.csv"), kHeader + "\r\nC7,a,110105194912310021,,,\r\nC8,b,,12345,,\r\nC9,c,,,1.234,\r\nC10,d,,,,\r\n");
    auto args = import_args(home, sb.path("customers.schema.json"), sb.path("bad.csv"));
    args.push_back("--replace");
    const Run text = sb.run(args);
    CHECK(text.code == 3);
    CHECK_THAT(text.out, Catch::Contains("bad.csv:2: field 'id_number':") && Catch::Contains("bad.csv:3: field 'mobile':") &&
                             Catch::Contains("bad.csv:4: field 'amount':") && Catch::Contains("errors   bad_checksum: 1"));
    args.push_back("--json");
    const Run json = sb.run(args);
    CHECK(json.code == 3);
    const auto j = parse_json(json);
    CHECK(j["imported"] == false);
    CHECK(j["records"] == 4);
    CHECK(j["rejected"] == 3);
    CHECK(j["errors_by_kind"]["bad_checksum"] == 1);
    CHECK(j["nulls"]["note"] == 4);
    REQUIRE(j["problems"].size() == 3);
    CHECK(j["problems"][1]["line"] == 3);
    CHECK(j["problems"][1]["field"] == "mobile");
}

TEST_CASE("with --rejects the valid rows are imported and each bad row goes to the rejects file", "[cli][records]") {
    Sandbox sb;
    const auto home = open_home(sb);
    write_text(sb.path("customers.schema.json"), kCustomersSchema);
    write_text(sb.path("in.csv"), kHeader + "\r\nC1,a,,,,\r\nC2,b,,12345,,\r\nC3,\"c\r\nc\",,,,\r\nC1,dup,,,,\r\nC4,d,,\r\n");
    auto args = import_args(home, sb.path("customers.schema.json"), sb.path("in.csv"));
    args.insert(args.end(), {"--rejects", sb.path("rejects.csv"), "--json"});
    const auto j = parse_json(sb.ok(args));
    CHECK(j["stored"] == 2);
    CHECK(j["rejected"] == 3);
    CHECK(parse_json(sb.ok({"--home", home, "--json", "sets"}))["sets"][0]["rejected"] == 3);
    CHECK(read_text(sb.path("rejects.csv")) ==
          "_line,_problems," + kHeader + "\r\n" +
              "3,field 'mobile': not a mainland China mobile number (11 digits starting with 1) [bad_format],C2,b,,12345,,\r\n"
              "6,field 'customer_id': duplicate primary key (customer_id): an earlier row has the same key [duplicate_key],"
              "C1,dup,,,,\r\n"
              "7,the record has 4 fields; the header has 6 [wrong_column_count],C4,d,,\r\n");
    sb.ok({"--home", home, "export", "--set", "customers", "--format", "csv", "--out", sb.path("out.csv")});
    CHECK(read_text(sb.path("out.csv")) == kHeader + "\r\nC1,a,,,,\r\nC3,\"c\r\nc\",,,,\r\n");
}

TEST_CASE("an existing set is refused without --replace and replaced whole with it", "[cli][records]") {
    Sandbox sb;
    const auto home = copy_stocked(sb);
    write_text(sb.path("c2.csv"), kHeader + "\r\nC1,新,,,,\r\nC2,x,,,,\r\nC5,y,,,,\r\n");
    const auto args = import_args(home, sb.path("customers.schema.json"), sb.path("c2.csv"));
    const auto before = snapshot(sb, home);
    const Run r = sb.run(args);
    CHECK(r.code == 8);
    CHECK_THAT(r.err, Catch::Contains("exists already") && Catch::Contains("--replace"));
    CHECK(snapshot(sb, home) == before);
    auto replace = args;
    replace.push_back("--replace");
    sb.ok(replace);
    const auto sets = parse_json(sb.ok({"--home", home, "--json", "sets"}))["sets"];
    REQUIRE(sets.size() == 2);
    CHECK(sets[1]["name"] == "customers");
    CHECK(sets[1]["records"] == 3);
    sb.ok({"--home", home, "export", "--set", "customers", "--format", "csv", "--out", sb.path("out.csv")});
    CHECK(read_text(sb.path("out.csv")) == read_text(sb.path("c2.csv")));
}

TEST_CASE("replacing a set that others reference is refused when a reference would dangle", "[cli][records]") {
    Sandbox sb;
    const auto home = copy_stocked(sb);
    write_text(sb.path("c2.csv"), kHeader + "\r\nC1,a,,,,\r\nC3,c,,,,\r\n");  // accounts A2 needs C2
    auto args = import_args(home, sb.path("customers.schema.json"), sb.path("c2.csv"));
    args.push_back("--replace");
    const auto before = snapshot(sb, home);
    const Run r = sb.run(args);
    CHECK(r.code == 8);
    CHECK_THAT(r.err, Catch::Contains("set accounts") && Catch::Contains("1 of its records"));
    CHECK(snapshot(sb, home) == before);
}

TEST_CASE("with --rejects a JSON Lines import writes its refused lines as JSON Lines", "[cli][records]") {
    Sandbox sb;
    const auto home = open_home(sb);
    write_text(sb.path("customers.schema.json"), kCustomersSchema);
    write_text(sb.path("in.jsonl"), "{\"customer_id\":\"C1\",\"name\":\"a\"}\n{\"customer_id\":\"C2\",\"mobile\":\"123\"}\n"
                                     "not json\n{\"customer_id\":\"C3\",\"name\":\"\xFF\"}\n");
    auto args = import_args(home, sb.path("customers.schema.json"), sb.path("in.jsonl"));
    args.insert(args.end(), {"--rejects", sb.path("rejects.jsonl"), "--encoding", "utf-8"});
    sb.ok(args);
    std::istringstream in(read_text(sb.path("rejects.jsonl")));
    std::vector<nlohmann::json> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    REQUIRE(lines.size() == 3);
    CHECK(lines[0]["_line"] == 2);
    CHECK_THAT(lines[0]["_problems"].get<std::string>(), Catch::Contains("field 'mobile'"));
    CHECK(lines[0]["mobile"] == "123");
    CHECK(lines[0]["name"].is_null());
    CHECK(lines[1]["_line"] == 3);
    CHECK(lines[1]["_raw"] == "not json");
    CHECK(lines[2]["_line"] == 4);
    CHECK(lines[2]["_raw_hex"] == "7b22637573746f6d65725f6964223a224333222c226e616d65223a22ff227d");
}
