// storage/handover_store.h, seller and buyer: a stage prepared from imported sets, checked with
// its content key, read back set by set; tampering, wrong keys, masking rules, exact totals and
// the absence of plaintext from the database files.
#include <catch2/catch.hpp>

#include <chrono>

#include "handover_test_util.h"
#include "storage/records/masking.h"

using namespace baton;
using namespace baton::storage;
using namespace baton::storage::testing;

namespace {

const std::vector<PrepareSet> kBothSetsKept{{"customers", {}}, {"orders", {}}};
// Enough orders for more than five 4 KiB chunks after compression.
constexpr size_t kManyOrders = 20000;

// Sum of decimal texts with two or three digits, in thousandths, for small test values.
int64_t thousandths(const std::string& v) {
    const bool neg = v[0] == '-';
    const std::string body = neg ? v.substr(1) : v;
    const size_t dot = body.find('.');
    std::string frac = dot == std::string::npos ? "" : body.substr(dot + 1);
    frac.resize(3, '0');
    const int64_t x = std::stoll(body.substr(0, dot)) * 1000 + std::stoll(frac);
    return neg ? -x : x;
}

void flip_chunk_byte(Database& db, uint32_t stage_number, uint32_t index) {
    auto chunk = read_chunk(db, "deal-1", stage_number, index);
    REQUIRE(chunk.ok());
    (*chunk)[chunk->size() / 2] ^= 0x01;
    auto st = db.prepare("UPDATE handover_chunks SET ciphertext = ? WHERE stage_number = ? AND idx = ?");
    REQUIRE(st.ok());
    st->bind_blob(1, *chunk).bind(2, int64_t{stage_number}).bind(3, int64_t{index});
    REQUIRE(st->run().ok());
}

}  // namespace

TEST_CASE("a prepared stage checks with its content key: counts, totals and digest as prepared", "[handover]") {
    Seller s;
    const auto customers = make_customers(3000), orders = make_orders(5000);
    s.import(kCustomersSchema, kCustomersColumns, customers);
    s.import(kOrdersSchema, kOrdersColumns, orders);
    std::vector<uint64_t> calls;
    auto st = s.prepare(s.request(0, kBothSetsKept),
                        [&](uint64_t done, uint64_t total, uint64_t) { calls.push_back(total == 8000 ? done : 0); });
    REQUIRE(st.ok());
    CHECK(st->chunk_count > 10);  // 4 KiB chunks: batches cross chunk boundaries
    CHECK(st->chunk_count == (st->plaintext_bytes + 4095) / 4096);
    CHECK(st->ciphertext_bytes == st->plaintext_bytes + 16 * st->chunk_count);
    REQUIRE(st->sets.size() == 2);
    CHECK(st->sets[0].records == 3000);
    CHECK(st->sets[1].records == 5000);
    int64_t balance = 0, amount = 0;
    for (const auto& r : customers)
        if (r[3]) balance += thousandths(*r[3]);
    for (const auto& r : orders) amount += thousandths(*r[2]);
    REQUIRE(st->sets[0].totals.size() == 1);
    CHECK(st->sets[0].totals[0].field == "balance");
    CHECK(thousandths(st->sets[0].totals[0].sum) == balance);
    CHECK(st->sets[0].totals[0].sum.size() - st->sets[0].totals[0].sum.find('.') == 3);  // two digits
    CHECK(thousandths(st->sets[1].totals[0].sum) == amount);
    REQUIRE_FALSE(calls.empty());
    CHECK(std::is_sorted(calls.begin(), calls.end()));
    CHECK(calls.back() == 8000);

    auto check = s.check(0, *st);
    REQUIRE(check.ok());
    INFO(check->code << ": " << check->detail);
    REQUIRE(check->ok);
    CHECK(check->plaintext_digest == st->plaintext_digest);
    CHECK(check->plaintext_bytes == st->plaintext_bytes);
    REQUIRE(check->sets.size() == 2);
    for (size_t i = 0; i < 2; ++i) {
        CHECK(check->sets[i].records == st->sets[i].records);
        REQUIRE(check->sets[i].totals.size() == st->sets[i].totals.size());
        CHECK(check->sets[i].totals[0].sum == st->sets[i].totals[0].sum);
    }
    auto row = find_stage(s.db, "deal-1", 0);
    REQUIRE(row.ok());
    REQUIRE(row->has_value());
    CHECK((*row)->state == "prepared");
    CHECK((*row)->chunk_count == st->chunk_count);
    auto hashes = load_chunk_hashes(s.db, "deal-1", 0);
    REQUIRE(hashes.ok());
    CHECK(hashes->size() == st->chunk_count);
}

