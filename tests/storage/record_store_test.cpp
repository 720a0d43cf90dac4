// storage/record_store.h, record_batch.h, record_refs.h: sets sealed in batches, read back
// exactly, and every kind of tampering with the stored batches detected.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

#include "storage/record_refs.h"
#include "storage/record_store.h"
#include "storage/records/schema.h"
#include "storage_test_util.h"

using namespace baton;
using namespace baton::storage;
using namespace baton::storage::testing;
using Row = std::vector<std::optional<std::string>>;

namespace {

const std::string kCanary = "CANARY-7f3a9c1e-顾客";

std::vector<FieldValue> views(const Row& r) {
    std::vector<FieldValue> v;
    for (const auto& x : r) v.push_back(x ? FieldValue(*x) : std::nullopt);
    return v;
}

Row copy(const std::vector<FieldValue>& r) {
    Row out;
    for (const auto& v : r) out.push_back(v ? std::optional<std::string>(std::string(*v)) : std::nullopt);
    return out;
}

// n rows of three fields, with nulls, empty-looking and long values; row 7 holds the canary.
std::vector<Row> make_rows(size_t n) {
    std::vector<Row> rows;
    for (size_t i = 0; i < n; ++i) {
        Row r{"K" + std::to_string(i), std::nullopt, std::string(i % 300, 'x') + "张三 😀\r\n\"q\""};
        if (i % 3 == 0) r[1] = "  0" + std::to_string(i) + "  ";
        if (i == 7) r[1] = kCanary;
        rows.push_back(std::move(r));
    }
    return rows;
}

struct Store {
    TempDir dir;
    Database db = open_db(dir.file("baton.db"));
    crypto::Key32 key = crypto::random_secret<32>();

    RecordSetWriter::Params params(const std::string& name = "customers") {
        return {name, R"({"set":")" + name + R"("})", {"id", "name", "note"}, 3, "in.csv", "csv"};
    }

    Result<RecordSetInfo> write(const std::vector<Row>& rows, const std::string& name = "customers", bool replace = false) {
        auto tx = Transaction::begin(db);
        REQUIRE(tx.ok());
        BATON_ASSIGN(auto w, RecordSetWriter::begin(db, key, params(name), replace));
        for (const auto& r : rows) BATON_TRY(w.add(views(r)));
        BATON_ASSIGN(auto info, w.finish(0, "utf-8", 1700000000));
        BATON_TRY(tx->commit());
        return info;
    }

    Result<std::vector<Row>> read(const std::string& name = "customers") {
        BATON_ASSIGN(auto r, RecordSetReader::open(db, key, name));
        std::vector<Row> out;
        std::vector<FieldValue> row;
        for (;;) {
            BATON_ASSIGN(bool more, r.next(row));
            if (!more) return out;
            out.push_back(copy(row));
        }
    }
};

void require_verify_failure(Store& s, const std::string& what) {
    auto r = s.read();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind() == ErrorKind::verify_failed);
    CHECK_THAT(r.error().message(), Catch::Contains(what));
}

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("a set spanning several batches reads back the same rows, nulls included", "[record_store]") {
    Store s;
    const auto rows = make_rows(2 * kBatchRecords + 5);
    auto info = s.write(rows);
    REQUIRE(info.ok());
    CHECK(info->records == rows.size());
    CHECK(query_int(s.db, "SELECT count(*) FROM record_batches") >= 3);
    auto back = s.read();
    REQUIRE(back.ok());
    CHECK(*back == rows);
    auto listed = list_record_sets(s.db);
    REQUIRE(listed.ok());
    REQUIRE(listed->size() == 1);
    CHECK((*listed)[0].digest == info->digest);
    CHECK((*listed)[0].source_encoding == "utf-8");
    CHECK((*listed)[0].columns == std::vector<std::string>{"id", "name", "note"});
}

TEST_CASE("the content digest covers the records, not how they were cut into batches", "[record_store]") {
    Store s;
    const auto rows = make_rows(kBatchRecords + 1);
    auto info = s.write(rows);
    REQUIRE(info.ok());
    ContentDigest expected(3);
    for (const auto& r : rows) {
        BatchEncoder one;
        one.add(views(r));
        expected.update(one.records_bytes());
    }
    CHECK(expected.finish() == info->digest);
    Store other;
    auto changed_rows = rows;
    changed_rows[5][2] = *changed_rows[5][2] + " ";
    auto changed = other.write(changed_rows);
    REQUIRE(changed.ok());
    CHECK(changed->digest != info->digest);
}

