// Chinese identifiers: resident identity numbers (GB 11643-1999) and unified social credit codes
// (GB 32100-2015). See value_checks.h for which findings are errors and which are warnings.
#pragma once

#include <optional>
#include <string_view>

#include "storage/records/value_checks.h"

namespace baton::records {

// The 31 characters of a USCC: digits and capitals without I, O, S, V, Z.
inline constexpr std::string_view kUsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";

// Check character ('0'..'9' or 'X') of the first 17 digits of a resident ID: ISO 7064 MOD 11-2,
// weights 2^(17-i) mod 11. REQUIRES: first17 is 17 ASCII digits.
char resident_id_check_char(std::string_view first17);

// Check character of the first 17 characters of a USCC: weights 3^i mod 31, 31 - (sum mod 31).
// REQUIRES: first17 is 17 characters of kUsccAlphabet.
char uscc_check_char(std::string_view first17);

// An 18-character resident ID: 17 digits, then a digit or an uppercase X; digits 7..14 a real
// birth date from 1880 up to `today`; a matching check character.
std::optional<Finding> check_resident_id(std::string_view v, const CivilDate& today);

// An 18-character USCC over kUsccAlphabet with a matching check character (a mismatch is a
// warning unless `strict`).
std::optional<Finding> check_uscc(std::string_view v, bool strict);

// Helpers shared with value_checks.cpp.
inline Finding error(std::string_view kind, std::string message) {
    return Finding{Severity::error, kind, std::move(message)};
}
inline Finding warning(std::string_view kind, std::string message) {
    return Finding{Severity::warning, kind, std::move(message)};
}
inline constexpr const char* kTruncatedMessage =
    "ends in 000 and may have been cut to 15 significant digits by Excel; check it against the source system";

}  // namespace baton::records
