#include "core/bytes.h"

#include <sodium.h>

namespace baton {

std::string to_hex(ByteView b) {
    std::string out(b.size() * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), b.data(), b.size());
    out.pop_back();
    return out;
}

Result<Bytes> from_hex(std::string_view hex, std::string_view what) {
    if (hex.size() % 2 != 0) return input_error(std::string(what) + ": odd number of hex digits");
    if (hex.empty()) return Bytes{};  // sodium_hex2bin's output pointer is nonnull; an empty vector's is null
    Bytes out(hex.size() / 2);
    size_t len = 0;
    const char* end = nullptr;
    if (sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &len, &end) != 0 ||
        end != hex.data() + hex.size() || len != out.size())
        return input_error(std::string(what) + ": not valid hex");
    return out;
}

std::string to_base64(ByteView b) {
    const int variant = sodium_base64_VARIANT_ORIGINAL;
    std::string out(sodium_base64_ENCODED_LEN(b.size(), variant), '\0');
    sodium_bin2base64(out.data(), out.size(), b.data(), b.size(), variant);
    out.pop_back();
    return out;
}

Result<Bytes> from_base64(std::string_view text, std::string_view what) {
    Bytes out(text.size() / 4 * 3 + 3);
    size_t len = 0;
    const char* end = nullptr;
    if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != text.data() + text.size())
        return input_error(std::string(what) + ": not valid base64");
    out.resize(len);
    return out;
}

void put_u64_be(Bytes& out, uint64_t v) {
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void put_u32_be(Bytes& out, uint32_t v) {
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint64_t get_u64_be(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
    return v;
}

uint32_t get_u32_be(const uint8_t* p) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | p[i];
    return v;
}

}  // namespace baton
