// storage/credentials.h: certificates, trust anchors, revocation lists and issued serials as
// stored state, with the conflicts that protect them.
#include <catch2/catch.hpp>

#include "storage/credentials.h"
#include "storage_test_util.h"

using namespace baton;
using namespace baton::storage;
using namespace baton::storage::testing;

namespace {

constexpr UnixTime kNow = 1767225600;
const Bytes kAuthority(32, 0xA1);
const Bytes kOtherAuthority(32, 0xB2);

struct CredFixture {
    TempDir dir;
    Database db = open_db(dir.file("baton.db"));

    void issue(int64_t serial, const std::string& deal) {
        REQUIRE(record_issued(db, {serial, deal, "seller", "Seller Ltd", Bytes(32, 0x51), kNow + 1000, false}, kNow).ok());
    }
};

StoredRevocationList crl(const std::string& deal, const Bytes& issuer, int64_t number) {
    return {deal, issuer, number, to_bytes("crl " + std::to_string(number))};
}

}  // namespace

TEST_CASE("an older or equal revocation list is refused and the newer one kept", "[credentials]") {
    CredFixture f;
    REQUIRE(put_revocation_list(f.db, crl("D1", kAuthority, 2), kNow).ok());
    for (int64_t older : {int64_t{1}, int64_t{2}}) {
        auto st = put_revocation_list(f.db, crl("D1", kAuthority, older), kNow);
        INFO("number " << older);
        REQUIRE_FALSE(st.ok());
        CHECK(st.error().kind() == ErrorKind::conflict);
    }
    auto lists = revocation_lists(f.db);
    REQUIRE(lists.ok());
    REQUIRE(lists->size() == 1);
    CHECK(lists->front().number == 2);
    CHECK(lists->front().envelope == to_bytes("crl 2"));
}

TEST_CASE("a newer revocation list replaces the stored one", "[credentials]") {
    CredFixture f;
    REQUIRE(put_revocation_list(f.db, crl("D1", kAuthority, 1), kNow).ok());
    REQUIRE(put_revocation_list(f.db, crl("D1", kAuthority, 3), kNow).ok());
    auto lists = revocation_lists(f.db);
    REQUIRE(lists.ok());
    REQUIRE(lists->size() == 1);
    CHECK(lists->front().number == 3);
}

TEST_CASE("revocation lists of other deals and other issuers are kept apart", "[credentials]") {
    CredFixture f;
    REQUIRE(put_revocation_list(f.db, crl("D1", kAuthority, 5), kNow).ok());
    CHECK(put_revocation_list(f.db, crl("D2", kAuthority, 1), kNow).ok());
    CHECK(put_revocation_list(f.db, crl("D1", kOtherAuthority, 1), kNow).ok());
    auto lists = revocation_lists(f.db);
    REQUIRE(lists.ok());
    CHECK(lists->size() == 3);
}

TEST_CASE("a trust anchor added twice is refused the second time", "[credentials]") {
    CredFixture f;
    const StoredAnchor anchor{"D1", kAuthority, "Authority Co", to_bytes("identity")};
    REQUIRE(add_trust_anchor(f.db, anchor, kNow).ok());
    auto again = add_trust_anchor(f.db, anchor, kNow);
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().kind() == ErrorKind::conflict);
    CHECK_THAT(again.error().message(), Catch::Contains("already trusted"));
    // The same authority for another deal, and another authority for the same deal, are distinct.
    CHECK(add_trust_anchor(f.db, {"D2", kAuthority, "Authority Co", to_bytes("identity")}, kNow).ok());
    CHECK(add_trust_anchor(f.db, {"D1", kOtherAuthority, "Other", to_bytes("identity")}, kNow).ok());
    auto anchors = trust_anchors(f.db);
    REQUIRE(anchors.ok());
    CHECK(anchors->size() == 3);
}

TEST_CASE("next_serial starts at 1 and increments with each issued certificate", "[credentials]") {
    CredFixture f;
    for (int64_t expected = 1; expected <= 4; ++expected) {
        auto serial = next_serial(f.db);
        REQUIRE(serial.ok());
        CHECK(*serial == expected);
        f.issue(*serial, expected % 2 ? "D1" : "D2");  // serials are global, not per deal
    }
    auto issued = issued_certificates(f.db);
    REQUIRE(issued.ok());
    CHECK(issued->size() == 4);
}

TEST_CASE("a serial cannot be recorded as issued twice", "[credentials]") {
    CredFixture f;
    f.issue(1, "D1");
    CHECK_FALSE(record_issued(f.db, {1, "D2", "buyer", "Buyer", Bytes(32, 0x52), kNow, false}, kNow).ok());
}

TEST_CASE("mark_revoked of a serial never issued here is refused", "[credentials]") {
    CredFixture f;
    f.issue(1, "D1");
    auto unknown = mark_revoked(f.db, "D1", 99, kNow);
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().kind() == ErrorKind::conflict);
    // A serial issued for another deal is unknown for this one.
    auto other_deal = mark_revoked(f.db, "D2", 1, kNow);
    REQUIRE_FALSE(other_deal.ok());
    CHECK(other_deal.error().kind() == ErrorKind::conflict);
    CHECK(revoked_serials(f.db, "D1")->empty());
}

TEST_CASE("mark_revoked records the serial in the deal's revoked list", "[credentials]") {
    CredFixture f;
    f.issue(1, "D1");
    f.issue(2, "D1");
    f.issue(3, "D2");
    REQUIRE(mark_revoked(f.db, "D1", 2, kNow).ok());
    REQUIRE(mark_revoked(f.db, "D1", 2, kNow + 5).ok());  // revoking again is harmless
    CHECK(*revoked_serials(f.db, "D1") == std::vector<uint64_t>{2});
    CHECK(revoked_serials(f.db, "D2")->empty());
    auto issued = issued_certificates(f.db);
    REQUIRE(issued.ok());
    CHECK_FALSE((*issued)[0].revoked);
    CHECK((*issued)[1].revoked);
}

TEST_CASE("revocation list numbers count up per deal", "[credentials]") {
    CredFixture f;
    CHECK(*next_revocation_number(f.db, "D1") == 1);
    CHECK(*next_revocation_number(f.db, "D1") == 2);
    CHECK(*next_revocation_number(f.db, "D2") == 1);
    CHECK(*next_revocation_number(f.db, "D1") == 3);
}

TEST_CASE("an own certificate replaces the one stored for the same deal and role", "[credentials]") {
    CredFixture f;
    REQUIRE(put_own_certificate(f.db, {"D1", "seller", 1, to_bytes("first")}, kAuthority, kNow + 10, kNow).ok());
    REQUIRE(put_own_certificate(f.db, {"D1", "seller", 2, to_bytes("second")}, kAuthority, kNow + 10, kNow).ok());
    REQUIRE(put_own_certificate(f.db, {"D1", "witness", 3, to_bytes("third")}, kAuthority, kNow + 10, kNow).ok());
    auto own = own_certificates(f.db);
    REQUIRE(own.ok());
    REQUIRE(own->size() == 2);
    CHECK((*own)[0].role == "seller");
    CHECK((*own)[0].serial == 2);
    CHECK((*own)[0].envelope == to_bytes("second"));
    CHECK((*own)[1].role == "witness");
}
