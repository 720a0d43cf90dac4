// storage/record_refs.h: `references` between stored sets, checked against stored key hashes,
// and replacements of a referenced set refused when a stored reference would dangle.
#include <catch2/catch.hpp>

#include "storage/record_refs.h"
#include "storage/record_store.h"
#include "storage_test_util.h"

using namespace baton;
using namespace baton::storage;
using namespace baton::storage::testing;

namespace {

const char* kCustomers = R"({"set":"customers","primary_key":["customer_id"],"fields":[
    {"name":"customer_id","type":"string"},{"name":"name","type":"string"}]})";
const char* kAccounts = R"({"set":"accounts","primary_key":["account"],"fields":[
    {"name":"account","type":"string"},
    {"name":"customer_id","type":"string","references":"customers.customer_id"}]})";

records::Schema schema(const char* json) {
    auto s = records::parse_schema(json, "schema.json");
    REQUIRE(s.ok());
    return *s;
}

struct World {
    TempDir dir;
    Database db = open_db(dir.file("baton.db"));
    crypto::Key32 key = crypto::random_secret<32>();
    records::KeyHasher hasher{derive_key_hash_secret(key)};
    records::Schema customers = schema(kCustomers);
    records::Schema accounts = schema(kAccounts);

    // Checks `rows` with a validator (as an import does) and stores them with their key hashes.
    std::unique_ptr<records::Validator> import(const records::Schema& s, const std::vector<std::vector<std::string>>& rows) {
        auto refs = StoredReferences::load(db, s);
        REQUIRE(refs.ok());
        auto v = records::Validator::create(s, hasher, refs->get());
        REQUIRE(v.ok());
        auto tx = Transaction::begin(db);
        RecordSetWriter::Params p{s.set, records::schema_to_json(s), s.field_names(), s.fields.size(), "f.csv", "csv"};
        auto w = RecordSetWriter::begin(db, key, p, true);
        REQUIRE(w.ok());
        for (const auto& r : rows) {
            std::vector<FieldValue> row(r.begin(), r.end());
            std::vector<records::Problem> problems;
            REQUIRE((*v)->check_row(1, row, problems));
            REQUIRE(w->add(row).ok());
        }
        for (size_t i = 0; i < s.fields.size(); ++i)
            if (auto* h = (*v)->value_hashes(i)) REQUIRE(w->add_key_hashes(s.fields[i].name, *h).ok());
        REQUIRE(w->finish(0, "utf-8", 1).ok());
        REQUIRE(tx->commit().ok());
        return std::move(*v);
    }

    // A validator that has checked `keys` as a new import of customers, without storing it.
    std::unique_ptr<records::Validator> check_customers(const std::vector<std::string>& keys) {
        auto v = records::Validator::create(customers, hasher, nullptr);
        REQUIRE(v.ok());
        for (const auto& k : keys) {
            std::vector<FieldValue> row{k, std::nullopt};
            std::vector<records::Problem> problems;
            REQUIRE((*v)->check_row(1, row, problems));
        }
        return std::move(*v);
    }
};

}  // namespace

TEST_CASE("a reference to a set that is not imported is refused, naming the field", "[record_refs]") {
    World w;
    auto refs = StoredReferences::load(w.db, w.accounts);
    REQUIRE_FALSE(refs.ok());
    CHECK(refs.error().kind() == ErrorKind::conflict);
    CHECK_THAT(refs.error().message(), Catch::Contains("'customer_id'") && Catch::Contains("import customers first"));
}

// The schema parser refuses these too; the store does not rely on it.
TEST_CASE("a reference within one set is refused", "[record_refs]") {
    World w;
    auto self = w.accounts;
    self.fields[1].references = records::Reference{"accounts", "account"};
    auto refs = StoredReferences::load(w.db, self);
    REQUIRE_FALSE(refs.ok());
    CHECK_THAT(refs.error().message(), Catch::Contains("within one set"));
}

TEST_CASE("references resolve against the stored hashes of the referenced set", "[record_refs]") {
    World w;
    w.import(w.customers, {{"C1", "张三"}, {"C2", "李四"}});
    auto refs = StoredReferences::load(w.db, w.accounts);
    REQUIRE(refs.ok());
    const records::Reference r{"customers", "customer_id"};
    CHECK((*refs)->knows(r));
    CHECK((*refs)->contains(r, w.hasher.hash_one("C2")));
    CHECK_FALSE((*refs)->contains(r, w.hasher.hash_one("C3")));
}

TEST_CASE("a reference to a field that is neither unique nor the key is refused", "[record_refs]") {
    World w;
    w.import(w.customers, {{"C1", "张三"}});
    auto by_name = schema(R"({"set":"notes","primary_key":["id"],"fields":[{"name":"id","type":"string"},
        {"name":"who","type":"string","references":"customers.name"}]})");
    auto refs = StoredReferences::load(w.db, by_name);
    REQUIRE_FALSE(refs.ok());
    CHECK(refs.error().kind() == ErrorKind::bad_input);
}

TEST_CASE("replacing a referenced set is refused when a stored reference would dangle", "[record_refs]") {
    World w;
    w.import(w.customers, {{"C1", "张三"}, {"C2", "李四"}});
    w.import(w.accounts, {{"A1", "C1"}, {"A2", "C2"}, {"A3", "C2"}});
    auto without_c2 = w.check_customers({"C1", "C3"});
    auto refused = check_dependents(w.db, w.key, w.customers, *without_c2, w.hasher);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().kind() == ErrorKind::conflict);
    CHECK_THAT(refused.error().message(), Catch::Contains("set accounts") && Catch::Contains("2 of its records"));
    auto with_both = w.check_customers({"C2", "C1", "C9"});
    CHECK(check_dependents(w.db, w.key, w.customers, *with_both, w.hasher).ok());
}
