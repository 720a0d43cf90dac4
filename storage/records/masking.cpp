#include "storage/records/masking.h"

#include <cstdlib>

#include "core/bytes.h"
#include "core/crypto.h"
#include "storage/records/utf8.h"

namespace baton::records {

namespace {

constexpr std::pair<MaskRule, std::string_view> kRules[] = {{MaskRule::keep, "keep"},
                                                            {MaskRule::mask, "mask"},
                                                            {MaskRule::pseudonymize, "pseudonymize"},
                                                            {MaskRule::drop, "drop"}};

bool ascii_digits(std::string_view s) {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

// Keeps the first `head` and last `tail` code points; each one between becomes '*'.
std::string keep_ends(std::string_view v, size_t head, size_t tail) {
    std::vector<size_t> starts;  // byte offset of each code point
    for (size_t i = 0; i < v.size(); i += utf8::sequence_length(v, i)) starts.push_back(i);
    const size_t n = starts.size();
    if (head + tail >= n) return std::string(v);
    std::string out(v.substr(0, starts[head]));
    out.append(n - head - tail, '*');
    if (tail > 0) out.append(v.substr(starts[n - tail]));
    return out;
}

std::string mask_general(std::string_view v) {
    const size_t n = utf8::count_code_points(v);
    if (n <= 1) return n == 0 ? std::string() : "*";
    if (n == 2) return keep_ends(v, 1, 0);
    return keep_ends(v, 1, 1);
}

// RFC 4648 base32, lowercase, no padding.
std::string base32(ByteView b) {
    static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    std::string out;
    uint32_t buffer = 0;
    int bits = 0;
    for (uint8_t byte : b) {
        buffer = (buffer << 8) | byte;
        bits += 8;
        while (bits >= 5) {
            out += kAlphabet[(buffer >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
    return out;
}

}  // namespace

Result<MaskRule> parse_mask_rule(std::string_view name) {
    for (const auto& [rule, n] : kRules)
        if (n == name) return rule;
    return usage_error("unknown mask rule '" + std::string(name) + "' (use keep, mask, pseudonymize or drop)");
}

std::string_view mask_rule_name(MaskRule rule) {
    for (const auto& [r, n] : kRules)
        if (r == rule) return n;
    return "?";
}

Result<MaskSpec> parse_mask_spec(std::string_view text) {
    const size_t dot = text.find('.'), eq = text.rfind('=');
    if (dot == std::string_view::npos || eq == std::string_view::npos || eq < dot || dot == 0 || eq == dot + 1)
        return usage_error("a mask is SET.FIELD=RULE, not '" + std::string(text) + "'");
    BATON_ASSIGN(MaskRule rule, parse_mask_rule(text.substr(eq + 1)));
    return MaskSpec{std::string(text.substr(0, dot)), std::string(text.substr(dot + 1, eq - dot - 1)), rule};
}

std::string mask_value(FieldType type, std::string_view v) {
    if (type == FieldType::cn_mobile && v.size() == 11 && ascii_digits(v)) return keep_ends(v, 3, 4);
    if (type == FieldType::cn_resident_id && v.size() == 18 && utf8::count_code_points(v) == 18)
        return keep_ends(v, 6, 4);
    return mask_general(v);
}

std::string Pseudonymizer::token(std::string_view value) const {
    static constexpr std::string_view kDomain("baton-pseudonym-v1\0", 19);
    crypto::Blake2b h(16, key_.view());
    h.update(as_bytes(kDomain));
    h.update(as_bytes(value));
    return "p_" + base32(h.finish());
}

std::optional<std::string> apply_mask(MaskRule rule, FieldType type, FieldValue value, const Pseudonymizer* p) {
    if (rule == MaskRule::drop || !value) return std::nullopt;
    switch (rule) {
    case MaskRule::keep: return std::string(*value);
    case MaskRule::mask: return mask_value(type, *value);
    case MaskRule::pseudonymize:
        if (!p) std::abort();  // our bug: the caller must supply the deal's pseudonymizer
        return p->token(*value);
    case MaskRule::drop: break;
    }
    return std::nullopt;
}

}  // namespace baton::records
