// Byte buffers and views, and the text encodings of bytes (hex, base64) used in files and logs.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace baton {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline ByteView as_bytes(std::string_view s) {
    return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
inline std::string_view as_chars(ByteView b) {
    return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}
inline Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// Appends `tail` to `out`.
inline void append(Bytes& out, ByteView tail) { out.insert(out.end(), tail.begin(), tail.end()); }

// Lowercase hex of `b`.
std::string to_hex(ByteView b);
// Parses hex (either case, no separators). Fails with bad_input naming `what` on odd length
// or a non-hex character.
Result<Bytes> from_hex(std::string_view hex, std::string_view what = "hex");

// Standard base64 with padding.
std::string to_base64(ByteView b);
// Parses standard base64 with padding. Fails with bad_input naming `what`.
Result<Bytes> from_base64(std::string_view text, std::string_view what = "base64");

// Fixed-width big-endian integers, as used in signed byte layouts.
void put_u64_be(Bytes& out, uint64_t v);
void put_u32_be(Bytes& out, uint32_t v);
uint64_t get_u64_be(const uint8_t* p);
uint32_t get_u32_be(const uint8_t* p);

}  // namespace baton
