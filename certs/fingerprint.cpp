#include "certs/fingerprint.h"

#include <cctype>

namespace baton::certs {

namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr size_t kDataChars = 31;  // 155 bits: far beyond any feasible second preimage search
constexpr size_t kGroup = 4;

int value_of(char c) {
    auto pos = kAlphabet.find(c);
    return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

// Luhn mod N (N = 32) over the characters' values, rightmost character doubled first.
char luhn_check_char(std::string_view data) {
    int factor = 2, sum = 0;
    for (size_t i = data.size(); i-- > 0;) {
        int addend = factor * value_of(data[i]);
        factor = factor == 2 ? 1 : 2;
        sum += addend / 32 + addend % 32;
    }
    return kAlphabet[static_cast<size_t>((32 - sum % 32) % 32)];
}

std::string group(std::string_view plain) {
    std::string out;
    for (size_t i = 0; i < plain.size(); ++i) {
        if (i > 0 && i % kGroup == 0) out.push_back('-');
        out.push_back(plain[i]);
    }
    return out;
}

std::string plain_fingerprint(const crypto::PublicKey& key) {
    Bytes input = to_bytes("baton-fingerprint-v1");
    append(input, key);
    auto digest = crypto::blake2b_256(input);
    std::string chars;
    uint32_t acc = 0;
    int bits = 0;
    for (uint8_t b : digest) {
        acc = (acc << 8) | b;
        bits += 8;
        while (bits >= 5 && chars.size() < kDataChars) {
            chars.push_back(kAlphabet[(acc >> (bits - 5)) & 31]);
            bits -= 5;
        }
    }
    chars.push_back(luhn_check_char(chars));
    return chars;
}

}  // namespace

std::string fingerprint(const crypto::PublicKey& key) { return group(plain_fingerprint(key)); }

std::string short_fingerprint(const crypto::PublicKey& key) { return fingerprint(key).substr(0, 2 * kGroup + 1); }

Result<std::string> normalize_fingerprint(std::string_view typed) {
    std::string plain;
    for (char c : typed) {
        if (c == '-' || c == ' ') continue;
        char u = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (u == 'O') u = '0';
        if (u == 'I' || u == 'L') u = '1';
        if (value_of(u) < 0) return input_error(std::string("fingerprint: '") + c + "' is not a fingerprint character");
        plain.push_back(u);
    }
    if (plain.size() != kDataChars + 1)
        return input_error("fingerprint: expected 32 characters, got " + std::to_string(plain.size()));
    if (luhn_check_char(std::string_view(plain).substr(0, kDataChars)) != plain.back())
        return input_error("fingerprint: check character does not match (a character was misread)");
    return group(plain);
}

}  // namespace baton::certs