TEST_CASE("values of every length class and nulls decode as encoded", "[record_store]") {
    std::vector<std::string> values;
    for (size_t n : {0u, 1u, 126u, 127u, 128u, 16383u, 16384u, 2u << 20}) values.push_back(std::string(n, 'v'));
    BatchEncoder enc;
    std::vector<FieldValue> row(values.begin(), values.end());
    row.push_back(std::nullopt);
    enc.add(row);
    enc.add(row);  // past kBatchBytes: the buffer grows
    const ByteView plain = enc.plaintext();
    auto dec = BatchDecoder::parse(Bytes(plain.begin(), plain.end()), row.size());
    REQUIRE(dec.ok());
    REQUIRE(dec->records() == 2);
    std::vector<FieldValue> back;
    dec->record(1, back);
    CHECK(back == row);
    CHECK(back[0].has_value());  // empty text is not null
}

TEST_CASE("importing an existing set is refused unless replacing, and a replace rolls back whole", "[record_store]") {
    Store s;
    const auto first = make_rows(10);
    REQUIRE(s.write(first).ok());
    auto again = s.write(make_rows(3));
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().kind() == ErrorKind::conflict);
    {
        auto tx = Transaction::begin(s.db);
        REQUIRE(tx.ok());
        auto w = RecordSetWriter::begin(s.db, s.key, s.params(), true);
        REQUIRE(w.ok());
        REQUIRE(w->add(views(make_rows(1)[0])).ok());
        REQUIRE(w->finish(0, "utf-8", 1).ok());
    }  // never committed
    auto back = s.read();
    REQUIRE(back.ok());
    CHECK(*back == first);
    const auto second = make_rows(4);
    REQUIRE(s.write(second, "customers", true).ok());
    CHECK(*s.read() == second);
    CHECK(query_int(s.db, "SELECT count(*) FROM record_sets") == 1);
    CHECK(query_int(s.db, "SELECT count(*) FROM record_batches") == 1);
}

TEST_CASE("swapped batches fail authentication", "[record_store]") {
    Store s;
    REQUIRE(s.write(make_rows(2 * kBatchRecords)).ok());
    REQUIRE(s.db.exec("UPDATE record_batches SET batch = batch + 100 WHERE batch IN (0, 1);"
                      "UPDATE record_batches SET batch = 101 - batch WHERE batch IN (100, 101)").ok());
    require_verify_failure(s, "does not authenticate");
}

TEST_CASE("a batch carried over from an earlier import of the same set fails authentication", "[record_store]") {
    Store s;
    REQUIRE(s.write(make_rows(5)).ok());
    REQUIRE(s.db.exec("CREATE TABLE saved AS SELECT nonce, ciphertext FROM record_batches").ok());
    REQUIRE(s.write(make_rows(6), "customers", true).ok());
    REQUIRE(s.db.exec("UPDATE record_batches SET nonce = (SELECT nonce FROM saved), "
                      "ciphertext = (SELECT ciphertext FROM saved)").ok());
    require_verify_failure(s, "does not authenticate");
}

TEST_CASE("a batch moved to another set fails authentication", "[record_store]") {
    Store s;
    REQUIRE(s.write(make_rows(5)).ok());
    REQUIRE(s.write(make_rows(5), "accounts").ok());
    REQUIRE(s.db.exec("DELETE FROM record_batches WHERE set_id = (SELECT id FROM record_sets WHERE name = 'customers');"
                      "UPDATE record_batches SET set_id = (SELECT id FROM record_sets WHERE name = 'customers') "
                      "WHERE set_id = (SELECT id FROM record_sets WHERE name = 'accounts')").ok());
    require_verify_failure(s, "does not authenticate");
}

TEST_CASE("a deleted or flipped batch is detected", "[record_store]") {
    Store s;
    REQUIRE(s.write(make_rows(2 * kBatchRecords + 1)).ok());
    SECTION("the last batch deleted") {
        REQUIRE(s.db.exec("DELETE FROM record_batches WHERE batch = (SELECT max(batch) FROM record_batches)").ok());
        require_verify_failure(s, "expected");
    }
    SECTION("the last batch deleted and the count lowered to match") {
        REQUIRE(s.db.exec("UPDATE record_sets SET records = records - (SELECT records FROM record_batches "
                          "WHERE batch = (SELECT max(batch) FROM record_batches));"
                          "DELETE FROM record_batches WHERE batch = (SELECT max(batch) FROM record_batches)").ok());
        require_verify_failure(s, "digest");
    }
    SECTION("a middle batch deleted") {
        REQUIRE(s.db.exec("DELETE FROM record_batches WHERE batch = 1").ok());
        require_verify_failure(s, "missing");
    }
    SECTION("one ciphertext bit flipped") {
        REQUIRE(s.db.exec("UPDATE record_batches SET ciphertext = substr(ciphertext, 1, 99) || "
                          "(CASE WHEN substr(ciphertext, 100, 1) = X'00' THEN X'01' ELSE X'00' END) || "
                          "substr(ciphertext, 101) WHERE batch = 1").ok());
        require_verify_failure(s, "does not authenticate");
    }
}

