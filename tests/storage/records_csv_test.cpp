// Tests of the streaming CSV reader (storage/records/csv_reader.h).
#include <catch2/catch.hpp>

#include <chrono>

#include "tests/storage/records_test_util.h"

using namespace baton;
using namespace baton::records;
using namespace baton::records::testing;

namespace {
std::optional<std::string> s(const char* v) { return std::string(v); }
const std::optional<std::string> null;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("csv reads a header and records with LF or CRLF line ends", "[records][csv]") {
    for (std::string eol : {"\n", "\r\n"}) {
        auto r = read_csv("id,name" + eol + "1,Ann" + eol + "2,Bo" + eol);
        REQUIRE_FALSE(r.error);
        CHECK(r.columns == std::vector<std::string>{"id", "name"});
        REQUIRE(r.rows.size() == 2);
        CHECK(r.rows[0] == Row{s("1"), s("Ann")});
        CHECK(r.rows[1] == Row{s("2"), s("Bo")});
    }
}

TEST_CASE("csv last record may lack a line end", "[records][csv]") {
    auto r = read_csv("a,b\n1,2");
    REQUIRE_FALSE(r.error);
    REQUIRE(r.rows.size() == 1);
    CHECK(r.rows[0] == Row{s("1"), s("2")});
}

TEST_CASE("csv trailing comma at the end of the file is one more empty field", "[records][csv]") {
    auto r = read_csv("a,b\n1,");
    REQUIRE_FALSE(r.error);
    REQUIRE(r.rows.size() == 1);
    CHECK(r.rows[0] == Row{s("1"), null});
    auto q = read_csv("a,b,c\n\"x\"\"\",,");
    REQUIRE(q.rows.size() == 1);
    CHECK(q.rows[0] == Row{s("x\""), null, null});
}

TEST_CASE("csv quoted fields keep commas, doubled quotes, LF and CRLF exactly", "[records][csv]") {
    auto r = read_csv("a,b,c\r\n\"x,y\",\"say \"\"hi\"\"\",\"l1\nl2\r\nl3\"\r\n\"\",\"\"\"\",z\r\n");
    REQUIRE_FALSE(r.error);
    REQUIRE(r.rows.size() == 2);
    CHECK(r.rows[0] == Row{s("x,y"), s("say \"hi\""), s("l1\nl2\r\nl3")});
    CHECK(r.rows[1] == Row{null, s("\""), s("z")});
}

TEST_CASE("csv values are never trimmed and empty fields are null", "[records][csv]") {
    auto r = read_csv("a,b,c,d\n  x , 007,,\n");
    REQUIRE_FALSE(r.error);
    REQUIRE(r.rows.size() == 1);
    CHECK(r.rows[0] == Row{s("  x "), s(" 007"), null, null});
}

TEST_CASE("csv UTF-8 byte order mark is skipped, not part of the first column name", "[records][csv]") {
    auto r = read_csv("\xEF\xBB\xBFid,name\r\n1,\xE5\xBC\xA0\xE4\xB8\x89\r\n");
    REQUIRE_FALSE(r.error);
    CHECK(r.columns[0] == "id");
    CHECK(r.encoding == Encoding::utf8);
    CHECK(r.rows[0][1] == s("张三"));
}

TEST_CASE("csv reads identically whatever the read chunk size", "[records][csv]") {
    const std::string data =
        "id,text,n\r\n1,\"a,\"\"b\"\"\r\nc\",3\r\n2,plain,\r\n3,\"\",\"\xE4\xB8\xAD\xE6\x96\x87\"\r\n4,x,\"y\"\n";
    auto whole = read_csv(data);
    REQUIRE_FALSE(whole.error);
    REQUIRE(whole.rows.size() == 4);
    for (size_t chunk : {1, 2, 3, 5, 7, 64}) {
        ReaderOptions opt;
        opt.read_chunk = chunk;
        auto r = read_csv(data, opt);
        REQUIRE_FALSE(r.error);
        CHECK(r.rows == whole.rows);
    }
}

TEST_CASE("csv reports the physical line of a record after a multi-line field", "[records][csv]") {
    auto r = read_csv("a,b\n1,\"x\ny\nz\"\n2,3,4\n");
    REQUIRE_FALSE(r.error);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].line == 5);
    CHECK(r.problems[0].offset == 14);
}

