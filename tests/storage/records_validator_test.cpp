// Tests of row validation (storage/records/validator.h) and key hashing (key_hash.h).
#include <catch2/catch.hpp>

#include "core/crypto.h"
#include "storage/records/validator.h"

using namespace baton;
using namespace baton::records;

namespace {
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

Schema schema_of(const char* json) {
    auto s = parse_schema(json, "test.json");
    REQUIRE(s);
    return *s;
}

const char* kCustomers = R"({"set":"customers","primary_key":["id"],"fields":[
    {"name":"id","type":"string"},
    {"name":"name","type":"string","required":true},
    {"name":"id_number","type":"cn_resident_id","unique":true},
    {"name":"rating","type":"enum","values":["A","B"]}]})";

const char* kOrders = R"({"set":"orders","primary_key":["customer","seq"],"fields":[
    {"name":"customer","type":"string","references":"customers.id"},
    {"name":"seq","type":"integer"},
    {"name":"uscc","type":"cn_uscc"}]})";

using Row = std::vector<FieldValue>;

struct Fixture {
    Secret<32> key = crypto::random_secret<32>();
    KeyHasher hasher{key};
    ValidatorOptions opt{CivilDate{2026, 1, 1}};
};

std::vector<std::string> kinds(const std::vector<Problem>& ps) {
    std::vector<std::string> out;
    for (const auto& p : ps) out.push_back(p.kind);
    return out;
}
}  // namespace

TEST_CASE("validator accepts a clean row and counts nulls per field", "[records][validator]") {
    Fixture fx;
    Schema s = schema_of(kCustomers);
    auto v = Validator::create(s, fx.hasher, nullptr, fx.opt);
    REQUIRE(v);
    std::vector<Problem> out;
    CHECK((*v)->check_row(2, Row{"C1", "Ann", "11010519491231002X", "A"}, out));
    CHECK((*v)->check_row(3, Row{"C2", "Bo", std::nullopt, std::nullopt}, out));
    CHECK(out.empty());
    CHECK((*v)->stats().rows == 2);
    CHECK((*v)->stats().nulls == std::vector<uint64_t>{0, 0, 1, 1});
}

TEST_CASE("validator reports required, type and enum problems with line and field", "[records][validator]") {
    Fixture fx;
    Schema s = schema_of(kCustomers);
    auto v = Validator::create(s, fx.hasher, nullptr, fx.opt);
    std::vector<Problem> out;
    CHECK_FALSE((*v)->check_row(7, Row{std::nullopt, std::nullopt, "11010519491231002Y", "AAA"}, out));
    CHECK(kinds(out) == std::vector<std::string>{"required_missing", "required_missing", "bad_format", "not_in_enum"});
    CHECK(out[0].field == "id");  // primary key fields are required
    CHECK(out[0].line == 7);
    CHECK(out[2].field == "id_number");
    CHECK(format_problem("c.csv", out[3]) == "c.csv:7: field 'rating': not one of the schema's values for this field");
    CHECK((*v)->stats().errors_by_kind.at("required_missing") == 2);
    CHECK((*v)->stats().rows_with_errors == 1);
}

TEST_CASE("validator bad resident-ID checksum names line and field", "[records][validator]") {
    Fixture fx;
    Schema s = schema_of(kCustomers);
    auto v = Validator::create(s, fx.hasher, nullptr, fx.opt);
    std::vector<Problem> out;
    CHECK_FALSE((*v)->check_row(4, Row{"C1", "Ann", "110101199003077513", std::nullopt}, out));
    REQUIRE(out.size() == 1);
    CHECK(format_problem("c.csv", out[0]) ==
          "c.csv:4: field 'id_number': check character is 3, GB 11643 gives 2");
}

