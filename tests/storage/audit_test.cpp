// storage/audit.h: the hash-chained audit log. Any edit or deletion, including of the newest
// rows, is found, and the first bad row is named.
#include <catch2/catch.hpp>

#include "storage/audit.h"
#include "storage_test_util.h"

using namespace baton;
using namespace baton::storage;
using namespace baton::storage::testing;

namespace {

constexpr UnixTime kT0 = 1767225600;
constexpr int64_t kRows = 8;

struct AuditFixture {
    TempDir dir;
    Database db = open_db(dir.file("baton.db"));

    AuditFixture() {
        for (int64_t i = 1; i <= kRows; ++i)
            REQUIRE(append_audit(db, kT0 + i, "event." + std::to_string(i), "detail of row " + std::to_string(i)).ok());
    }

    AuditVerdict verify() {
        auto v = verify_audit(db);
        REQUIRE(v.ok());
        return *v;
    }

    void sql(const std::string& s) { REQUIRE(db.exec(s).ok()); }
};

}  // namespace

TEST_CASE("an untouched audit chain verifies", "[audit]") {
    AuditFixture f;
    const auto v = f.verify();
    CHECK(v.ok());
    CHECK(v.rows == kRows);
    CHECK(v.first_bad_seq == 0);
}

TEST_CASE("an empty audit chain verifies", "[audit]") {
    TempDir dir;
    auto db = open_db(dir.file("baton.db"));
    auto v = verify_audit(db);
    REQUIRE(v.ok());
    CHECK(v->ok());
    CHECK(v->rows == 0);
}

TEST_CASE("audit rows link to their predecessor and read back oldest first", "[audit]") {
    AuditFixture f;
    auto rows = read_audit(f.db, 100);
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == static_cast<size_t>(kRows));
    CHECK((*rows)[0].prev_hash == Bytes(32, 0));
    for (size_t i = 0; i < rows->size(); ++i) {
        CHECK((*rows)[i].seq == static_cast<int64_t>(i + 1));
        CHECK((*rows)[i].event == "event." + std::to_string(i + 1));
        CHECK((*rows)[i].hash.size() == 32);
        if (i > 0) CHECK((*rows)[i].prev_hash == (*rows)[i - 1].hash);
    }
    auto newest = read_audit(f.db, 3);
    REQUIRE(newest.ok());
    REQUIRE(newest->size() == 3);
    CHECK(newest->front().seq == kRows - 2);
    CHECK(newest->back().seq == kRows);
}

TEST_CASE("an edited audit row is named as the first bad row", "[audit]") {
    AuditFixture f;
    const std::string where = " WHERE seq = 3";
    SECTION("detail") { f.sql("UPDATE audit SET detail = 'nothing happened'" + where); }
    SECTION("event") { f.sql("UPDATE audit SET event = 'event.harmless'" + where); }
    SECTION("time") { f.sql("UPDATE audit SET at = at + 1" + where); }
    SECTION("hash") { f.sql("UPDATE audit SET hash = zeroblob(32)" + where); }
    SECTION("previous hash") { f.sql("UPDATE audit SET prev_hash = zeroblob(32)" + where); }
    const auto v = f.verify();
    CHECK_FALSE(v.ok());
    CHECK(v.first_bad_seq == 3);
    CHECK_THAT(v.problem, Catch::Contains("row 3"));
}

TEST_CASE("an edit of the first or the last row is found", "[audit]") {
    AuditFixture f;
    int64_t seq = GENERATE(int64_t{1}, kRows);
    f.sql("UPDATE audit SET detail = 'x' WHERE seq = " + std::to_string(seq));
    const auto v = f.verify();
    CHECK(v.first_bad_seq == seq);
}

TEST_CASE("a deleted middle audit row is named", "[audit]") {
    AuditFixture f;
    f.sql("DELETE FROM audit WHERE seq = 4");
    const auto v = f.verify();
    CHECK_FALSE(v.ok());
    CHECK(v.first_bad_seq == 4);
    CHECK_THAT(v.problem, Catch::Contains("row 4") && Catch::Contains("missing"));
}

TEST_CASE("a deleted first audit row is named", "[audit]") {
    AuditFixture f;
    f.sql("DELETE FROM audit WHERE seq = 1");
    CHECK(f.verify().first_bad_seq == 1);
}

TEST_CASE("deleting the newest audit rows is detected through the chain head", "[audit]") {
    AuditFixture f;
    SECTION("the newest row") {
        f.sql("DELETE FROM audit WHERE seq = " + std::to_string(kRows));
        const auto v = f.verify();
        CHECK_FALSE(v.ok());
        CHECK(v.first_bad_seq == kRows);
    }
    SECTION("the newest three rows") {
        f.sql("DELETE FROM audit WHERE seq > " + std::to_string(kRows - 3));
        CHECK(f.verify().first_bad_seq == kRows - 2);
    }
    SECTION("every row") {
        f.sql("DELETE FROM audit");
        CHECK(f.verify().first_bad_seq == 1);
    }
}

TEST_CASE("rows renumbered to hide a deletion are found", "[audit]") {
    AuditFixture f;
    f.sql("DELETE FROM audit WHERE seq = 5");
    f.sql("UPDATE audit SET seq = seq - 1 WHERE seq > 5");
    CHECK(f.verify().first_bad_seq == 5);
}

TEST_CASE("an audit row appended inside a rolled-back transaction leaves the chain intact", "[audit]") {
    AuditFixture f;
    {
        auto tx = Transaction::begin(f.db);
        REQUIRE(tx.ok());
        REQUIRE(append_audit(f.db, kT0 + 100, "cert.issue", "rolled back").ok());
    }
    const auto v = f.verify();
    CHECK(v.ok());
    CHECK(v.rows == kRows);
    REQUIRE(append_audit(f.db, kT0 + 101, "after", "rollback").ok());
    CHECK(f.verify().rows == kRows + 1);
    CHECK(f.verify().ok());
}

TEST_CASE("a corrupt chain head is an error, not a silent pass", "[audit]") {
    AuditFixture f;
    f.sql("UPDATE meta SET value = 'seven' WHERE key = 'audit_head_seq'");
    auto v = verify_audit(f.db);
    CHECK((!v.ok() || !v->ok()));
}

TEST_CASE("an audit append that fails half-way leaves no partial row and the chain usable", "[audit]") {
    AuditFixture f;
    // Fault injection: the last of the append's writes, the chain head's hash, fails.
    f.sql("CREATE TRIGGER fail_head BEFORE UPDATE ON meta WHEN NEW.key = 'audit_head_hash' "
          "BEGIN SELECT RAISE(ABORT, 'injected fault'); END");
    SECTION("outside a transaction") {
        CHECK_FALSE(append_audit(f.db, kT0 + 100, "key.refused", "lost").ok());
    }
    SECTION("inside the caller's transaction, which goes on") {
        auto tx = Transaction::begin(f.db);
        REQUIRE(tx.ok());
        REQUIRE(f.db.set_meta("other", "change").ok());
        CHECK_FALSE(append_audit(f.db, kT0 + 100, "key.refused", "lost").ok());
        REQUIRE(tx->commit().ok());
        CHECK(*f.db.meta("other") == std::optional<std::string>("change"));
    }
    CHECK(query_int(f.db, "SELECT count(*) FROM audit") == kRows);
    CHECK(f.verify().ok());
    f.sql("DROP TRIGGER fail_head");
    REQUIRE(append_audit(f.db, kT0 + 101, "after", "the fault").ok());
    const auto v = f.verify();
    CHECK(v.ok());
    CHECK(v.rows == kRows + 1);
}