TEST_CASE("the wrong content key fails the check at chunk 0", "[handover]") {
    Seller s;
    s.import(kOrdersSchema, kOrdersColumns, make_orders(100));
    auto st = s.prepare(s.request(0, {{"orders", {}}}));
    REQUIRE(st.ok());
    auto check = check_stage(s.db, "deal-1", 0, crypto::random_secret<32>(), st->chunk_size, s.check_sets(*st));
    REQUIRE(check.ok());
    CHECK_FALSE(check->ok);
    CHECK(check->code == "chunk_decrypt_failed");
    CHECK_THAT(check->detail, Catch::Contains("chunk 0"));
}

TEST_CASE("a flipped byte in a stored chunk fails the check and the reader naming that chunk", "[handover]") {
    Seller s;
    s.import(kOrdersSchema, kOrdersColumns, make_orders(kManyOrders));
    auto st = s.prepare(s.request(0, {{"orders", {}}}));
    REQUIRE(st.ok());
    REQUIRE(st->chunk_count > 5);
    flip_chunk_byte(s.db, 0, 4);
    auto check = s.check(0, *st);
    REQUIRE(check.ok());
    CHECK_FALSE(check->ok);
    CHECK(check->code == "chunk_decrypt_failed");
    CHECK_THAT(check->detail, Catch::Contains("chunk 4"));
    auto read = s.read_set(0, *st, 0);
    REQUIRE_FALSE(read.ok());
    CHECK(read.error().kind() == ErrorKind::verify_failed);
    CHECK_THAT(read.error().message(), Catch::Contains("chunk 4"));
}

TEST_CASE("a missing last chunk or swapped chunks fail the check", "[handover]") {
    Seller s;
    s.import(kOrdersSchema, kOrdersColumns, make_orders(kManyOrders));
    auto st = s.prepare(s.request(0, {{"orders", {}}}));
    REQUIRE(st.ok());
    SECTION("dropped from the end") {
        REQUIRE(s.db.exec("DELETE FROM handover_chunks WHERE idx = " + std::to_string(st->chunk_count - 1)).ok());
        auto check = s.check(0, *st);
        REQUIRE(check.ok());
        CHECK(check->code == "chunk_missing");
    }
    SECTION("swapped") {
        REQUIRE(s.db.exec("UPDATE handover_chunks SET idx = idx + 100 WHERE idx IN (1, 2);"
                          "UPDATE handover_chunks SET idx = 103 - idx WHERE idx IN (101, 102)").ok());
        auto check = s.check(0, *st);
        REQUIRE(check.ok());
        CHECK(check->code == "chunk_decrypt_failed");
        CHECK_THAT(check->detail, Catch::Contains("chunk 1"));
    }
}