TEST_CASE("validator finds duplicate primary keys and unique values", "[records][validator]") {
    Fixture fx;
    Schema s = schema_of(kCustomers);
    auto v = Validator::create(s, fx.hasher, nullptr, fx.opt);
    std::vector<Problem> out;
    CHECK((*v)->check_row(2, Row{"C1", "Ann", "11010519491231002X", std::nullopt}, out));
    CHECK_FALSE((*v)->check_row(3, Row{"C1", "Bo", "110101199003077512", std::nullopt}, out));
    CHECK_FALSE((*v)->check_row(4, Row{"C2", "Cy", "11010519491231002X", std::nullopt}, out));
    CHECK((*v)->check_row(5, Row{"C3", "Di", std::nullopt, std::nullopt}, out));
    CHECK((*v)->check_row(6, Row{"C4", "Ed", std::nullopt, std::nullopt}, out));  // nulls never collide
    REQUIRE(out.size() == 2);
    CHECK(out[0].kind == "duplicate_key");
    CHECK(out[0].line == 3);
    CHECK(out[0].field == "id");
    CHECK(out[1].kind == "duplicate_value");
    CHECK(out[1].field == "id_number");
    CHECK((*v)->primary_key_hashes().size() == 3);  // C1, C3, C4
}

TEST_CASE("validator does not record the keys of refused rows", "[records][validator]") {
    Fixture fx;
    Schema s = schema_of(kCustomers);
    auto v = Validator::create(s, fx.hasher, nullptr, fx.opt);
    std::vector<Problem> out;
    CHECK_FALSE((*v)->check_row(2, Row{"C1", std::nullopt, std::nullopt, std::nullopt}, out));  // name missing
    out.clear();
    CHECK((*v)->check_row(3, Row{"C1", "Ann", std::nullopt, std::nullopt}, out));
    CHECK(out.empty());
}

TEST_CASE("validator composite primary key and dangling references", "[records][validator]") {
    Fixture fx;
    Schema customers = schema_of(kCustomers), orders = schema_of(kOrders);
    auto cv = Validator::create(customers, fx.hasher, nullptr, fx.opt);
    std::vector<Problem> out;
    REQUIRE((*cv)->check_row(2, Row{"C1", "Ann", std::nullopt, std::nullopt}, out));

    MapReferenceLookup lookup;
    lookup.add(Reference{"customers", "id"}, (*cv)->value_hashes(0));
    auto ov = Validator::create(orders, fx.hasher, &lookup, fx.opt);
    REQUIRE(ov);
    CHECK((*ov)->check_row(2, Row{"C1", "1", std::nullopt}, out));
    CHECK((*ov)->check_row(3, Row{"C1", "2", std::nullopt}, out));
    CHECK_FALSE((*ov)->check_row(4, Row{"C1", "1", std::nullopt}, out));
    CHECK_FALSE((*ov)->check_row(5, Row{"C9", "1", std::nullopt}, out));
    REQUIRE(out.size() == 2);
    CHECK(out[0].kind == "duplicate_key");
    CHECK(out[0].field == "customer, seq");
    CHECK(out[1].kind == "dangling_reference");
    CHECK(format_problem("o.csv", out[1]) == "o.csv:5: field 'customer': no record of customers has this id");
}

TEST_CASE("validator refuses to start when a referenced set is not available", "[records][validator]") {
    Fixture fx;
    Schema orders = schema_of(kOrders);
    auto none = Validator::create(orders, fx.hasher, nullptr, fx.opt);
    REQUIRE_FALSE(none);
    CHECK(none.error().kind() == ErrorKind::conflict);
    CHECK(contains(none.error().message(), "field 'customer' references customers.id, which is not imported"));
}

TEST_CASE("validator counts warnings separately and accepts the row", "[records][validator]") {
    Fixture fx;
    Schema customers = schema_of(kCustomers), orders = schema_of(kOrders);
    auto cv = Validator::create(customers, fx.hasher, nullptr, fx.opt);
    MapReferenceLookup lookup;
    lookup.add(Reference{"customers", "id"}, (*cv)->value_hashes(0));
    auto ov = Validator::create(orders, fx.hasher, &lookup, fx.opt);
    std::vector<Problem> out;
    REQUIRE((*cv)->check_row(2, Row{"C1", "Ann", std::nullopt, std::nullopt}, out));
    CHECK((*ov)->check_row(2, Row{"C1", "1", "91350100M000100Y44"}, out));
    REQUIRE(out.size() == 1);
    CHECK(out[0].severity == Severity::warning);
    CHECK(format_problem("o.csv", out[0]) == "o.csv:2: warning: field 'uscc': check character is 4, GB 32100 gives 3");
    CHECK((*ov)->stats().warnings_by_kind.at("bad_checksum") == 1);
    CHECK((*ov)->stats().rows_with_warnings == 1);
    CHECK((*ov)->stats().errors_by_kind.empty());
}

