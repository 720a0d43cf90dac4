// Round trips: write (CSV or JSON Lines), read back, get the same values field for field —
// for UTF-8, UTF-8 + BOM + CRLF and GB18030 + CRLF inputs (issue 4 acceptance).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include "storage/records/record_writer.h"
#include "tests/storage/records_test_util.h"

using namespace baton;
using namespace baton::records;
using namespace baton::records::testing;

namespace {

const std::vector<std::string> kColumns{"id", "name", "note", "amount"};

std::optional<std::string> s(std::string v) { return v; }

// Every tricky value of issue 4, by row.
std::vector<Row> tricky_rows() {
    std::string ten_kb;
    while (ten_kb.size() < 10 * 1024) ten_kb += "长字段,\"quoted\"\r\n😀 ";
    return {
        {s("0001"), s("张三"), s("emoji 😀👍🏽 and 𠀀 (four bytes in GB18030)"), s("007.50")},
        {s("0002"), s("trailing  "), s("  leading"), std::nullopt},
        {s("0003"), s("=SUM(A1)"), s("+cmd|' /C calc'!A0"), s("-0")},
        {s("0004"), s("e\xCC\x81 (decomposed) vs \xC3\xA9"), s("line1\r\nline2\nline3\rline4"), s("1e5")},
        {s("0005"), s("say \"hi\", ok"), s(ten_kb), s("12345678901234567890")},
        {s("0006"), std::nullopt, s("tab\there, comma, \"quote\""), s("0")},
        {s("0007"), s("︐ 𠂇 ḿ"), s("\xE2\x80\xA8 separators \xE2\x80\xA9"), s("-12.345")},
    };
}

std::vector<FieldValue> views(const Row& r) {
    std::vector<FieldValue> out;
    for (const auto& v : r) out.push_back(v ? FieldValue(*v) : std::nullopt);
    return out;
}

std::string write_csv(const std::vector<Row>& rows, std::string eol = "\r\n") {
    std::string out;
    StringSink sink(out);
    CsvWriter w(sink, kColumns, eol);
    for (const auto& r : rows) REQUIRE(w.write(views(r)));
    REQUIRE(w.finish());
    return out;
}

std::string write_jsonl(const std::vector<Row>& rows, std::vector<bool> numeric = {}) {
    std::string out;
    StringSink sink(out);
    JsonlWriter w(sink, kColumns, std::move(numeric));
    for (const auto& r : rows) REQUIRE(w.write(views(r)));
    REQUIRE(w.finish());
    return out;
}

void require_same(const ReadResult& r, const std::vector<Row>& rows) {
    REQUIRE_FALSE(r.error);
    REQUIRE(r.problems.empty());
    CHECK(r.columns == kColumns);
    REQUIRE(r.rows.size() == rows.size());
    for (size_t i = 0; i < rows.size(); ++i) CHECK(r.rows[i] == rows[i]);
}

}  // namespace

TEST_CASE("round trip: UTF-8 CSV", "[records][roundtrip]") {
    const auto rows = tricky_rows();
    for (std::string eol : {"\n", "\r\n"}) {
        const std::string csv = write_csv(rows, eol);
        auto r = read_csv(csv);
        CHECK(r.encoding == Encoding::utf8);
        require_same(r, rows);
        CHECK(write_csv(r.rows, eol) == csv);  // export gives back the same bytes
    }
}

TEST_CASE("round trip: UTF-8 with BOM and CRLF", "[records][roundtrip]") {
    const auto rows = tricky_rows();
    const std::string csv = write_csv(rows);
    for (Encoding e : {Encoding::auto_detect, Encoding::utf8}) {
        ReaderOptions opt;
        opt.encoding = e;
        auto r = read_csv("\xEF\xBB\xBF" + csv, opt);
        require_same(r, rows);
        CHECK(write_csv(r.rows) == csv);
    }
}