TEST_CASE("the set reader gives back each set's values under keep, mask, pseudonymize and drop", "[handover]") {
    Seller s;
    const auto customers = make_customers(700), orders = make_orders(900);
    s.import(kCustomersSchema, kCustomersColumns, customers);
    s.import(kOrdersSchema, kOrdersColumns, orders);
    std::vector<PrepareSet> sets{
        {"customers", {{"name", "mask"}, {"mobile", "pseudonymize"}, {"note", "drop"}, {"id", "keep"}}},
        {"orders", {{"customer", "pseudonymize"}}}};
    auto st = s.prepare(s.request(0, sets));
    REQUIRE(st.ok());
    const auto& c = st->sets[0];
    CHECK(c.columns == std::vector<std::string>{"name", "id", "mobile", "balance"});
    REQUIRE(c.masks.size() == 5);
    CHECK(c.masks[1].name == "name");
    CHECK(c.masks[1].rule == "mask");
    CHECK(c.masks[3].rule == "keep");
    CHECK(c.masks[4].rule == "drop");
    auto sent = records::parse_schema(c.schema_json, "sent");
    REQUIRE(sent.ok());
    CHECK(sent->field_names() == std::vector<std::string>{"id", "name", "mobile", "balance"});
    CHECK(sent->fields[2].type == records::FieldType::string);
    CHECK_FALSE(sent->fields[2].unique);
    CHECK_FALSE(sent->fields[1].max_length.has_value());
    CHECK(sent->fields[3].type == records::FieldType::decimal);
    CHECK(sent->primary_key == std::vector<std::string>{"id"});
    auto sent_orders = records::parse_schema(st->sets[1].schema_json, "sent");
    REQUIRE(sent_orders.ok());
    CHECK_FALSE(sent_orders->fields[1].references.has_value());

    records::Pseudonymizer p(s.pseudonym_key);
    std::vector<Row> expected;
    for (const auto& r : customers) {
        auto name = r[1] ? std::optional<std::string>(records::mask_value(records::FieldType::string, *r[1])) : std::nullopt;
        auto mobile = r[2] ? std::optional<std::string>(p.token(*r[2])) : std::nullopt;
        expected.push_back(Row{name, r[0], mobile, r[3]});
    }
    auto back = s.read_set(0, *st, 0);
    REQUIRE(back.ok());
    CHECK(*back == expected);
    CHECK((*back)[0][0] == "张**三");

    std::vector<Row> expected_orders;
    for (const auto& r : orders) expected_orders.push_back(Row{r[0], p.token(*r[1]), r[2]});
    auto back_orders = s.read_set(0, *st, 1);
    REQUIRE(back_orders.ok());
    CHECK(*back_orders == expected_orders);
    // The same customer id gives the same pseudonym in every row: joins still work.
    CHECK((*back_orders)[0][1] == (*back_orders)[50][1]);

    auto check = s.check(0, *st);
    REQUIRE(check.ok());
    INFO(check->detail);
    CHECK(check->ok);
    CHECK(check->sets[0].totals.size() == 1);
}

TEST_CASE("chunk sizes of 4 KiB and 1 MiB give the same plaintext digest", "[handover]") {
    Seller s;
    s.import(kCustomersSchema, kCustomersColumns, make_customers(2000));
    auto small = s.prepare(s.request(0, {{"customers", {}}}, 4096));
    auto big = s.prepare(s.request(1, {{"customers", {}}}, 1u << 20));
    REQUIRE(small.ok());
    REQUIRE(big.ok());
    CHECK(small->plaintext_digest == big->plaintext_digest);
    CHECK(small->plaintext_bytes == big->plaintext_bytes);
    CHECK(big->chunk_count == 1);
    CHECK(small->chunk_count > 1);
    CHECK(small->merkle_root != big->merkle_root);
    auto check = s.check(1, *big);
    REQUIRE(check.ok());
    CHECK(check->ok);
    CHECK(check->plaintext_digest == small->plaintext_digest);
}

TEST_CASE("decimal totals are exact for large values and negatives", "[handover]") {
    Seller s;
    std::vector<Row> rows;
    for (int i = 0; i < 1000; ++i) rows.push_back(Row{std::to_string(i + 1), "C1", "12345678901234567.89"});
    rows.push_back(Row{"5000", "C1", "-0.001"});
    rows.push_back(Row{"5001", "C1", "-99999999999999999999999999999999999.999"});
    s.import(kOrdersSchema, kOrdersColumns, rows);
    auto st = s.prepare(s.request(0, {{"orders", {}}}));
    REQUIRE(st.ok());
    // 1000 x 12345678901234567.89 = 12345678901234567890, minus 0.001, minus the 38-digit one.
    CHECK(st->sets[0].totals[0].sum == "-99999999999999987654321098765432110.000");
    auto check = s.check(0, *st);
    REQUIRE(check.ok());
    CHECK(check->ok);
    CHECK(check->sets[0].totals[0].sum == st->sets[0].totals[0].sum);
}

TEST_CASE("an empty set makes a stage of one empty chunk that checks", "[handover]") {
    Seller s;
    s.import(kOrdersSchema, kOrdersColumns, {});
    auto st = s.prepare(s.request(0, {{"orders", {}}}));
    REQUIRE(st.ok());
    CHECK(st->chunk_count == 1);
    CHECK(st->plaintext_bytes == 0);
    CHECK(st->ciphertext_bytes == 16);
    CHECK(st->sets[0].records == 0);
    CHECK(st->sets[0].totals[0].sum == "0.000");
    auto check = s.check(0, *st);
    REQUIRE(check.ok());
    CHECK(check->ok);
    CHECK(check->plaintext_digest == st->plaintext_digest);
    auto back = s.read_set(0, *st, 0);
    REQUIRE(back.ok());
    CHECK(back->empty());
}

