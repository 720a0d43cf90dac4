#include "storage/records/utf8.h"

#include <cstring>

namespace baton::records::utf8 {

namespace {

// Length of a sequence from its lead byte, 0 for a byte that cannot start one.
size_t lead_length(uint8_t b) {
    if (b < 0x80) return 1;
    if (b >= 0xC2 && b <= 0xDF) return 2;
    if (b >= 0xE0 && b <= 0xEF) return 3;
    if (b >= 0xF0 && b <= 0xF4) return 4;
    return 0;
}

// Allowed range of the second byte after a lead byte (RFC 3629 §4 table).
bool second_ok(uint8_t lead, uint8_t b) {
    switch (lead) {
    case 0xE0: return b >= 0xA0 && b <= 0xBF;
    case 0xED: return b >= 0x80 && b <= 0x9F;
    case 0xF0: return b >= 0x90 && b <= 0xBF;
    case 0xF4: return b >= 0x80 && b <= 0x8F;
    default: return b >= 0x80 && b <= 0xBF;
    }
}

bool is_cont(uint8_t b) { return (b & 0xC0) == 0x80; }

// Skips a run of ASCII from i, eight bytes at a time.
size_t skip_ascii(const uint8_t* p, size_t i, size_t n) {
    while (i + 8 <= n) {
        uint64_t w;
        std::memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ULL) break;
        i += 8;
    }
    while (i < n && p[i] < 0x80) ++i;
    return i;
}

}  // namespace

size_t find_invalid(std::string_view s, bool allow_truncated_tail) {
    const auto* p = reinterpret_cast<const uint8_t*>(s.data());
    const size_t n = s.size();
    size_t i = 0;
    for (;;) {
        i = skip_ascii(p, i, n);
        if (i >= n) return npos;
        size_t len = lead_length(p[i]);
        if (len == 0) return i;
        for (size_t k = 1; k < len; ++k) {
            if (i + k >= n) return allow_truncated_tail ? npos : i;
            bool ok = (k == 1) ? second_ok(p[i], p[i + k]) : is_cont(p[i + k]);
            if (!ok) return i;
        }
        i += len;
    }
}

Census census(std::string_view s) {
    Census c;
    size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<uint8_t>(s[i]);
        if (b < 0x80) { ++i; continue; }
        const size_t len = lead_length(b);
        if (len != 0 && i + len > s.size()) {  // cut off by the end of the sample
            if (find_invalid(s.substr(i), true) != npos) ++c.invalid;
            break;
        }
        if (len != 0 && find_invalid(s.substr(i, len)) == npos) {
            ++c.valid_multibyte;
            i += len;
        } else {
            ++c.invalid;  // one damage event: the byte and the continuation bytes after it
            ++i;
            while (i < s.size() && is_cont(static_cast<uint8_t>(s[i]))) ++i;
        }
    }
    return c;
}

size_t count_code_points(std::string_view s) {
    size_t n = 0;
    for (char c : s) n += !is_cont(static_cast<uint8_t>(c));
    return n;
}

size_t sequence_length(std::string_view s, size_t i) {
    size_t len = lead_length(static_cast<uint8_t>(s[i]));
    if (len == 0) len = 1;
    return std::min(len, s.size() - i);
}

void append_code_point(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

}  // namespace baton::records::utf8
