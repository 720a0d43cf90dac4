// core/bytes.h: hex and base64 text encodings and the big-endian helpers.
#include <catch2/catch.hpp>

#include "core/bytes.h"

using namespace baton;

namespace {

Bytes all_byte_values() {
    Bytes b;
    for (int i = 0; i < 256; ++i) b.push_back(static_cast<uint8_t>(i));
    return b;
}

}  // namespace

TEST_CASE("hex round-trips every byte value and prints lowercase", "[bytes]") {
    const Bytes b = all_byte_values();
    const std::string hex = to_hex(b);
    CHECK(hex.size() == 512);
    CHECK(hex.substr(0, 8) == "00010203");
    CHECK(hex.substr(504) == "fcfdfeff");
    auto back = from_hex(hex);
    REQUIRE(back);
    CHECK(*back == b);
}

TEST_CASE("hex accepts upper case and the empty string", "[bytes]") {
    auto upper = from_hex("DEADbeef");
    REQUIRE(upper);
    CHECK(*upper == Bytes{0xde, 0xad, 0xbe, 0xef});
    auto empty = from_hex("");
    REQUIRE(empty);
    CHECK(empty->empty());
    CHECK(to_hex(Bytes{}).empty());
}

TEST_CASE("hex rejects odd length, non-hex characters and separators, naming the field", "[bytes]") {
    for (const char* bad : {"abc", "zz", "0g", "de ad", "de:ad", "0x00", " 00", "00 ", "\xff\xff"}) {
        auto r = from_hex(bad, "public_key");
        REQUIRE_FALSE(r);
        CHECK(r.error().kind() == ErrorKind::bad_input);
        CHECK(r.error().message().find("public_key") != std::string::npos);
    }
}

TEST_CASE("base64 round-trips every length up to 70 with standard padding", "[bytes]") {
    const Bytes all = all_byte_values();
    for (size_t n = 0; n <= 70; ++n) {
        const Bytes b(all.begin() + 100, all.begin() + 100 + static_cast<long>(n));
        const std::string text = to_base64(b);
        CHECK(text.size() == (n + 2) / 3 * 4);
        auto back = from_base64(text);
        REQUIRE(back);
        CHECK(*back == b);
    }
    CHECK(to_base64(as_bytes("foobar")) == "Zm9vYmFy");
    CHECK(to_base64(as_bytes("fo")) == "Zm8=");
    CHECK(to_base64(as_bytes("+/")) == "Ky8=");
}

TEST_CASE("base64 rejects missing padding, url-safe alphabet, junk and trailing data", "[bytes]") {
    for (const char* bad : {"Zm8", "Zm9v YmFy", "Zm8=Zm8=", "Zm8==", "-_8=", "Zm9v\n", "!!!!", "Zm8=x"}) {
        auto r = from_base64(bad, "root");
        CHECK_FALSE(r);
        if (!r) CHECK(r.error().message().find("root") != std::string::npos);
    }
    auto empty = from_base64("");
    REQUIRE(empty);
    CHECK(empty->empty());
}

TEST_CASE("big-endian integers are written most significant byte first and read back", "[bytes]") {
    Bytes out;
    put_u32_be(out, 0x01020304u);
    put_u64_be(out, 0x0a0b0c0d0e0f1011ull);
    CHECK(out == Bytes{1, 2, 3, 4, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11});
    CHECK(get_u32_be(out.data()) == 0x01020304u);
    CHECK(get_u64_be(out.data() + 4) == 0x0a0b0c0d0e0f1011ull);
}
