// certs/fingerprint.h: what people read to each other over the phone. It must be stable, forgiving
// of how it is typed, and its check character must catch every single mistyped character.
#include <catch2/catch.hpp>

#include <cctype>

#include "certs/fingerprint.h"
#include "certs_test_util.h"

using namespace baton;
using namespace baton::certs;
using namespace baton::certs::testing;

namespace {

constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// RFC 8032 §7.1 test 1: the seed and its public key.
crypto::Ed25519KeyPair rfc8032_test1() {
    auto seed = from_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    REQUIRE(seed.ok());
    return crypto::ed25519_from_seed(Secret<32>(std::span<const uint8_t, 32>(seed->data(), 32)));
}

std::string ungrouped(std::string_view fp) {
    std::string out;
    for (char c : fp)
        if (c != '-') out.push_back(c);
    return out;
}

}  // namespace

TEST_CASE("the fingerprint of a fixed key is pinned", "[fingerprint]") {
    const auto key = rfc8032_test1();
    REQUIRE(to_hex(key.public_key) == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    // Computed independently (Python hashlib.blake2b, Crockford base32, Luhn mod 32) from the
    // description in certs/fingerprint.h. Changing it breaks every fingerprint people wrote down.
    CHECK(fingerprint(key.public_key) == "QK9J-YZHQ-QPGZ-5BY9-Z4S0-5SEY-HSAQ-9W5J");
    CHECK(short_fingerprint(key.public_key) == "QK9J-YZHQ");
}

TEST_CASE("a fingerprint has eight groups of four alphabet characters and passes its own check",
          "[fingerprint]") {
    for (uint8_t fill = 0; fill < 40; ++fill) {
        const std::string fp = fingerprint(key_from_fill(fill).public_key);
        REQUIRE(fp.size() == 39);
        for (size_t i = 0; i < fp.size(); ++i) {
            if (i % 5 == 4) CHECK(fp[i] == '-');
            else CHECK(kAlphabet.find(fp[i]) != std::string_view::npos);
        }
        auto n = normalize_fingerprint(fp);
        REQUIRE(n.ok());
        CHECK(*n == fp);
    }
}

TEST_CASE("distinct keys have distinct fingerprints", "[fingerprint]") {
    CHECK(fingerprint(key_from_fill(1).public_key) != fingerprint(key_from_fill(2).public_key));
}

TEST_CASE("normalize_fingerprint accepts lowercase, spaces, missing dashes and O for 0", "[fingerprint]") {
    const std::string fp = "QK9J-YZHQ-QPGZ-5BY9-Z4S0-5SEY-HSAQ-9W5J";
    std::string lower;
    for (char c : fp) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    CHECK(*normalize_fingerprint(lower) == fp);
    CHECK(*normalize_fingerprint("QK9J YZHQ QPGZ 5BY9 Z4S0 5SEY HSAQ 9W5J") == fp);
    CHECK(*normalize_fingerprint(ungrouped(fp)) == fp);
    CHECK(*normalize_fingerprint("qk9j-yzhq qpgz5by9-z4sO-5sey-hsaq-9w5j") == fp);  // letter O read as zero
}

TEST_CASE("normalize_fingerprint reads I and L as 1", "[fingerprint]") {
    // Find a key whose fingerprint holds a 1, then type it as I and as l.
    for (uint8_t fill = 0; fill < 255; ++fill) {
        const std::string fp = fingerprint(key_from_fill(fill).public_key);
        const auto pos = fp.find('1');
        if (pos == std::string::npos) continue;
        for (char typed : {'I', 'i', 'L', 'l'}) {
            std::string t = fp;
            t[pos] = typed;
            auto n = normalize_fingerprint(t);
            REQUIRE(n.ok());
            CHECK(*n == fp);
        }
        return;
    }
    FAIL("no fingerprint with a 1 among 255 keys");
}

TEST_CASE("normalize_fingerprint refuses any single changed character at any position", "[fingerprint]") {
    for (uint8_t fill : {uint8_t{0x11}, uint8_t{0x77}, uint8_t{0xC3}}) {
        const std::string plain = ungrouped(fingerprint(key_from_fill(fill).public_key));
        REQUIRE(plain.size() == 32);
        for (size_t pos = 0; pos < plain.size(); ++pos) {
            // Every other alphabet character: the Luhn mod 32 check must catch all 31.
            for (char sub : kAlphabet) {
                if (sub == plain[pos]) continue;
                std::string typed = plain;
                typed[pos] = sub;
                auto n = normalize_fingerprint(typed);
                INFO("position " << pos << ": " << plain[pos] << " -> " << sub);
                REQUIRE_FALSE(n.ok());
                CHECK(n.error().kind() == ErrorKind::bad_input);
                CHECK_THAT(n.error().message(), Catch::Contains("check character"));
            }
        }
    }
}

TEST_CASE("normalize_fingerprint refuses a wrong length or a character outside the alphabet", "[fingerprint]") {
    const std::string plain = ungrouped(fingerprint(key_from_fill(0x11).public_key));
    CHECK_THAT(normalize_fingerprint(plain.substr(0, 31)).error().message(), Catch::Contains("expected 32"));
    CHECK_THAT(normalize_fingerprint(plain + "0").error().message(), Catch::Contains("expected 32"));
    CHECK_FALSE(normalize_fingerprint("").ok());
    for (char bad : {'U', 'u', '*', '_', '.'}) {
        std::string typed = plain;
        typed[5] = bad;
        INFO(bad);
        CHECK_THAT(normalize_fingerprint(typed).error().message(), Catch::Contains("not a fingerprint character"));
    }
}
