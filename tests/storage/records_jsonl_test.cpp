// Tests of the JSON Lines reader (storage/records/jsonl_reader.h, json_line.h).
#include <catch2/catch.hpp>

#include "storage/records/json_line.h"
#include "tests/storage/records_test_util.h"

using namespace baton;
using namespace baton::records;
using namespace baton::records::testing;

namespace {
std::optional<std::string> s(const char* v) { return std::string(v); }
const std::optional<std::string> null;
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
const std::vector<std::string> kCols{"id", "name", "amount"};
}  // namespace

TEST_CASE("jsonl reads objects by key in column order, absent keys as null", "[records][jsonl]") {
    auto r = read_jsonl("{\"name\":\"Ann\",\"id\":\"1\",\"amount\":12.50}\n{\"id\":\"2\"}\r\n", kCols);
    REQUIRE_FALSE(r.error);
    REQUIRE(r.rows.size() == 2);
    CHECK(r.rows[0] == Row{s("1"), s("Ann"), s("12.50")});
    CHECK(r.rows[1] == Row{s("2"), null, null});
}

TEST_CASE("jsonl numbers keep their exact source text", "[records][jsonl]") {
    auto r = read_jsonl(
        "{\"id\":-0,\"name\":1.50,\"amount\":12345678901234567890123}\n{\"id\":1e5,\"name\":-2.0E-3,\"amount\":0}\n",
        kCols);
    REQUIRE_FALSE(r.error);
    REQUIRE(r.rows.size() == 2);
    CHECK(r.rows[0] == Row{s("-0"), s("1.50"), s("12345678901234567890123")});
    CHECK(r.rows[1] == Row{s("1e5"), s("-2.0E-3"), s("0")});
}

TEST_CASE("jsonl string escapes decode, including surrogate pairs", "[records][jsonl]") {
    auto r = read_jsonl(R"({"id":"a\"b\\c\/d\n\t","name":"\u4e2d\u6587 \ud83d\ude00","amount":null})" "\n", kCols);
    REQUIRE_FALSE(r.error);
    REQUIRE(r.rows.size() == 1);
    CHECK(r.rows[0] == Row{s("a\"b\\c/d\n\t"), s("中文 😀"), null});
}

TEST_CASE("jsonl empty string reads as null", "[records][jsonl]") {
    auto r = read_jsonl("{\"id\":\"\",\"name\":\"x\"}\n", kCols);
    REQUIRE(r.rows.size() == 1);
    CHECK(r.rows[0][0] == null);
}

TEST_CASE("jsonl refuses booleans, objects and arrays, naming line and field", "[records][jsonl]") {
    auto r = read_jsonl("{\"id\":\"1\"}\n{\"id\":\"2\",\"name\":true}\n{\"id\":{}}\n{\"amount\":[1]}\n", kCols);
    REQUIRE_FALSE(r.error);
    REQUIRE(r.problems.size() == 3);
    CHECK(r.problems[0].kind == "unsupported_value");
    CHECK(r.problems[0].line == 2);
    CHECK(r.problems[0].field == "name");
    CHECK(contains(r.problems[0].message, "a boolean"));
    CHECK(r.problems[1].field == "id");
    CHECK(contains(r.problems[1].message, "an object"));
    CHECK(contains(r.problems[2].message, "an array"));
}

TEST_CASE("jsonl unknown and duplicate keys are record problems", "[records][jsonl]") {
    auto r = read_jsonl("{\"id\":\"1\",\"bogus\":\"x\"}\n{\"id\":\"1\",\"id\":\"2\"}\n", kCols);
    REQUIRE(r.problems.size() == 2);
    CHECK(r.problems[0].kind == "unknown_field");
    CHECK(r.problems[0].field == "bogus");
    CHECK(r.problems[0].offset == 10);
    CHECK(r.problems[1].kind == "duplicate_field");
    CHECK(r.problems[1].line == 2);
}

TEST_CASE("jsonl bad syntax is a record problem with an exact offset", "[records][jsonl]") {
    auto r = read_jsonl("{\"id\":\"1\"}\n{\"id\":01}\n[1]\n{\"id\":\"x\" \"name\":\"y\"}\n\n{\"id\":\"a\tb\"}\n"
                        "{\"id\":\"\\ud800\"}\n{\"id\":\"\\u0000\"}\n{\"id\":\"1\"} x\n", kCols);
    REQUIRE_FALSE(r.error);
    REQUIRE(r.problems.size() == 8);
    for (const auto& p : r.problems) CHECK(p.kind == "bad_json");
    CHECK(r.problems[0].line == 2);
    CHECK(r.problems[0].offset == 11 + 6);  // the number's start
    CHECK(contains(r.problems[1].message, "one JSON object"));
    CHECK(contains(r.problems[3].message, "blank line"));
    CHECK(contains(r.problems[4].message, "control character"));
    CHECK(contains(r.problems[5].message, "surrogate"));
    CHECK(contains(r.problems[6].message, "NUL"));
    CHECK(contains(r.problems[7].message, "after the end"));
}

TEST_CASE("jsonl NUL byte and overlong lines are fatal", "[records][jsonl]") {
    auto nul = read_jsonl(std::string("{\"id\":\"1\"}\n{\"id\":\"\0\"}\n", 23), kCols);
    REQUIRE(nul.error);
    CHECK(contains(nul.error->message(), "t.jsonl:2:"));
    CHECK(contains(nul.error->message(), "NUL byte"));
    CHECK(contains(nul.error->message(), "byte offset 18"));
    ReaderOptions opt;
    opt.max_record_bytes = 16;
    auto big = read_jsonl("{\"id\":\"1\"}\n{\"id\":\"12345678\"}\n", kCols, opt);
    REQUIRE(big.error);
    CHECK(contains(big.error->message(), "t.jsonl:2: the line is longer than 16 bytes"));
}

TEST_CASE("jsonl a 200 MB line is refused in bounded memory", "[records][jsonl]") {
    PatternSource src("{\"id\":\"", 'x', 200ull << 20, "\"}\n");
    auto reader = JsonlReader::open(src, "big.jsonl", kCols);
    REQUIRE(reader);
    Record rec;
    auto got = (*reader)->next(rec);
    REQUIRE_FALSE(got);
    CHECK(contains(got.error().message(), "big.jsonl:1: the line is longer than 4194304 bytes"));
    CHECK(src.served() <= (4u << 20) + (512u << 10));
}

TEST_CASE("jsonl empty file is refused", "[records][jsonl]") {
    auto r = read_jsonl("", kCols);
    REQUIRE(r.error);
    CHECK(contains(r.error->message(), "t.jsonl: the file has no records"));
}

TEST_CASE("jsonl reader reads GB18030 lines", "[records][jsonl]") {
    ReaderOptions opt;
    opt.encoding = Encoding::gb18030;
    auto r = read_jsonl(to_gb18030("{\"id\":\"1\",\"name\":\"张三\"}\n"), kCols, opt);
    REQUIRE_FALSE(r.error);
    REQUIRE(r.rows.size() == 1);
    CHECK(r.rows[0][1] == s("张三"));
}

TEST_CASE("is_json_number follows JSON's grammar exactly", "[records][jsonl]") {
    for (const char* ok : {"0", "-0", "12", "1.50", "1e5", "-2.0E-3", "1E+2"}) CHECK(is_json_number(ok));
    for (const char* bad : {"", "01", "+1", "1.", ".5", "1e", "0x10", " 1", "1 ", "NaN", "007"})
        CHECK_FALSE(is_json_number(bad));
}