TEST_CASE("columns map to schema fields by name", "[records][validator]") {
    Schema s = schema_of(kCustomers);
    std::vector<std::string> cols{"rating", "id", "name", "id_number"};
    auto m = map_columns(s, cols, "c.csv");
    REQUIRE(m);
    Record rec;
    rec.values = {"A", "C1", "Ann", std::nullopt};
    std::vector<FieldValue> row;
    map_row(*m, rec, row);
    CHECK(row == std::vector<FieldValue>{"C1", "Ann", std::nullopt, "A"});
    std::vector<std::string> bad{"id", "name", "extra"};
    auto e = map_columns(s, bad, "c.csv");
    REQUIRE_FALSE(e);
    CHECK(
        e.error().message() ==
        "c.csv: the columns do not match schema customers; not in the schema: 'extra'; missing: 'id_number', 'rating'");
}

TEST_CASE("key hashes separate tuples, nulls and keys", "[records][validator]") {
    Fixture fx;
    const KeyHasher& h = fx.hasher;
    CHECK(h.hash(Row{"ab", "c"}) != h.hash(Row{"a", "bc"}));
    CHECK(h.hash(Row{std::nullopt}) != h.hash(Row{""}));
    CHECK(h.hash(Row{"x"}) == h.hash_one("x"));
    KeyHasher other{crypto::random_secret<32>()};
    CHECK(other.hash_one("x") != h.hash_one("x"));
}

// The encoding is what stored hashes of earlier imports were made with: it must never change.
// Built here from key_hash.cpp's description of the input, byte by byte.
TEST_CASE("key hashes are BLAKE2b-128, keyed, of the documented tuple encoding", "[records][validator]") {
    Secret<32> key;
    for (size_t i = 0; i < key.size(); ++i) key.data()[i] = static_cast<uint8_t>(i);
    const KeyHasher hasher{key};
    auto expected = [&](const Row& row) {
        crypto::Blake2b h(16, key.view());
        auto be = [&](uint64_t v, int n) {
            Bytes b;
            for (int i = n - 1; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
            h.update(b);
        };
        be(row.size(), 4);
        for (const auto& v : row) {
            be(v ? 1 : 0, 1);
            be(v ? v->size() : 0, 8);
            if (v) h.update(as_bytes(*v));
        }
        const Bytes d = h.finish();
        KeyHash k{};
        REQUIRE(d.size() == k.size());
        std::copy(d.begin(), d.end(), k.begin());
        return k;
    };
    const std::string long_value(2000, 'x');
    for (const Row& row : {Row{"C-0001"}, Row{"ab", "c"}, Row{std::nullopt, ""}, Row{}, Row{"k", long_value}}) {
        INFO(row.size() << " values");
        CHECK(hasher.hash(row) == expected(row));
    }
    CHECK(hasher.hash_one("C-0001") == expected(Row{"C-0001"}));
}

TEST_CASE("key hash set grows and keeps every member", "[records][validator]") {
    Fixture fx;
    KeyHashSet set;
    int fresh = 0;
    for (int i = 0; i < 100000; ++i) fresh += set.insert(fx.hasher.hash_one(std::to_string(i)));
    CHECK(fresh == 100000);
    CHECK(set.size() == 100000);
    CHECK_FALSE(set.insert(fx.hasher.hash_one("99999")));
    CHECK(set.contains(fx.hasher.hash_one("0")));
    CHECK_FALSE(set.contains(fx.hasher.hash_one("100000")));
    CHECK(set.insert(KeyHash{}));
    CHECK_FALSE(set.insert(KeyHash{}));
    size_t n = 0;
    set.for_each([&](const KeyHash&) { ++n; });
    CHECK(n == 100001);
    CHECK(set.memory_bytes() <= 100001 * 43);
}
