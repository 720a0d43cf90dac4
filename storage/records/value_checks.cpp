#include "storage/records/value_checks.h"

#include <chrono>

#include "storage/records/cn_ids.h"
#include "storage/records/utf8.h"

namespace baton::records {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!is_digit(c)) return false;
    return true;
}

// Parses exactly n digits at s[at].
std::optional<int> digits(std::string_view s, size_t at, size_t n) {
    if (at + n > s.size()) return std::nullopt;
    int v = 0;
    for (size_t i = at; i < at + n; ++i) {
        if (!is_digit(s[i])) return std::nullopt;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

const char* kSciMessage =
    "looks like a number in Excel's scientific notation: its digits were lost when the file was saved from Excel; "
    "re-export the column formatted as text";

// All digits, 16 or more, the digits after the 15th all zero, and at least three trailing zeros.
bool looks_truncated_by_excel(std::string_view v) {
    if (v.size() < 16 || !all_digits(v)) return false;
    const size_t zeros = std::max<size_t>(3, v.size() - 15);
    return v.find_first_not_of('0', v.size() - zeros) == std::string_view::npos;
}

std::optional<Finding> check_integer(std::string_view v) {
    std::string_view d = v.starts_with('-') ? v.substr(1) : v;
    if (!all_digits(d)) return error(kind::bad_format, "not an integer (digits with an optional leading '-')");
    const size_t first = std::min(d.find_first_not_of('0'), d.size());
    std::string_view sig = d.substr(first);
    const std::string_view limit = v.starts_with('-') ? "9223372036854775808" : "9223372036854775807";
    if (sig.size() > limit.size() || (sig.size() == limit.size() && sig > limit))
        return error(kind::out_of_range, "integer out of the 64-bit range");
    if (looks_truncated_by_excel(d)) return warning(kind::excel_precision_loss, kTruncatedMessage);
    return std::nullopt;
}

std::optional<Finding> check_decimal(std::string_view v, uint32_t scale) {
    std::string_view d = v.starts_with('-') ? v.substr(1) : v;
    const size_t dot = d.find('.');
    std::string_view whole = d.substr(0, dot);
    std::string_view frac = dot == std::string_view::npos ? std::string_view() : d.substr(dot + 1);
    if (!all_digits(whole) || (dot != std::string_view::npos && !all_digits(frac)))
        return error(kind::bad_format, "not a decimal number (digits, optionally '.' and digits; no grouping commas)");
    if (frac.size() > scale)
        return error(kind::out_of_range, "has " + std::to_string(frac.size()) +
                                             " digits after the point; the schema allows " + std::to_string(scale));
    if (whole.size() + frac.size() > 38) return error(kind::out_of_range, "more than 38 digits");
    return std::nullopt;
}

std::optional<Finding> check_date_text(std::string_view v) {
    if (v.size() != 10 || v[4] != '-' || v[7] != '-')
        return error(kind::bad_format, "not a date in the form YYYY-MM-DD");
    auto y = digits(v, 0, 4), m = digits(v, 5, 2), d = digits(v, 8, 2);
    if (!y || !m || !d) return error(kind::bad_format, "not a date in the form YYYY-MM-DD");
    if (!is_valid_date(*y, *m, *d)) return error(kind::bad_date, "not a real calendar date");
    return std::nullopt;
}

// Time zone designator: Z, ±HH, ±HHMM or ±HH:MM.
bool valid_zone(std::string_view z) {
    if (z == "Z") return true;
    if (z.empty() || (z[0] != '+' && z[0] != '-')) return false;
    auto h = digits(z, 1, 2);
    if (!h || *h > 14) return false;
    if (z.size() == 3) return true;
    const size_t at = z[3] == ':' ? 4 : 3;
    auto m = digits(z, at, 2);
    return m && *m <= 59 && z.size() == at + 2;
}

// YYYY-MM-DD(T| )HH:MM[:SS[.fraction]][zone]
std::optional<Finding> check_datetime(std::string_view v) {
    const Finding shape =
        error(kind::bad_format, "not a date and time in the form YYYY-MM-DDTHH:MM[:SS[.fff]][Z|+08:00]");
    if (v.size() < 16 || (v[10] != 'T' && v[10] != ' ')) return shape;
    if (auto f = check_date_text(v.substr(0, 10))) return f;
    auto hh = digits(v, 11, 2), mm = digits(v, 14, 2);
    if (!hh || !mm || v[13] != ':' || *hh > 23 || *mm > 59) return shape;
    size_t i = 16;
    if (i < v.size() && v[i] == ':') {
        auto ss = digits(v, i + 1, 2);
        if (!ss || *ss > 59) return shape;
        i += 3;
        if (i < v.size() && v[i] == '.') {
            size_t n = 0;
            while (i + 1 + n < v.size() && is_digit(v[i + 1 + n])) ++n;
            if (n == 0 || n > 9) return shape;
            i += 1 + n;
        }
    }
    if (i < v.size() && !valid_zone(v.substr(i))) return shape;
    return std::nullopt;
}

std::optional<Finding> check_mobile(std::string_view v) {
    if (v.size() == 11 && all_digits(v) && v[0] == '1') return std::nullopt;
    std::string m = "not a mainland China mobile number (11 digits starting with 1)";
    if (v.starts_with("+86") || (v.starts_with("86") && v.size() == 13)) m += "; store it without the country code";
    return error(kind::bad_format, m);
}

std::optional<Finding> check_email(std::string_view v) {
    const Finding bad = error(kind::bad_format, "not an e-mail address");
    const size_t at = v.rfind('@');
    if (at == std::string_view::npos || at == 0 || at > 64 || v.size() > 254) return bad;
    std::string_view local = v.substr(0, at), domain = v.substr(at + 1);
    for (char c : v)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return bad;
    if (local.find('@') != std::string_view::npos || local.front() == '.' || local.back() == '.') return bad;
    if (domain.size() < 3 || domain.find('.') == std::string_view::npos || domain.front() == '.' ||
        domain.back() == '.' || domain.find("..") != std::string_view::npos)
        return bad;
    for (char c : domain)
        if (c == '_' || c == '"' || c == '(' || c == ')' || c == ',' || c == ';' || c == '<' || c == '>' || c == '[' ||
            c == ']')
            return bad;
    return std::nullopt;
}

}  // namespace

CivilDate today_in_china() {
    using namespace std::chrono;
    const auto now = system_clock::now() + hours(8);
    const year_month_day ymd{floor<days>(now)};
    return CivilDate{static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
                     static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

bool is_valid_date(int year, int month, int day) {
    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

bool looks_like_excel_scientific(std::string_view v) {
    size_t i = 0;
    if (v.empty() || !is_digit(v[i++])) return false;
    if (i < v.size() && v[i] == '.') {
        size_t n = 0;
        while (i + 1 + n < v.size() && is_digit(v[i + 1 + n])) ++n;
        if (n == 0 || n > 14) return false;
        i += 1 + n;
    }
    if (i + 4 > v.size() || (v[i] != 'E' && v[i] != 'e') || (v[i + 1] != '+' && v[i + 1] != '-')) return false;
    std::string_view exp = v.substr(i + 2);
    return (exp.size() == 2 || exp.size() == 3) && all_digits(exp);
}

void check_value(const FieldDef& f, std::string_view v, const CheckContext& ctx, std::vector<Finding>& out) {
    if (f.max_length && utf8::count_code_points(v) > *f.max_length)
        out.push_back(error(kind::too_long, "longer than " + std::to_string(*f.max_length) + " characters"));
    const bool numeric_type = f.type == FieldType::integer || f.type == FieldType::decimal ||
                              f.type == FieldType::cn_resident_id || f.type == FieldType::cn_mobile ||
                              f.type == FieldType::cn_uscc;
    if ((numeric_type || (f.type == FieldType::string && ctx.identifying)) && looks_like_excel_scientific(v)) {
        out.push_back(error(kind::excel_scientific_notation, kSciMessage));
        return;
    }
    std::optional<Finding> r;
    switch (f.type) {
    case FieldType::string:
        if (ctx.identifying && looks_truncated_by_excel(v)) r = warning(kind::excel_precision_loss, kTruncatedMessage);
        break;
    case FieldType::integer: r = check_integer(v); break;
    case FieldType::decimal: r = check_decimal(v, f.scale); break;
    case FieldType::date: r = check_date_text(v); break;
    case FieldType::datetime: r = check_datetime(v); break;
    case FieldType::enumeration: break;
    case FieldType::cn_resident_id: r = check_resident_id(v, ctx.today); break;
    case FieldType::cn_mobile: r = check_mobile(v); break;
    case FieldType::cn_uscc: r = check_uscc(v, f.strict); break;
    case FieldType::email: r = check_email(v); break;
    }
    if (r) out.push_back(std::move(*r));
}

}  // namespace baton::records
