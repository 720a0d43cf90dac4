// Text checks for statement fields (statement_internal.h).
#include <cstdint>

#include "protocol/handover/statement_internal.h"

namespace baton::handover::text {

namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 when it is malformed (RFC 3629 table 3).
size_t utf8_sequence(std::string_view s, size_t i) {
    const auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
    const uint8_t c = b(i);
    if (c < 0x80) return 1;
    size_t n = 0;
    uint8_t lo = 0x80, hi = 0xbf;  // allowed range of the second byte
    if (c >= 0xc2 && c <= 0xdf) n = 2;
    else if (c == 0xe0) { n = 3; lo = 0xa0; }
    else if (c == 0xed) { n = 3; hi = 0x9f; }  // no surrogates
    else if (c >= 0xe1 && c <= 0xef) n = 3;
    else if (c == 0xf0) { n = 4; lo = 0x90; }
    else if (c >= 0xf1 && c <= 0xf3) n = 4;
    else if (c == 0xf4) { n = 4; hi = 0x8f; }  // nothing past U+10FFFF
    else return 0;
    if (i + n > s.size() || b(i + 1) < lo || b(i + 1) > hi) return 0;
    for (size_t k = 2; k < n; ++k)
        if ((b(i + k) & 0xc0) != 0x80) return 0;
    return n;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Status check_utf8(std::string_view s, const Where& at) {
    for (size_t i = 0; i < s.size();) {
        const size_t n = utf8_sequence(s, i);
        if (n == 0) return at.error("is not valid UTF-8 (byte " + std::to_string(i) + ")");
        i += n;
    }
    return ok_status();
}

Status check_name(std::string_view s, const Where& at) {
    if (s.empty()) return at.error("is empty");
    if (s.size() > kMaxNameBytes) return at.error("is longer than " + std::to_string(kMaxNameBytes) + " bytes");
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f) return at.error("contains a control character");
    }
    return check_utf8(s, at);
}

Status check_decimal(std::string_view s, const Where& at) {
    if (s.empty() || s.size() > kMaxDecimalBytes)
        return at.error("must be 1 to " + std::to_string(kMaxDecimalBytes) + " bytes");
    size_t i = (s[0] == '-') ? 1 : 0;
    const size_t int_start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    bool ok = i > int_start;
    if (ok && i < s.size()) {
        ok = s[i] == '.' && i + 1 < s.size();
        for (++i; ok && i < s.size(); ++i) ok = is_digit(s[i]);
    }
    if (!ok) return at.error("is not a decimal number such as -1234.50");
    return ok_status();
}

Status check_reason_code(std::string_view s, const Where& at) {
    if (s.empty() || s.size() > kMaxReasonCodeBytes)
        return at.error("must be 1 to " + std::to_string(kMaxReasonCodeBytes) + " bytes");
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '_'))
            return at.error("may hold only lowercase letters, digits and '_'");
    return ok_status();
}

}  // namespace baton::handover::text
