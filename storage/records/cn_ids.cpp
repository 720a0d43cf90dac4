#include "storage/records/cn_ids.h"

#include <string>

#include "storage/records/utf8.h"

namespace baton::records {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool all_digits(std::string_view s) {
    for (char c : s)
        if (!is_digit(c)) return false;
    return !s.empty();
}

int num(std::string_view s) {
    int v = 0;
    for (char c : s) v = v * 10 + (c - '0');
    return v;
}

std::optional<Finding> check_birth_date(std::string_view v, const CivilDate& today) {
    const int y = num(v.substr(6, 4)), m = num(v.substr(10, 2)), d = num(v.substr(12, 2));
    const std::string shown(v.substr(6, 8));
    if (y < 1880 || !is_valid_date(y, m, d))
        return error(kind::bad_date, "birth date " + shown + " is not a real date");
    if (CivilDate{y, m, d} > today) return error(kind::future_birth_date, "birth date " + shown + " is in the future");
    return std::nullopt;
}

}  // namespace

char resident_id_check_char(std::string_view first17) {
    int sum = 0, weight = 1;
    for (size_t i = 17; i-- > 0;) {  // weight of position i is 2^(17-i) mod 11
        weight = (weight * 2) % 11;
        sum += (first17[i] - '0') * weight;
    }
    return "10X98765432"[sum % 11];
}

char uscc_check_char(std::string_view first17) {
    int sum = 0, weight = 1;
    for (size_t i = 0; i < 17; ++i) {
        sum += static_cast<int>(kUsccAlphabet.find(first17[i])) * weight;
        weight = (weight * 3) % 31;
    }
    return kUsccAlphabet[static_cast<size_t>((31 - sum % 31) % 31)];
}

std::optional<Finding> check_resident_id(std::string_view v, const CivilDate& today) {
    if (v.size() == 15 && all_digits(v))
        return error(kind::bad_format,
                     "a 15-digit first-generation ID (invalid since 2013); the 18-character ID is needed");
    if (v.size() != 18)
        return error(kind::bad_format,
                     "a resident ID has 18 characters, this has " + std::to_string(utf8::count_code_points(v)));
    if (!all_digits(v.substr(0, 17))) return error(kind::bad_format, "the first 17 characters must be digits");
    const char last = v[17];
    if (last == 'x') return error(kind::bad_format, "the check character must be an uppercase X");
    if (!is_digit(last) && last != 'X') return error(kind::bad_format, "the last character must be a digit or X");
    if (auto f = check_birth_date(v, today)) return f;
    const char expected = resident_id_check_char(v.substr(0, 17));
    const bool zeros = v.ends_with("000");
    if (expected != last) {
        if (zeros)
            return error(kind::excel_precision_loss,
                         std::string("the check digit fails and the ID ") + kTruncatedMessage);
        return error(kind::bad_checksum, std::string("check character is ") + last + ", GB 11643 gives " + expected);
    }
    if (zeros)
        return warning(kind::excel_precision_loss,
                       std::string("the check digit passes, but the ID ") + kTruncatedMessage);
    return std::nullopt;
}

std::optional<Finding> check_uscc(std::string_view v, bool strict) {
    if (v.size() != 18)
        return error(kind::bad_format, "a unified social credit code has 18 characters, this has " +
                                           std::to_string(utf8::count_code_points(v)));
    for (size_t i = 0; i < v.size(); ++i) {
        if (kUsccAlphabet.find(v[i]) == std::string_view::npos)
            return error(kind::bad_format, "character " + std::to_string(i + 1) +
                                               " is not allowed (digits and capitals except I, O, S, V, Z)");
    }
    const char expected = uscc_check_char(v.substr(0, 17));
    const bool truncated = all_digits(v) && v.ends_with("000");
    if (expected != v[17]) {
        if (truncated)
            return error(kind::excel_precision_loss,
                         std::string("the check character fails and the code ") + kTruncatedMessage);
        return Finding{strict ? Severity::error : Severity::warning, kind::bad_checksum,
                       std::string("check character is ") + v[17] + ", GB 32100 gives " + expected};
    }
    if (truncated)
        return warning(kind::excel_precision_loss,
                       std::string("the check character passes, but the code ") + kTruncatedMessage);
    return std::nullopt;
}

}  // namespace baton::records