TEST_CASE("values that break the schema as sent are reported with set, record and field", "[handover]") {
    Seller s;
    s.import(kCustomersSchema, kCustomersColumns, make_customers(20));
    auto st = s.prepare(s.request(0, {{"customers", {{"mobile", "pseudonymize"}}}}));
    REQUIRE(st.ok());
    auto sets = s.check_sets(*st);
    // Claim the pseudonymized mobile is still a mobile number: every token breaks it.
    auto schema = records::parse_schema(sets[0].schema_json, "sent");
    REQUIRE(schema.ok());
    schema->fields[2].type = records::FieldType::cn_mobile;
    sets[0].schema_json = records::schema_to_json(*schema);
    auto key = load_content_key(s.db, s.key, "deal-1", 0);
    REQUIRE(key.ok());
    auto check = check_stage(s.db, "deal-1", 0, *key, st->chunk_size, sets);
    REQUIRE(check.ok());
    CHECK_FALSE(check->ok);
    CHECK(check->code == "schema_violation");
    CHECK_THAT(check->detail, Catch::Contains("set customers, record 1, field 'mobile'"));
    SECTION("a schema that does not parse is schema_invalid") {
        sets[0].schema_json = "{}";
        auto bad = check_stage(s.db, "deal-1", 0, *key, st->chunk_size, sets);
        REQUIRE(bad.ok());
        CHECK(bad->code == "schema_invalid");
    }
    SECTION("fewer sets than the batches name is unknown_set") {
        s.import(kOrdersSchema, kOrdersColumns, make_orders(3));
        auto two = s.prepare(s.request(1, {{"customers", {}}, {"orders", {}}}));
        REQUIRE(two.ok());
        auto one = s.check_sets(*two);
        one.pop_back();
        auto k1 = load_content_key(s.db, s.key, "deal-1", 1);
        REQUIRE(k1.ok());
        auto bad = check_stage(s.db, "deal-1", 1, *k1, two->chunk_size, one);
        REQUIRE(bad.ok());
        CHECK(bad->code == "unknown_set");
    }
}

TEST_CASE("preparation refuses an existing stage, a missing set, unknown fields and rules", "[handover]") {
    Seller s;
    s.import(kCustomersSchema, kCustomersColumns, make_customers(5));
    REQUIRE(s.prepare(s.request(0, {{"customers", {}}})).ok());
    auto again = s.prepare(s.request(0, {{"customers", {}}}));
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().kind() == ErrorKind::conflict);
    auto missing = s.prepare(s.request(1, {{"accounts", {}}}));
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().kind() == ErrorKind::conflict);
    auto no_field = s.prepare(s.request(1, {{"customers", {{"email", "drop"}}}}));
    REQUIRE_FALSE(no_field.ok());
    CHECK(no_field.error().kind() == ErrorKind::bad_input);
    auto bad_rule = s.prepare(s.request(1, {{"customers", {{"name", "hide"}}}}));
    REQUIRE_FALSE(bad_rule.ok());
    CHECK(bad_rule.error().kind() == ErrorKind::usage);
    auto no_key = s.prepare(s.request(1, {{"customers", {{"id", "drop"}}}}));
    REQUIRE_FALSE(no_key.ok());
    CHECK_THAT(no_key.error().message(), Catch::Contains("primary key"));
    auto outside = prepare_stage(s.db, s.key, s.request(1, {{"customers", {}}}), {}, 1);
    REQUIRE_FALSE(outside.ok());
    CHECK(outside.error().kind() == ErrorKind::internal);
    auto small = s.prepare(s.request(1, {{"customers", {}}}, 100));
    REQUIRE_FALSE(small.ok());
    CHECK(small.error().kind() == ErrorKind::bad_input);
    auto stages = list_stages(s.db, "deal-1");
    REQUIRE(stages.ok());
    CHECK(stages->size() == 1);  // the failed preparations left nothing (their transactions rolled back)
    CHECK(query_int(s.db, "SELECT count(DISTINCT stage_number) FROM handover_chunks") == 1);
}