TEST_CASE("another storage key cannot read a set", "[record_store]") {
    Store s;
    REQUIRE(s.write(make_rows(3)).ok());
    s.key = crypto::random_secret<32>();
    require_verify_failure(s, "does not authenticate");
}

TEST_CASE("set keys are derived per set and differ from the key-hash secret", "[record_store]") {
    const auto storage_key = crypto::random_secret<32>();
    const auto a = derive_set_key(storage_key, "customers");
    CHECK(a.equals(derive_set_key(storage_key, "customers")));
    CHECK_FALSE(a.equals(derive_set_key(storage_key, "accounts")));
    CHECK_FALSE(a.equals(derive_set_key(crypto::random_secret<32>(), "customers")));
    CHECK_FALSE(a.equals(derive_key_hash_secret(storage_key)));
    CHECK_FALSE(a.equals(storage_key));
}

TEST_CASE("malformed batch plaintexts are refused", "[record_store]") {
    auto parse = [](Bytes b) { return BatchDecoder::parse(std::move(b), 2); };
    CHECK_FALSE(parse({}).ok());
    CHECK_FALSE(parse({0, 0, 0, 0}).ok());                      // no records
    CHECK_FALSE(parse({0, 0, 0, 1, 0}).ok());                   // one field of two
    CHECK_FALSE(parse({0, 0, 0, 1, 0, 0x80}).ok());             // length cut short
    CHECK_FALSE(parse({0, 0, 0, 1, 0, 0x82, 0x00, 'a'}).ok());  // length not in its shortest form
    CHECK_FALSE(parse({0, 0, 0, 1, 0, 0xff, 0xff, 0xff, 0xff, 0x7f}).ok());  // length above 2^32
    CHECK_FALSE(parse({0, 0, 0, 1, 0, 10, 'a'}).ok());          // value runs past the end
    CHECK_FALSE(parse({0, 0, 0, 1, 0, 0, 7}).ok());             // trailing byte
    auto good = parse({0, 0, 0, 1, 0, 2, 'a'});
    REQUIRE(good.ok());
    std::vector<FieldValue> row;
    good->record(0, row);
    CHECK_FALSE(row[0].has_value());
    CHECK(row[1] == FieldValue("a"));
}

TEST_CASE("key hashes are stored in parts and load back whole", "[record_store]") {
    Store s;
    records::KeyHashSet hashes;
    records::KeyHasher hasher(derive_key_hash_secret(s.key));
    for (int i = 0; i < 70000; ++i) hashes.insert(hasher.hash_one("C" + std::to_string(i)));
    auto tx = Transaction::begin(s.db);
    auto w = RecordSetWriter::begin(s.db, s.key, s.params(), false);
    REQUIRE(w.ok());
    REQUIRE(w->add(views(make_rows(1)[0])).ok());
    REQUIRE(w->add_key_hashes("id", hashes).ok());
    auto info = w->finish(0, "utf-8", 1);
    REQUIRE(info.ok());
    REQUIRE(tx->commit().ok());
    CHECK(query_int(s.db, "SELECT count(*) FROM record_key_hashes") == 2);
    auto loaded = load_key_hashes(s.db, info->id, "id");
    REQUIRE(loaded.ok());
    CHECK(loaded->size() == 70000);
    CHECK(loaded->contains(hasher.hash_one("C69999")));
    CHECK_FALSE(loaded->contains(hasher.hash_one("C70000")));
}

TEST_CASE("no record value reaches the database or its WAL in plaintext", "[record_store]") {
    Store s;
    REQUIRE(s.write(make_rows(20)).ok());
    const std::string db_path = s.dir.file("baton.db");
    for (const std::string& f : {db_path, db_path + "-wal", db_path + "-shm"}) {
        INFO(f);
        CHECK(file_bytes(f).find(kCanary) == std::string::npos);
        CHECK(file_bytes(f).find("CANARY") == std::string::npos);
    }
    REQUIRE(s.db.exec("PRAGMA wal_checkpoint(FULL)").ok());
    CHECK(file_bytes(db_path).find("CANARY") == std::string::npos);
}