TEST_CASE("csv unterminated quote is fatal and names the line where it opened", "[records][csv]") {
    auto r = read_csv("a,b\n1,2\n3,\"open\nmore\n");
    REQUIRE(r.error);
    CHECK(r.error->kind() == ErrorKind::bad_input);
    CHECK(contains(r.error->message(), "t.csv:3:"));
    CHECK(contains(r.error->message(), "unterminated quoted field"));
    CHECK(contains(r.error->message(), "byte offset 10"));
}

TEST_CASE("csv wrong column count is a record problem and reading goes on", "[records][csv]") {
    auto r = read_csv("a,b\n1,2\n3\n4,5,6\n7,8\n");
    REQUIRE_FALSE(r.error);
    REQUIRE(r.problems.size() == 2);
    CHECK(r.problems[0].kind == "wrong_column_count");
    CHECK(r.problems[0].line == 3);
    CHECK(contains(r.problems[0].message, "has 1 fields; the header has 2"));
    CHECK(r.problems[1].line == 4);
    CHECK(r.rows.size() == 2);
}

TEST_CASE("csv blank line is a wrong column count, not silently skipped", "[records][csv]") {
    auto r = read_csv("a,b\n1,2\n\n3,4\n");
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].line == 3);
    CHECK(contains(r.problems[0].message, "blank line"));
}

TEST_CASE("csv NUL byte is fatal with line and offset", "[records][csv]") {
    auto r = read_csv(std::string("a,b\n1,x\0y\n", 10));
    REQUIRE(r.error);
    CHECK(contains(r.error->message(), "t.csv:2:"));
    CHECK(contains(r.error->message(), "NUL byte"));
    CHECK(contains(r.error->message(), "byte offset 7"));
    auto q = read_csv(std::string("a,b\n1,\"x\0\"\n", 11));
    REQUIRE(q.error);
    CHECK(contains(q.error->message(), "NUL byte"));
}

TEST_CASE("csv quote inside an unquoted field is fatal and says so", "[records][csv]") {
    auto r = read_csv("a,b\n1,ab\"c\n");
    REQUIRE(r.error);
    CHECK(contains(r.error->message(), "t.csv:2:"));
    CHECK(contains(r.error->message(), "a quote inside an unquoted field"));
    CHECK(contains(r.error->message(), "column 2 ('b')"));
    CHECK(contains(r.error->message(), "byte offset 8"));
}

TEST_CASE("csv text after a closing quote is fatal", "[records][csv]") {
    auto r = read_csv("a,b\n1,\"ab\"c\n");
    REQUIRE(r.error);
    CHECK(contains(r.error->message(), "after the closing quote"));
}

TEST_CASE("csv bare carriage return outside quotes is fatal", "[records][csv]") {
    auto r = read_csv("a,b\r1,2\r");
    REQUIRE(r.error);
    CHECK(contains(r.error->message(), "carriage return not followed by a line feed"));
}

TEST_CASE("csv empty file is refused", "[records][csv]") {
    auto r = read_csv("");
    REQUIRE(r.error);
    CHECK(contains(r.error->message(), "t.csv: the file is empty"));
    auto bom = read_csv("\xEF\xBB\xBF");
    REQUIRE(bom.error);
    CHECK(contains(bom.error->message(), "empty"));
}

TEST_CASE("csv header only is refused unless allowed", "[records][csv]") {
    auto r = read_csv("a,b\r\n");
    REQUIRE(r.error);
    CHECK(contains(r.error->message(), "header but no records"));
    ReaderOptions opt;
    opt.allow_no_records = true;
    auto ok = read_csv("a,b\r\n", opt);
    CHECK_FALSE(ok.error);
    CHECK(ok.rows.empty());
}

TEST_CASE("csv header names must be present and distinct", "[records][csv]") {
    auto dup = read_csv("id,name,id\n1,2,3\n");
    REQUIRE(dup.error);
    CHECK(contains(dup.error->message(), "duplicate column name 'id' (columns 1 and 3)"));
    auto empty = read_csv("id,,x\n1,2,3\n");
    REQUIRE(empty.error);
    CHECK(contains(empty.error->message(), "column 2 has an empty name"));
}

