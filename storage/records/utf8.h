// UTF-8 helpers (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace baton::records::utf8 {

inline constexpr size_t npos = std::string_view::npos;

// Index of the first byte of the first invalid sequence in `s`, or npos when `s` is valid.
// With allow_truncated_tail, a valid but incomplete sequence at the very end is accepted (for
// a sample cut out of a longer stream).
size_t find_invalid(std::string_view s, bool allow_truncated_tail = false);

inline bool is_valid(std::string_view s) { return find_invalid(s) == npos; }

// Over the non-ASCII bytes of `s`: how many valid multi-byte sequences, and how many places
// where no valid sequence starts (a bad byte with the continuation bytes after it counts once).
// A valid but cut-off sequence at the very end counts as neither.
struct Census {
    size_t valid_multibyte = 0;
    size_t invalid = 0;
};
Census census(std::string_view s);

// Number of code points in valid UTF-8 `s` (counts the bytes that are not continuation bytes).
size_t count_code_points(std::string_view s);

// Byte length of the code point starting at s[i] in valid UTF-8. REQUIRES: i < s.size().
size_t sequence_length(std::string_view s, size_t i);

// Appends the UTF-8 encoding of `cp`. REQUIRES: cp <= 0x10FFFF and not a surrogate.
void append_code_point(std::string& out, uint32_t cp);

}  // namespace baton::records::utf8
