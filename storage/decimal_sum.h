// Exact sums of decimal field values, for a stage's control totals (docs/handover.md "Stage
// plaintext": "the exact sum of its non-null values, written with the field's scale").
//
// No floating point anywhere: a value is read as its digits scaled to the field's scale and added
// to a 256-bit two's-complement integer. A decimal value has at most 38 digits and a scale of at
// most 18 (records/schema.h, value_checks.cpp), so one value is below 10^56 < 2^187, and even
// 2^64 of them cannot overflow.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace baton::storage {

class DecimalSum {
public:
    // REQUIRES: scale <= 18.
    explicit DecimalSum(uint32_t scale) : scale_(scale) {}

    // Adds a value written as records::check_value accepts decimals: an optional '-', digits,
    // optionally '.' and 1..scale digits, at most 38 digits in all. Returns false (and adds
    // nothing) for anything else.
    [[nodiscard]] bool add(std::string_view value);

    // The sum with exactly `scale` digits after the point ("0.00" when nothing was added,
    // "-12.50"; no point when scale is 0). Zero is never written "-0".
    std::string text() const;

private:
    using U256 = std::array<uint64_t, 4>;  // little-endian limbs
    uint32_t scale_;
    U256 sum_{};
};

}  // namespace baton::storage