TEST_CASE("csv field and record bounds are enforced", "[records][csv]") {
    ReaderOptions opt;
    opt.max_field_bytes = 8;
    opt.max_record_bytes = 20;
    CHECK_FALSE(read_csv("a,b\n12345678,x\n", opt).error);
    auto field = read_csv("a,b\n123456789,x\n", opt);
    REQUIRE(field.error);
    CHECK(contains(field.error->message(), "column 1 ('a') is longer than 8 bytes"));
    auto record = read_csv("a,b,c\n12345678,12345678,12345678\n", opt);
    REQUIRE(record.error);
    CHECK(contains(record.error->message(), "record is longer than 20 bytes"));
}

TEST_CASE("csv 10 KB fields read exactly", "[records][csv]") {
    std::string big(10 * 1024, 'x');
    big[5000] = ',';
    big[6000] = '"';
    std::string quoted;
    for (char c : big) { quoted += c; if (c == '"') quoted += '"'; }
    auto r = read_csv("a,b\n\"" + quoted + "\",1\n");
    REQUIRE_FALSE(r.error);
    CHECK(r.rows[0][0] == big);
}

TEST_CASE("csv a 200 MB single line is refused quickly in bounded memory", "[records][csv]") {
    for (bool quoted : {false, true}) {
        PatternSource src(quoted ? "a,b\n1,\"" : "a,b\n1,", 'x', 200ull << 20, "\n");
        auto start = std::chrono::steady_clock::now();
        auto reader = CsvReader::open(src, "big.csv");
        REQUIRE(reader);
        Record rec;
        auto got = (*reader)->next(rec);
        auto elapsed = std::chrono::steady_clock::now() - start;
        REQUIRE_FALSE(got);
        CHECK(contains(got.error().message(), "big.csv:2:"));
        CHECK(contains(got.error().message(), "longer than 1048576 bytes"));
        if (quoted) CHECK(contains(got.error().message(), "closing quote missing"));
        // Read at most one record bound plus a chunk, never the 200 MB.
        CHECK(src.served() <= (4u << 20) + (256u << 10) + 16);
        CHECK(elapsed < std::chrono::seconds(2));
    }
}

TEST_CASE("csv invalid UTF-8 is a record problem with its line and offset", "[records][csv]") {
    ReaderOptions opt;
    opt.encoding = Encoding::utf8;
    auto r = read_csv("a,b\n1,\"x\ny\xC3(\"\n2,ok\n", opt);
    REQUIRE_FALSE(r.error);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].kind == "invalid_encoding");
    CHECK(r.problems[0].line == 3);
    CHECK(r.problems[0].offset == 10);
    CHECK(r.problems[0].field == "b");
    CHECK(contains(r.problems[0].message, "invalid UTF-8 (bytes C3 28"));
    CHECK(r.rows.size() == 1);
}

TEST_CASE("csv dead reader repeats its fatal error", "[records][csv]") {
    MemorySource src("a\n\"x\n");
    auto reader = CsvReader::open(src, "t.csv");
    REQUIRE(reader);
    Record rec;
    auto first = (*reader)->next(rec);
    REQUIRE_FALSE(first);
    auto second = (*reader)->next(rec);
    REQUIRE_FALSE(second);
    CHECK(second.error().message() == first.error().message());
}

TEST_CASE("csv records carry their raw bytes for a rejects file", "[records][csv]") {
    MemorySource src("a,b\r\n1,\"x\r\ny\"\r\n2,3,4\r\n");
    auto reader = CsvReader::open(src, "t.csv");
    REQUIRE(reader);
    Record rec;
    REQUIRE(*(*reader)->next(rec));
    CHECK(rec.raw == "1,\"x\r\ny\"");
    CHECK(rec.line == 2);
    CHECK(rec.end_line == 3);
    REQUIRE(*(*reader)->next(rec));
    CHECK(rec.problem);
    CHECK(rec.raw == "2,3,4");
}
