#include "storage/decimal_sum.h"

#include <algorithm>

namespace baton::storage {

namespace {

using U256 = std::array<uint64_t, 4>;
using u128 = unsigned __int128;

constexpr size_t kMaxDigits = 38;             // value_checks.cpp check_decimal
constexpr uint64_t kTenTo18 = 1000000000000000000ull;

void mul_add(U256& v, uint64_t mul, uint64_t add) {
    u128 carry = add;
    for (uint64_t& limb : v) {
        const u128 t = static_cast<u128>(limb) * mul + carry;
        limb = static_cast<uint64_t>(t);
        carry = t >> 64;
    }
}

void add_to(U256& a, const U256& b) {
    u128 carry = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        const u128 t = static_cast<u128>(a[i]) + b[i] + carry;
        a[i] = static_cast<uint64_t>(t);
        carry = t >> 64;
    }
}

void negate(U256& v) {
    for (uint64_t& limb : v) limb = ~limb;
    mul_add(v, 1, 1);
}

bool is_negative(const U256& v) { return (v[3] >> 63) != 0; }

// Divides v by d in place and returns the remainder.
uint64_t div_mod(U256& v, uint64_t d) {
    u128 rem = 0;
    for (size_t i = v.size(); i-- > 0;) {
        const u128 cur = (rem << 64) | v[i];
        v[i] = static_cast<uint64_t>(cur / d);
        rem = cur % d;
    }
    return static_cast<uint64_t>(rem);
}

bool is_zero(const U256& v) { return std::all_of(v.begin(), v.end(), [](uint64_t x) { return x == 0; }); }

// Decimal digits of a non-negative v, without leading zeros ("0" for zero).
std::string digits_of(U256 v) {
    std::string out;
    while (!is_zero(v)) {
        std::string part = std::to_string(div_mod(v, kTenTo18));
        if (!is_zero(v)) part.insert(0, 18 - part.size(), '0');
        out.insert(0, part);
    }
    return out.empty() ? "0" : out;
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

bool DecimalSum::add(std::string_view value) {
    const bool negative = value.starts_with('-');
    const std::string_view body = negative ? value.substr(1) : value;
    const size_t dot = body.find('.');
    const std::string_view whole = body.substr(0, dot);
    const std::string_view frac = dot == std::string_view::npos ? std::string_view() : body.substr(dot + 1);
    if (!all_digits(whole) || (dot != std::string_view::npos && !all_digits(frac))) return false;
    if (frac.size() > scale_ || whole.size() + frac.size() > kMaxDigits) return false;
    U256 v{};
    for (char c : whole) mul_add(v, 10, static_cast<uint64_t>(c - '0'));
    for (char c : frac) mul_add(v, 10, static_cast<uint64_t>(c - '0'));
    for (size_t i = frac.size(); i < scale_; ++i) mul_add(v, 10, 0);
    if (negative) negate(v);
    add_to(sum_, v);
    return true;
}

std::string DecimalSum::text() const {
    U256 v = sum_;
    const bool negative = is_negative(v);
    if (negative) negate(v);
    std::string d = digits_of(v);
    if (d.size() <= scale_) d.insert(0, scale_ + 1 - d.size(), '0');
    if (scale_ > 0) d.insert(d.size() - scale_, ".");
    return negative ? "-" + d : d;
}

}  // namespace baton::storage
