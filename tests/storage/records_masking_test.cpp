// Tests of masking rules (storage/records/masking.h), DESIGN §6.
#include <catch2/catch.hpp>

#include "core/crypto.h"
#include "storage/records/masking.h"

using namespace baton;
using namespace baton::records;

TEST_CASE("mask keeps the mobile's first 3 and last 4 digits", "[records][masking]") {
    CHECK(mask_value(FieldType::cn_mobile, "13812341234") == "138****1234");
}

TEST_CASE("mask keeps the resident ID's first 6 and last 4 characters", "[records][masking]") {
    CHECK(mask_value(FieldType::cn_resident_id, "11010119900307123X") == "110101********123X");
}

TEST_CASE("mask keeps first and last code point of other values", "[records][masking]") {
    CHECK(mask_value(FieldType::string, "张小三") == "张*三");
    CHECK(mask_value(FieldType::string, "欧阳小明") == "欧**明");
    CHECK(mask_value(FieldType::email, "ann@example.com") == "a*************m");
    CHECK(mask_value(FieldType::string, "a😀b😀c") == "a***c");
    CHECK(mask_value(FieldType::string, "😀x😀") == "😀*😀");
    CHECK(mask_value(FieldType::cn_uscc, "91350100M000100Y43") == "9****************3");
}

TEST_CASE("mask of one or two characters", "[records][masking]") {
    CHECK(mask_value(FieldType::string, "张三") == "张*");
    CHECK(mask_value(FieldType::string, "ab") == "a*");
    CHECK(mask_value(FieldType::string, "张") == "*");
    CHECK(mask_value(FieldType::string, "😀") == "*");
}

TEST_CASE("mask falls back to the general rule for badly shaped IDs", "[records][masking]") {
    CHECK(mask_value(FieldType::cn_mobile, "1381234123") == "1********3");
    CHECK(mask_value(FieldType::cn_resident_id, "110101") == "1****1");
}

TEST_CASE("pseudonyms are stable per key and differ between keys", "[records][masking]") {
    auto k1 = crypto::random_secret<32>(), k2 = crypto::random_secret<32>();
    Pseudonymizer p1(k1), p1b(k1), p2(k2);
    const std::string t = p1.token("C0001");
    CHECK(t.size() == 28);
    CHECK(t.rfind("p_", 0) == 0);
    CHECK(t.find_first_not_of("abcdefghijklmnopqrstuvwxyz234567", 2) == std::string::npos);
    CHECK(p1b.token("C0001") == t);  // joins between sets still work
    CHECK(p1.token("C0002") != t);
    CHECK(p1.token(" C0001") != t);
    CHECK(p2.token("C0001") != t);
}

// Expected tokens computed independently with Python's hashlib.blake2b(key=..., digest_size=16)
// over b"baton-pseudonym-v1\0" + value, then base64.b32encode, lowercased, padding removed.
TEST_CASE("pseudonym known answers", "[records][masking]") {
    Secret<32> zero;
    CHECK(Pseudonymizer(zero).token("C0001") == "p_ykrpm5becqpck7c5siy5as7ggy");
    std::array<uint8_t, 32> seq;
    for (size_t i = 0; i < seq.size(); ++i) seq[i] = static_cast<uint8_t>(i);
    Secret<32> key{std::span<const uint8_t, 32>(seq)};
    CHECK(Pseudonymizer(key).token("C0001") == "p_lkeandbn6d74ktx25zbpd6nx7q");
    CHECK(Pseudonymizer(key).token("张三") == "p_s567vz5jamymbbht2ucoop2rwe");
}

TEST_CASE("apply_mask: nulls stay null, drop removes, keep keeps", "[records][masking]") {
    auto key = crypto::random_secret<32>();
    Pseudonymizer p(key);
    for (MaskRule r : {MaskRule::keep, MaskRule::mask, MaskRule::pseudonymize, MaskRule::drop})
        CHECK(apply_mask(r, FieldType::string, std::nullopt, &p) == std::nullopt);
    CHECK(apply_mask(MaskRule::drop, FieldType::string, "x", &p) == std::nullopt);
    CHECK(apply_mask(MaskRule::keep, FieldType::string, " 007 ", &p) == " 007 ");
    CHECK(apply_mask(MaskRule::mask, FieldType::cn_mobile, "13812341234", nullptr) == "138****1234");
    CHECK(apply_mask(MaskRule::pseudonymize, FieldType::string, "C1", &p) == p.token("C1"));
}

TEST_CASE("mask rules and specs parse", "[records][masking]") {
    CHECK(*parse_mask_rule("pseudonymize") == MaskRule::pseudonymize);
    CHECK_FALSE(parse_mask_rule("hide"));
    auto spec = parse_mask_spec("customers.mobile=mask");
    REQUIRE(spec);
    CHECK(spec->set == "customers");
    CHECK(spec->field == "mobile");
    CHECK(spec->rule == MaskRule::mask);
    CHECK(parse_mask_spec("customers.客户 姓名=drop")->field == "客户 姓名");
    CHECK_FALSE(parse_mask_spec("customers=mask"));
    CHECK_FALSE(parse_mask_spec("customers.=mask"));
    CHECK_FALSE(parse_mask_spec("customers.mobile=blur"));
}