TEST_CASE("round trip: GB18030 with CRLF", "[records][roundtrip]") {
    const auto rows = tricky_rows();
    const std::string utf8 = write_csv(rows);
    const std::string gb = to_gb18030(utf8);
    for (Encoding e : {Encoding::auto_detect, Encoding::gb18030}) {
        ReaderOptions opt;
        opt.encoding = e;
        opt.read_chunk = 4096;  // values and multibyte characters straddle reads
        auto r = read_csv(gb, opt);
        CHECK(r.encoding == Encoding::gb18030);
        require_same(r, rows);
        CHECK(write_csv(r.rows) == utf8);  // exported as UTF-8
    }
}

TEST_CASE("round trip: JSON Lines, strings and numbers", "[records][roundtrip]") {
    const auto rows = tricky_rows();
    const std::string text = write_jsonl(rows);
    require_same(read_jsonl(text, kColumns), rows);
    const std::string numeric = write_jsonl(rows, {false, false, false, true});
    CHECK(numeric.find("\"amount\":-0}") != std::string::npos);
    CHECK(numeric.find("\"amount\":\"007.50\"}") != std::string::npos);  // not a JSON number: a string
    require_same(read_jsonl(numeric, kColumns), rows);
    ReaderOptions opt;
    opt.encoding = Encoding::gb18030;
    require_same(read_jsonl(to_gb18030(text), kColumns, opt), rows);
}

TEST_CASE("round trip: CSV to JSON Lines and back", "[records][roundtrip]") {
    const auto rows = tricky_rows();
    auto from_csv = read_csv(write_csv(rows));
    auto from_jsonl = read_jsonl(write_jsonl(from_csv.rows), kColumns);
    require_same(from_jsonl, rows);
}

TEST_CASE("csv writer quotes only where needed", "[records][roundtrip]") {
    const std::string csv =
        write_csv({{s("a b"), s("x,y"), s("q\"q"), std::nullopt}, {s("l\nf"), s("c\rr"), s(" "), s("=1")}});
    CHECK(csv == "id,name,note,amount\r\na b,\"x,y\",\"q\"\"q\",\r\n\"l\nf\",\"c\rr\", ,=1\r\n");
}

// Found by records_fuzz_csv: a first column name starting with U+FEFF came back without it.
TEST_CASE("csv writer quotes a first field that would read as a byte order mark", "[records][roundtrip]") {
    std::string out;
    StringSink sink(out);
    const std::vector<std::string> cols{"\xEF\xBB\xBFid", "\xEF\xBB\xBFx"};
    CsvWriter w(sink, cols);
    REQUIRE(w.write(std::vector<FieldValue>{"1", "2"}));
    REQUIRE(w.finish());
    CHECK(out.starts_with("\"\xEF\xBB\xBFid\","));
    auto r = read_csv(out);
    REQUIRE_FALSE(r.error);
    CHECK(r.columns == cols);
}

TEST_CASE("jsonl writer escapes control characters only", "[records][roundtrip]") {
    const std::string j = write_jsonl({{s("\x01\x1f\x7f"), s("中/\\"), std::nullopt, s("\"")}});
    CHECK(j == "{\"id\":\"\\u0001\\u001f\x7f\",\"name\":\"中/\\\\\",\"note\":null,\"amount\":\"\\\"\"}\n");
}

TEST_CASE("file sink writes mode 0600 and file source reads it back", "[records][roundtrip]") {
    char path[] = "/tmp/baton-records-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    ::close(fd);
    const auto rows = tricky_rows();
    {
        auto sink = FileSink::create(path);
        REQUIRE(sink);
        CsvWriter w(**sink, kColumns);
        for (const auto& r : rows) REQUIRE(w.write(views(r)));
        REQUIRE(w.finish());
        REQUIRE((*sink)->close());
    }
    struct stat st {};
    REQUIRE(::stat(path, &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto src = FileSource::open(path);
    REQUIRE(src);
    auto reader = CsvReader::open(**src, path);
    REQUIRE(reader);
    ReadResult r;
    drain(**reader, r);
    require_same(r, rows);
    ::unlink(path);
    auto missing = FileSource::open(path);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind() == ErrorKind::io);
}
