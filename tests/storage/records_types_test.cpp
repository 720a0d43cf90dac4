// Tests of value checks per type (storage/records/value_checks.h, cn_ids.h).
#include <catch2/catch.hpp>

#include "storage/records/cn_ids.h"
#include "storage/records/value_checks.h"

using namespace baton::records;

namespace {
const CivilDate kToday{2026, 3, 1};

FieldDef field(FieldType t) {
    FieldDef f;
    f.name = "f";
    f.type = t;
    return f;
}

// The findings for `v` in a field like `f`: "" when clean, else "kind" or "warning:kind".
std::string check(const FieldDef& f, std::string_view v, bool identifying = false) {
    std::vector<Finding> out;
    check_value(f, v, CheckContext{kToday, identifying}, out);
    std::string s;
    for (const auto& x : out)
        s += (s.empty() ? "" : ",") + std::string(x.severity == Severity::warning ? "warning:" : "") +
             std::string(x.kind);
    return s;
}
std::string check(FieldType t, std::string_view v, bool identifying = false) { return check(field(t), v, identifying); }
}  // namespace

TEST_CASE("resident ID check digits computed by GB 11643", "[records][types]") {
    CHECK(resident_id_check_char("11010519491231002") == 'X');  // the standard's own example
    CHECK(resident_id_check_char("11010119900307751") == '2');
    CHECK(resident_id_check_char("44030420000229123") == '6');
    CHECK(resident_id_check_char("31011519851111042") == '0');
}

TEST_CASE("resident IDs: valid and invalid examples", "[records][types]") {
    for (const char* ok : {"11010519491231002X", "110101199003077512", "440304200002291236", "310115198511110420",
                           "11010119900307600X"})
        CHECK(check(FieldType::cn_resident_id, ok) == "");
    CHECK(check(FieldType::cn_resident_id, "110101199003077513") == "bad_checksum");   // check digit off by one
    CHECK(check(FieldType::cn_resident_id, "110101199003077522") == "bad_checksum");   // a digit typo
    CHECK(check(FieldType::cn_resident_id, "11010519491231002x") == "bad_format");     // lowercase x
    CHECK(check(FieldType::cn_resident_id, "1101051949123100") == "bad_format");       // too short
    CHECK(check(FieldType::cn_resident_id, "110105194912310") == "bad_format");        // first generation
    CHECK(check(FieldType::cn_resident_id, "11010519491231A02X") == "bad_format");
    CHECK(check(FieldType::cn_resident_id, "110101199002301234") == "bad_date");       // 30 February
    CHECK(check(FieldType::cn_resident_id, "110101187001011234") == "bad_date");       // 1870
    CHECK(check(FieldType::cn_resident_id, "440304200102291234") == "bad_date");       // 2001 not a leap year
    CHECK(check(FieldType::cn_resident_id, "510107202312314566") == "");
    CHECK(check(FieldType::cn_resident_id, "510107202603021234") == "future_birth_date");
}

TEST_CASE("resident IDs damaged by Excel", "[records][types]") {
    CHECK(check(FieldType::cn_resident_id, "1.10101E+17") == "excel_scientific_notation");
    // The last three digits zeroed: the check digit fails -> an error naming Excel.
    CHECK(check(FieldType::cn_resident_id, "110101199003072000") == "excel_precision_loss");
    // Ends in 000 yet the check digit passes (1 in 11 truncated IDs do): a warning.
    CHECK(check(FieldType::cn_resident_id, "110101199003010000") == "warning:excel_precision_loss");
}

TEST_CASE("USCC check characters by GB 32100", "[records][types]") {
    CHECK(uscc_check_char("91350100M000100Y4") == '3');
    CHECK(uscc_check_char("91110000802100433") == 'B');
    CHECK(check(FieldType::cn_uscc, "91350100M000100Y43") == "");
    CHECK(check(FieldType::cn_uscc, "91110000802100433B") == "");
    CHECK(check(FieldType::cn_uscc, "91110108123456789H") == "");
}

TEST_CASE("USCC failing check is a warning unless strict", "[records][types]") {
    CHECK(check(FieldType::cn_uscc, "91350100M000100Y44") == "warning:bad_checksum");
    FieldDef strict = field(FieldType::cn_uscc);
    strict.strict = true;
    CHECK(check(strict, "91350100M000100Y44") == "bad_checksum");
    CHECK(check(FieldType::cn_uscc, "91350100M000100Y4") == "bad_format");
    CHECK(check(FieldType::cn_uscc, "91350100I000100Y43") == "bad_format");  // I is not in the alphabet
    CHECK(check(FieldType::cn_uscc, "91350100m000100y43") == "bad_format");  // lowercase
    CHECK(check(FieldType::cn_uscc, "9.11101E+17") == "excel_scientific_notation");
    CHECK(check(FieldType::cn_uscc, "911101081234567000") == "excel_precision_loss");
    CHECK(check(FieldType::cn_uscc, "911101081234005000") == "warning:excel_precision_loss");
}

TEST_CASE("mobile numbers", "[records][types]") {
    CHECK(check(FieldType::cn_mobile, "13800138000") == "");
    CHECK(check(FieldType::cn_mobile, "19912345678") == "");
    CHECK(check(FieldType::cn_mobile, "23800138000") == "bad_format");
    CHECK(check(FieldType::cn_mobile, "1380013800") == "bad_format");
    CHECK(check(FieldType::cn_mobile, "+8613800138000") == "bad_format");
    CHECK(check(FieldType::cn_mobile, "138 0013 8000") == "bad_format");
    CHECK(check(FieldType::cn_mobile, "1.38001E+10") == "excel_scientific_notation");
}

