// Tests of encodings: detection, UTF-8 validation, and the pinned glibc GB18030 converter.
#include <catch2/catch.hpp>

#include "storage/records/encoding.h"
#include "storage/records/utf8.h"
#include "tests/storage/records_test_util.h"

using namespace baton;
using namespace baton::records;
using namespace baton::records::testing;

namespace {
std::optional<std::string> s(const char* v) { return std::string(v); }
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string hex_decode(std::string_view hex) {
    std::string out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
    return out;
}

// Decodes GB18030 `bytes` (hex) and returns the UTF-8 text, or nullopt when undecodable.
std::optional<std::string> gb(std::string_view hex) {
    auto d = TextDecoder::create(ResolvedEncoding{Encoding::gb18030, 0, false});
    REQUIRE(d);
    std::string in = hex_decode(hex), arena;
    auto o = d->decode(in, arena);
    if (!o.ok) return std::nullopt;
    return o.in_arena ? arena.substr(o.begin, o.size) : in;
}

ReaderOptions with(Encoding e) {
    ReaderOptions o;
    o.encoding = e;
    return o;
}
}  // namespace

TEST_CASE("encoding names parse", "[records][encoding]") {
    CHECK(*parse_encoding("auto") == Encoding::auto_detect);
    CHECK(*parse_encoding("UTF-8") == Encoding::utf8);
    CHECK(*parse_encoding("utf8") == Encoding::utf8);
    CHECK(*parse_encoding("GB18030") == Encoding::gb18030);
    auto bad = parse_encoding("gbk");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().kind() == ErrorKind::usage);
}

TEST_CASE("utf8 validation refuses overlongs, surrogates and code points above U+10FFFF", "[records][encoding]") {
    CHECK(utf8::is_valid("plain ascii"));
    CHECK(utf8::is_valid("中文 😀 e\xCC\x81"));
    CHECK(utf8::find_invalid("ab\xC0\xAF") == 2);          // overlong '/'
    CHECK(utf8::find_invalid("\xE0\x80\xAF") == 0);         // overlong three-byte
    CHECK(utf8::find_invalid("x\xED\xA0\x80") == 1);        // surrogate U+D800
    CHECK(utf8::find_invalid("\xF4\x90\x80\x80") == 0);     // above U+10FFFF
    CHECK(utf8::find_invalid("\xF5\x80\x80\x80") == 0);
    CHECK(utf8::find_invalid("abc\x80") == 3);              // stray continuation
    CHECK(utf8::find_invalid("ab\xE4\xB8") == 2);           // truncated
    CHECK(utf8::find_invalid("ab\xE4\xB8", true) == utf8::npos);  // ... unless a sample's tail
    CHECK(utf8::count_code_points("a中😀") == 3);
}

TEST_CASE("auto takes a UTF-8 BOM as UTF-8 and strips it", "[records][encoding]") {
    auto r = resolve_encoding(Encoding::auto_detect, "\xEF\xBB\xBF" "a,b", true, "f");
    REQUIRE(r);
    CHECK(r->encoding == Encoding::utf8);
    CHECK(r->bom_size == 3);
    CHECK(r->detected);
}

TEST_CASE("auto takes valid UTF-8 as UTF-8 and anything else as GB18030", "[records][encoding]") {
    CHECK(resolve_encoding(Encoding::auto_detect, "id\n1", true, "f")->encoding == Encoding::utf8);
    CHECK(resolve_encoding(Encoding::auto_detect, "名字\n", true, "f")->encoding == Encoding::utf8);
    CHECK(resolve_encoding(Encoding::auto_detect, to_gb18030("名字\n"), true, "f")->encoding == Encoding::gb18030);
}

TEST_CASE("auto takes mostly-valid UTF-8 with a bad byte as damaged UTF-8, not GB18030", "[records][encoding]") {
    std::string damaged = "id,name\n";
    for (int i = 0; i < 5; ++i) damaged += std::to_string(i) + ",张三\n";
    damaged += "9,\xE5\xBC\n";  // a character cut short
    CHECK(resolve_encoding(Encoding::auto_detect, damaged, true, "f")->encoding == Encoding::utf8);
    auto r = read_csv(damaged);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].line == 7);
    CHECK(contains(r.problems[0].message, "invalid UTF-8"));
    // Real GB18030 text never gets there: its accidental UTF-8 sequences are few.
    std::string gb = "id,name\n";
    for (const char* n : {"张三", "李四", "王五", "赵六", "孙七", "周八", "吴九", "郑十", "欧阳明", "司马光", "诸葛亮"})
        gb += to_gb18030(std::string("1,") + n + "\n");
    CHECK(resolve_encoding(Encoding::auto_detect, gb, true, "f")->encoding == Encoding::gb18030);
    const auto c = utf8::census(gb);
    CHECK(c.valid_multibyte * 2 < c.invalid);
}

TEST_CASE("UTF-16 input and a UTF-8 BOM declared gb18030 are refused", "[records][encoding]") {
    auto u16 = resolve_encoding(Encoding::auto_detect, "\xFF\xFEi\0d\0", true, "x.csv");
    REQUIRE_FALSE(u16);
    CHECK(contains(u16.error().message(), "x.csv: the file is UTF-16"));
    auto bom = resolve_encoding(Encoding::gb18030, "\xEF\xBB\xBFid", true, "x.csv");
    REQUIRE_FALSE(bom);
    CHECK(contains(bom.error().message(), "UTF-8 byte order mark but gb18030"));
}

