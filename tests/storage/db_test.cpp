// storage/db.h: migrations, the durability pragmas, and transactions that roll back unless
// committed.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include <sqlite3.h>

#include "storage/migrations.h"
#include "storage_test_util.h"

using namespace baton;
using namespace baton::storage;
using namespace baton::storage::testing;

TEST_CASE("a new database is migrated to the latest schema", "[db]") {
    TempDir dir;
    auto db = open_db(dir.file("baton.db"));
    CHECK(latest_schema_version() >= 1);
    CHECK(db.schema_version() == latest_schema_version());
    for (const char* table : {"meta", "audit", "own_certificates", "trust_anchors", "revocation_lists",
                              "issued_certificates", "issued_revocation_lists"}) {
        INFO(table);
        auto st = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
        REQUIRE(st.ok());
        st->bind(1, std::string_view(table));
        REQUIRE(*st->step());
        CHECK(st->column_int64(0) == 1);
    }
}

TEST_CASE("migrations run once: reopening keeps the schema version and the data", "[db]") {
    TempDir dir;
    const std::string path = dir.file("baton.db");
    {
        auto db = open_db(path);
        REQUIRE(db.set_meta("marker", "kept").ok());
    }
    for (int i = 0; i < 3; ++i) {
        auto db = open_db(path, false);  // would fail if a CREATE TABLE ran again
        CHECK(db.schema_version() == latest_schema_version());
        CHECK(query_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'audit'") == 1);
        auto marker = db.meta("marker");
        REQUIRE(marker.ok());
        CHECK(*marker == std::optional<std::string>("kept"));
    }
}

TEST_CASE("a database newer than this program is refused", "[db]") {
    TempDir dir;
    const std::string path = dir.file("baton.db");
    {
        auto db = open_db(path);
        REQUIRE(db.exec("PRAGMA user_version = " + std::to_string(latest_schema_version() + 1)).ok());
    }
    auto db = Database::open(path, false);
    REQUIRE_FALSE(db.ok());
    CHECK(db.error().kind() == ErrorKind::conflict);
    CHECK_THAT(db.error().message(), Catch::Contains("newer"));
}

TEST_CASE("opening a missing database without create fails naming the path", "[db]") {
    TempDir dir;
    auto db = Database::open(dir.file("absent.db"), false);
    REQUIRE_FALSE(db.ok());
    CHECK(db.error().kind() == ErrorKind::io);
    CHECK_THAT(db.error().message(), Catch::Contains("absent.db"));
}

TEST_CASE("the database runs in WAL mode with synchronous=FULL", "[db]") {
    TempDir dir;
    const std::string path = dir.file("baton.db");
    {
        auto db = open_db(path);
        CHECK(query_text(db, "PRAGMA journal_mode") == "wal");
        CHECK(query_int(db, "PRAGMA synchronous") == 2);  // 2 = FULL
        CHECK(query_int(db, "PRAGMA foreign_keys") == 1);
        CHECK(query_int(db, "PRAGMA secure_delete") == 1);
        CHECK(query_int(db, "PRAGMA temp_store") == 2);  // 2 = MEMORY
    }
    // synchronous is per connection: a reopened database must set it again.
    auto db = open_db(path, false);
    CHECK(query_text(db, "PRAGMA journal_mode") == "wal");
    CHECK(query_int(db, "PRAGMA synchronous") == 2);
}

TEST_CASE("a transaction that is not committed rolls back", "[db][transaction]") {
    TempDir dir;
    auto db = open_db(dir.file("baton.db"));
    {
        auto tx = Transaction::begin(db);
        REQUIRE(tx.ok());
        REQUIRE(db.set_meta("k", "uncommitted").ok());
        CHECK(*db.meta("k") == std::optional<std::string>("uncommitted"));  // visible inside
    }
    CHECK(*db.meta("k") == std::nullopt);
}

TEST_CASE("a committed transaction survives reopening", "[db][transaction]") {
    TempDir dir;
    const std::string path = dir.file("baton.db");
    {
        auto db = open_db(path);
        auto tx = Transaction::begin(db);
        REQUIRE(tx.ok());
        REQUIRE(db.set_meta("k", "committed").ok());
        REQUIRE(tx->commit().ok());
    }
    auto db = open_db(path, false);
    CHECK(*db.meta("k") == std::optional<std::string>("committed"));
}

TEST_CASE("a transaction cannot begin inside another", "[db][transaction]") {
    TempDir dir;
    auto db = open_db(dir.file("baton.db"));
    auto outer = Transaction::begin(db);
    REQUIRE(outer.ok());
    auto inner = Transaction::begin(db);
    CHECK_FALSE(inner.ok());
    REQUIRE(db.set_meta("k", "v").ok());
    REQUIRE(outer->commit().ok());
    CHECK(*db.meta("k") == std::optional<std::string>("v"));
}

TEST_CASE("set_meta replaces an existing value", "[db]") {
    TempDir dir;
    auto db = open_db(dir.file("baton.db"));
    REQUIRE(db.set_meta("k", "one").ok());
    REQUIRE(db.set_meta("k", "two").ok());
    CHECK(*db.meta("k") == std::optional<std::string>("two"));
    CHECK(query_int(db, "SELECT count(*) FROM meta WHERE key = 'k'") == 1);
}

TEST_CASE("a failing statement reports an io error with SQLite's message", "[db]") {
    TempDir dir;
    auto db = open_db(dir.file("baton.db"));
    auto bad = db.prepare("SELECT * FROM no_such_table");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().kind() == ErrorKind::io);
    CHECK_THAT(bad.error().message(), Catch::Contains("no_such_table"));
}

TEST_CASE("opening waits for a lock another connection holds for a moment", "[db]") {
    TempDir dir;
    const std::string path = dir.file("baton.db");
    { auto db = open_db(path); }
    // Another connection takes the database for itself (exclusive locking mode: in WAL mode,
    // others cannot even start reading) and lets go 300 ms later, as an agent killed during WAL
    // recovery or a checkpoint would. Opening must wait, not fail with "database is locked".
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE meta SET value = value; COMMIT;",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    std::thread release([other] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        sqlite3_close(other);
    });
    auto db = Database::open(path, false);
    release.join();
    INFO((db ? "" : db.error().message()));
    CHECK(db.ok());
}