TEST_CASE("no record value is in the database files in plaintext after a preparation", "[handover]") {
    Seller s;
    const std::string canary = "CANARY-5d1e-顾客备注";
    auto rows = make_customers(50);
    rows[17][4] = canary;
    s.import(kCustomersSchema, kCustomersColumns, rows);
    auto st = s.prepare(s.request(0, {{"customers", {}}}));
    REQUIRE(st.ok());
    auto back = s.read_set(0, *st, 0);
    REQUIRE(back.ok());
    CHECK((*back)[17][4] == canary);  // it is in the stage
    const std::string db_path = s.dir.file("baton.db");
    for (const std::string& f : {db_path, db_path + "-wal"}) {
        INFO(f);
        CHECK(file_bytes(f).find("CANARY") == std::string::npos);
        CHECK(file_bytes(f).find("13800000017") == std::string::npos);
    }
    REQUIRE(s.db.exec("PRAGMA wal_checkpoint(FULL)").ok());
    CHECK(file_bytes(db_path).find("CANARY") == std::string::npos);
}

TEST_CASE("a stage moves from the seller's chunks into the buyer's store and checks there", "[handover]") {
    Seller seller;
    seller.import(kOrdersSchema, kOrdersColumns, make_orders(2000));
    auto st = seller.prepare(seller.request(0, {{"orders", {}}}));
    REQUIRE(st.ok());
    REQUIRE(save_manifest(seller.db, "deal-1", 0, to_bytes("manifest")).ok());
    auto hashes = load_chunk_hashes(seller.db, "deal-1", 0);
    REQUIRE(hashes.ok());

    TempDir dir;
    Database buyer = open_db(dir.file("buyer.db"));
    const InboundStage inbound{"deal-1", 0, "stage0", to_bytes("manifest"), st->chunk_count, st->chunk_size,
                               st->ciphertext_bytes};
    REQUIRE(save_inbound_stage(buyer, inbound, 1).ok());
    REQUIRE(save_chunk_hashes(buyer, "deal-1", 0, *hashes, 2).ok());
    for (uint32_t i = 0; i < st->chunk_count; ++i) {
        auto chunk = read_chunk(seller.db, "deal-1", 0, i);
        REQUIRE(chunk.ok());
        REQUIRE(store_chunk(buyer, "deal-1", 0, i, *chunk).ok());
    }
    auto content_key = load_content_key(seller.db, seller.key, "deal-1", 0);
    REQUIRE(content_key.ok());
    auto check = check_stage(buyer, "deal-1", 0, *content_key, st->chunk_size, seller.check_sets(*st));
    REQUIRE(check.ok());
    CHECK(check->ok);
    CHECK(check->plaintext_digest == st->plaintext_digest);
    CHECK(check->sets[0].records == 2000);

    const crypto::Key32 buyer_key = crypto::random_secret<32>();
    REQUIRE(save_content_key(buyer, buyer_key, "deal-1", 0, *content_key).ok());
    auto reader = StageSetReader::open(buyer, buyer_key, "deal-1", 0, seller.check_sets(*st)[0], 0, st->chunk_size);
    REQUIRE(reader.ok());
    std::vector<FieldValue> row;
    auto first = reader->next(row);
    REQUIRE(first.ok());
    REQUIRE(*first);
    CHECK(copy_row(row) == make_orders(1)[0]);
}

TEST_CASE("preparing 100k records: throughput", "[.][handover_bench]") {
    Seller s;
    s.import(kCustomersSchema, kCustomersColumns, make_customers(100000));
    const auto t0 = std::chrono::steady_clock::now();
    auto st = s.prepare(s.request(0, {{"customers", {{"mobile", "pseudonymize"}, {"name", "mask"}}}}, 1u << 20));
    const double prep = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    REQUIRE(st.ok());
    const auto t1 = std::chrono::steady_clock::now();
    auto check = s.check(0, *st);
    const double chk = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    REQUIRE(check.ok());
    REQUIRE(check->ok);
    WARN("plaintext " << st->plaintext_bytes / 1e6 << " MB in " << st->chunk_count << " chunks; prepare " << prep
                      << " s = " << st->plaintext_bytes / 1e6 / prep << " MB/s; check " << chk << " s = "
                      << st->plaintext_bytes / 1e6 / chk << " MB/s");
}