TEST_CASE("integers", "[records][types]") {
    for (const char* ok : {"0", "-5", "007", "9223372036854775807", "-9223372036854775808"})
        CHECK(check(FieldType::integer, ok) == "");
    CHECK(check(FieldType::integer, "9223372036854775808") == "out_of_range");
    CHECK(check(FieldType::integer, "1.0") == "bad_format");
    CHECK(check(FieldType::integer, "+1") == "bad_format");
    CHECK(check(FieldType::integer, " 1") == "bad_format");
    CHECK(check(FieldType::integer, "1,000") == "bad_format");
    CHECK(check(FieldType::integer, "6.22202E+18") == "excel_scientific_notation");
    CHECK(check(FieldType::integer, "6222021234567890000") == "warning:excel_precision_loss");
    CHECK(check(FieldType::integer, "1234567890123450") == "");  // 16 digits, one zero: not flagged
}

TEST_CASE("decimals keep their scale", "[records][types]") {
    FieldDef f = field(FieldType::decimal);
    f.scale = 2;
    for (const char* ok : {"0", "12.5", "12.50", "-0.01", "0012.00"}) CHECK(check(f, ok) == "");
    CHECK(check(f, "12.345") == "out_of_range");
    CHECK(check(f, "12.") == "bad_format");
    CHECK(check(f, ".5") == "bad_format");
    CHECK(check(f, "1,234.00") == "bad_format");
    CHECK(check(f, "1e3") == "bad_format");
    CHECK(check(f, "1.5E+03") == "excel_scientific_notation");
    f.scale = 0;
    CHECK(check(f, "12") == "");
    CHECK(check(f, "12.0") == "out_of_range");
}

TEST_CASE("dates use the real calendar", "[records][types]") {
    for (const char* ok : {"2024-02-29", "2000-02-29", "1999-12-31", "0001-01-01"})
        CHECK(check(FieldType::date, ok) == "");
    CHECK(check(FieldType::date, "2023-02-29") == "bad_date");
    CHECK(check(FieldType::date, "1900-02-29") == "bad_date");
    CHECK(check(FieldType::date, "2024-04-31") == "bad_date");
    CHECK(check(FieldType::date, "2024-13-01") == "bad_date");
    CHECK(check(FieldType::date, "2024/01/01") == "bad_format");
    CHECK(check(FieldType::date, "2024-1-1") == "bad_format");
    CHECK(check(FieldType::date, "20240101") == "bad_format");
}

TEST_CASE("datetimes in ISO 8601", "[records][types]") {
    for (const char* ok : {"2024-01-02T03:04", "2024-01-02T03:04:05", "2024-01-02 03:04:05", "2024-01-02T03:04:05.123",
                           "2024-01-02T03:04:05Z", "2024-01-02T03:04:05+08:00", "2024-01-02T03:04:05.123456789-0530",
                           "2024-01-02T23:59:59+14"})
        CHECK(check(FieldType::datetime, ok) == "");
    for (const char* bad : {"2024-01-02", "2024-01-02T24:00", "2024-01-02T03:60", "2024-01-02T03:04:05.",
                            "2024-01-02T03:04:05+8", "2024-01-02T03:04:05 +08:00", "2024-01-02X03:04"})
        CHECK(check(FieldType::datetime, bad) == "bad_format");
    CHECK(check(FieldType::datetime, "2023-02-29T00:00") == "bad_date");
}

TEST_CASE("emails", "[records][types]") {
    for (const char* ok : {"a@example.com", "first.last+tag@mail.example.cn", "张三@例子.中国"})
        CHECK(check(FieldType::email, ok) == "");
    for (const char* bad : {"plain", "@example.com", "a@", "a@b", "a b@example.com", "a@@example.com", "a@example..com",
                            ".a@example.com"})
        CHECK(check(FieldType::email, bad) == "bad_format");
}

TEST_CASE("max_length counts code points, not bytes", "[records][types]") {
    FieldDef f = field(FieldType::string);
    f.max_length = 3;
    CHECK(check(f, "中文字") == "");
    CHECK(check(f, "😀😀😀") == "");
    CHECK(check(f, "中文字符") == "too_long");
}

TEST_CASE("identifying string fields flag Excel damage; free text does not", "[records][types]") {
    CHECK(check(FieldType::string, "1.23457E+17", true) == "excel_scientific_notation");
    CHECK(check(FieldType::string, "1.23457E+17", false) == "");
    CHECK(check(FieldType::string, "6222021234567890000", true) == "warning:excel_precision_loss");
    CHECK(check(FieldType::string, "6222021234567890000", false) == "");
    CHECK(check(FieldType::string, "C000123", true) == "");
    CHECK(check(FieldType::string, "2E5", true) == "");  // not Excel's form
}

TEST_CASE("Excel scientific form is recognised exactly", "[records][types]") {
    for (const char* yes : {"1.23457E+17", "1E+17", "9.9E-05", "1.23456789012345E+100"})
        CHECK(looks_like_excel_scientific(yes));
    for (const char* no : {"1.23457E17", "E+17", "1.E+17", "12.3E+17", "1.2E+1", "1.2E+1234", "abc"})
        CHECK_FALSE(looks_like_excel_scientific(no));
}
