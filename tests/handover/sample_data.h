// Building blocks of the deterministic sample data (tests/handover/gen_sample.cpp): a fixed-seed
// generator, zero-padded digits, civil dates, resident IDs and USCCs with valid check characters,
// mobiles, and RFC 4180 CSV fields quoted only where needed. Same inputs, same bytes, every run.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "storage/records/cn_ids.h"

namespace baton::sample {

// splitmix64: fast, seedable, good enough to vary test data.
struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed) {}
    uint64_t next() {
        uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    uint32_t below(uint32_t n) { return static_cast<uint32_t>(next() % n); }
    bool chance(uint32_t percent) { return below(100) < percent; }
    template <typename T, size_t N>
    const T& pick(const T (&items)[N]) {
        return items[below(static_cast<uint32_t>(N))];
    }
};

inline void digits(std::string& out, uint64_t v, int width) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%0*llu", width, static_cast<unsigned long long>(v));
    out += buf;
}

// Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
inline void civil_from_days(int64_t z, int& y, int& m, int& d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    y = static_cast<int>(yoe + era * 400 + (m <= 2));
}

// YYYY-MM-DD of `days` since 1970-01-01.
inline void iso_date(std::string& out, int64_t days) {
    int y, m, d;
    civil_from_days(days, y, m, d);
    digits(out, static_cast<uint64_t>(y), 4);
    out += '-';
    digits(out, static_cast<uint64_t>(m), 2);
    out += '-';
    digits(out, static_cast<uint64_t>(d), 2);
}

inline constexpr const char* kRegions[] = {"110105", "310104", "440106", "330106", "510107", "320102", "420106", "610113"};

// An 18-character resident ID, distinct for every i below 8 * 20089 * 990: (region, birth date,
// sequence) is a bijection of i. Birth dates fall in 1950-01-01 .. 2004-12-31. The sequence is
// never a multiple of 100, so no ID ends in "000" (which import warns about: Excel truncation).
inline void resident_id(std::string& out, uint64_t i) {
    constexpr uint64_t kDays = 20089;  // a prime: multiplying by 7919 permutes the days
    std::string id = kRegions[(i / (990 * kDays)) % 8];
    iso_date(id, -7305 + static_cast<int64_t>((i / 990 % kDays) * 7919 % kDays));
    id.erase(std::remove(id.begin(), id.end(), '-'), id.end());
    const uint64_t j = i % 990;
    digits(id, j + j / 99 + 1, 3);  // 1..999 without 100, 200, ..., 900
    id += baton::records::resident_id_check_char(id);
    out += id;
}

// A unified social credit code of an organisation, with its check character.
// Never ending in "000" (import warns about those: Excel truncation).
inline void uscc(std::string& out, Rng& r) {
    std::string code;
    do {
        code = "91";
        code += kRegions[r.below(8)];
        for (int i = 0; i < 9; ++i) code += baton::records::kUsccAlphabet[r.below(10)];
        code += baton::records::uscc_check_char(code);
    } while (code.ends_with("000"));
    out += code;
}

// 11 digits starting 13..19.
inline void mobile(std::string& out, Rng& r) {
    out += '1';
    out += "3456789"[r.below(7)];
    digits(out, r.below(1000000000), 9);
}

// A decimal with two places, from a signed number of cents: "-1234.50", "0.07".
inline void cents(std::string& out, int64_t c) {
    if (c < 0) out += '-';
    const uint64_t a = c < 0 ? static_cast<uint64_t>(-c) : static_cast<uint64_t>(c);
    digits(out, a / 100, 1);
    out += '.';
    digits(out, a % 100, 2);
}

// RFC 4180: quoted only when the value holds a comma, a quote, CR or LF.
inline void csv_field(std::string& out, std::string_view v) {
    if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
        out += v;
        return;
    }
    out += '"';
    for (char c : v) (c == '"' ? out += "\"\"" : out += c);
    out += '"';
}

}  // namespace baton::sample