TEST_CASE("GB18030 CSV with CRLF converts to UTF-8, four-byte characters included", "[records][encoding]") {
    const std::string utf8 = "编号,姓名\r\n001,张三\r\n002,\"王 😀 𠀀 ︐\"\r\n";
    const std::string raw = to_gb18030(utf8);
    REQUIRE(raw != utf8);
    REQUIRE(raw.find(hex_decode("9439FC36")) != std::string::npos);  // 😀 is four bytes in GB18030
    for (Encoding e : {Encoding::auto_detect, Encoding::gb18030}) {
        auto r = read_csv(raw, with(e));
        REQUIRE_FALSE(r.error);
        CHECK(r.encoding == Encoding::gb18030);
        CHECK(r.columns == std::vector<std::string>{"编号", "姓名"});
        REQUIRE(r.rows.size() == 2);
        CHECK(r.rows[0] == Row{s("001"), s("张三")});
        CHECK(r.rows[1] == Row{s("002"), s("王 😀 𠀀 ︐")});
    }
}

// Debian 12 (glibc 2.36) pin: see the comment at the top of storage/records/encoding.h.
TEST_CASE("glibc GB18030 mapping is pinned", "[records][encoding]") {
    // Changed by GB18030-2022 (2005: PUA U+E78D, U+E81E): glibc decodes as 2022 does.
    CHECK(gb("A6D9") == s("\uFE10"));
    CHECK(gb("FE59") == s("\u9FB4"));
    // GB18030-2005's four-byte code for U+FE10 (2022: U+E78D) is refused by glibc.
    CHECK(gb("84318236") == std::nullopt);
    CHECK(gb("82359037") == std::nullopt);  // 2005's U+9FB4
    // PUA in both 2005 and 2022 (U+E816); glibc decodes to CJK Extension B, like its 4-byte twin.
    CHECK(gb("FE51") == s("\U00020087"));
    CHECK(gb("95329031") == s("\U00020087"));
    // The GB18030-2005 swap of A8BC and 8135F437.
    CHECK(gb("A8BC") == s("\u1E3F"));
    CHECK(gb("8135F437") == s("\uE7C7"));
    // Range ends of the four-byte area.
    CHECK(gb("81308130") == s("\u0080"));
    CHECK(gb("E3329A35") == s("\U0010FFFF"));
}

TEST_CASE("undecodable GB18030 byte is reported with line and offset", "[records][encoding]") {
    const std::string raw = to_gb18030("a,b\r\n1,张\r\n2,\"多\n行") + "\x80" + "\"\r\n3,x\r\n";
    auto r = read_csv(raw, with(Encoding::gb18030));
    REQUIRE_FALSE(r.error);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].kind == "invalid_encoding");
    CHECK(r.problems[0].line == 4);
    CHECK(r.problems[0].offset == raw.find('\x80'));
    CHECK(r.problems[0].field == "b");
    CHECK(contains(r.problems[0].message, "bytes 80 cannot be decoded as GB18030"));
    CHECK(contains(r.problems[0].message, "euro sign"));
    CHECK(r.rows.size() == 2);
}

TEST_CASE("GB18030 lead byte cut off by a delimiter is undecodable", "[records][encoding]") {
    auto r = read_csv("a,b,c\n1,\xD6,x\n", with(Encoding::gb18030));
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].offset == 8);
    CHECK(r.problems[0].field == "b");
}

TEST_CASE("auto detection samples the start; a later bad byte is still caught", "[records][encoding]") {
    ReaderOptions opt;
    opt.detect_sample = 16;  // small sample: the GB18030 bytes come after it
    const std::string raw = "id,name\n1,ascii only\n" + to_gb18030("2,张三\n");
    auto r = read_csv(raw, opt);
    REQUIRE_FALSE(r.error);
    CHECK(r.encoding == Encoding::utf8);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].line == 3);
    CHECK(r.problems[0].offset == 23);
    CHECK(contains(r.problems[0].message, "detected as UTF-8"));
    CHECK(contains(r.problems[0].message, "gb18030"));
}

TEST_CASE("auto detection with the default 4 MiB sample", "[records][encoding]") {
    std::string raw = "id,name\n";
    while (raw.size() < (5u << 20)) raw += "1,ascii filler text\n";
    const size_t bad = raw.size() + 2;
    raw += to_gb18030("2,张三\n");
    auto r = read_csv(raw);
    REQUIRE_FALSE(r.error);
    CHECK(r.encoding == Encoding::utf8);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].offset == bad);
    // The same file with the GB18030 bytes inside the sample is detected as GB18030.
    auto early = read_csv("id,name\n" + to_gb18030("2,张三\n") + raw.substr(8));
    CHECK(early.encoding == Encoding::gb18030);
}

TEST_CASE("invalid UTF-8 in a file declared utf-8 names line and offset", "[records][encoding]") {
    auto r = read_csv("a\n\xEF\xBB\xBF\n\xED\xA0\x80\n", with(Encoding::utf8));
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].line == 3);
    CHECK(r.problems[0].offset == 6);
    CHECK(contains(r.problems[0].message, "invalid UTF-8 (bytes ED A0 80"));
    CHECK_FALSE(contains(r.problems[0].message, "detected"));
}
