// The defects of issue 4, end to end through check_import(): each one refuses the file with a
// message naming the file and line (and field, where there is one).
#include <catch2/catch.hpp>

#include "core/crypto.h"
#include "storage/records/import_check.h"
#include "tests/storage/records_test_util.h"

using namespace baton;
using namespace baton::records;
using namespace baton::records::testing;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

const char* kCustomers = R"({"set":"customers","primary_key":["customer_id"],"fields":[
    {"name":"customer_id","type":"string","required":true},
    {"name":"name","type":"string"},
    {"name":"id_number","type":"cn_resident_id"},
    {"name":"mobile","type":"cn_mobile"}]})";
const char* kAccounts = R"({"set":"accounts","primary_key":["account"],"fields":[
    {"name":"account","type":"string"},
    {"name":"customer_id","type":"string","references":"customers.customer_id"}]})";

const std::string kHeader = "customer_id,name,id_number,mobile\r\n";
const std::string kGood = "C1,张三,11010519491231002X,13812341234\r\n";

struct Collect final : RowSink {
    std::vector<std::vector<std::optional<std::string>>> accepted;
    std::vector<uint64_t> rejected_lines;
    Status accept(const Record&, std::span<const FieldValue> row) override {
        std::vector<std::optional<std::string>> r;
        for (auto& v : row) r.push_back(v ? std::optional<std::string>(std::string(*v)) : std::nullopt);
        accepted.push_back(std::move(r));
        return ok_status();
    }
    Status reject(const Record& rec, std::span<const FieldValue>, std::span<const Problem>) override {
        rejected_lines.push_back(rec.line);
        return ok_status();
    }
};

struct Outcome {
    std::optional<Error> fatal;
    std::optional<ImportReport> report;
    std::string text;  // what the user sees
    bool refused() const { return fatal || !report->ok(); }
};

struct Env {
    Secret<32> key = crypto::random_secret<32>();
    KeyHasher hasher{key};
    Schema customers = *parse_schema(kCustomers, "customers.json");
    Schema accounts = *parse_schema(kAccounts, "accounts.json");
    KeyHashSet known_customers;
    MapReferenceLookup lookup;
    Env() {
        known_customers.insert(hasher.hash_one("C1"));
        lookup.add(Reference{"customers", "customer_id"}, &known_customers);
    }

    Outcome run(ByteSource& src, const Schema& schema, Format format = Format::csv,
                Encoding encoding = Encoding::auto_detect) {
        auto v = Validator::create(schema, hasher, &lookup, ValidatorOptions{CivilDate{2026, 1, 1}});
        REQUIRE(v);
        Collect sink;
        ImportOptions opt;
        opt.format = format;
        opt.reader.encoding = encoding;
        auto r = check_import(src, "in.csv", schema, **v, sink, opt);
        Outcome o;
        if (!r) {
            o.fatal = r.error();
            o.text = r.error().message();
        } else {
            o.report = *r;
            o.text = report_text(*r, schema);
        }
        return o;
    }
    Outcome run(const std::string& data, const Schema& schema, Format format = Format::csv,
                Encoding encoding = Encoding::auto_detect) {
        MemorySource src(data);
        return run(src, schema, format, encoding);
    }
};

}  // namespace

TEST_CASE("import accepts a clean file and reports it", "[records][import]") {
    Env env;
    auto o = env.run(kHeader + kGood + "C2,,,\r\n", env.customers);
    REQUIRE_FALSE(o.fatal);
    CHECK(o.report->ok());
    CHECK(o.report->accepted == 2);
    CHECK(contains(o.text, "in.csv: 2 records (utf-8), 2 acceptable, 0 refused"));
    CHECK(contains(o.text, "nulls    mobile: 1"));
    const std::string json = report_json(*o.report, env.customers);
    CHECK(contains(json, "\"records\":2"));
    CHECK(contains(json, "\"nulls\":{\"customer_id\":0,\"name\":1,\"id_number\":1,\"mobile\":1}"));
}

TEST_CASE("import defect: unterminated quote", "[records][import]") {
    Env env;
    auto o = env.run(kHeader + kGood + "C2,\"open,x,y\r\n", env.customers);
    REQUIRE(o.fatal);
    CHECK(contains(o.text, "in.csv:3: unterminated quoted field"));
}

TEST_CASE("import defect: wrong column count", "[records][import]") {
    Env env;
    auto o = env.run(kHeader + kGood + "C2,x\r\n", env.customers);
    REQUIRE(o.refused());
    CHECK(contains(o.text, "in.csv:3: the record has 2 fields; the header has 4"));
    CHECK(contains(o.text, "errors   wrong_column_count: 1"));
}

TEST_CASE("import defect: invalid bytes", "[records][import]") {
    Env env;
    auto o = env.run(kHeader + kGood + "C2,\xC3\x28,,\r\n", env.customers, Format::csv, Encoding::utf8);
    REQUIRE(o.refused());
    CHECK(contains(o.text, "in.csv:3: field 'name': invalid UTF-8 (bytes C3 28)"));
    CHECK(contains(o.text, "errors   invalid_encoding: 1"));
    auto gb = env.run(kHeader + kGood + "C2,\xC3\x28,,\r\n", env.customers, Format::csv, Encoding::gb18030);
    REQUIRE(gb.refused());
    CHECK(contains(gb.text, "in.csv:3: field 'name': bytes C3 28 cannot be decoded as GB18030"));
}

TEST_CASE("import defect: duplicate key", "[records][import]") {
    Env env;
    auto o = env.run(kHeader + kGood + kGood, env.customers);
    REQUIRE(o.refused());
    CHECK(contains(o.text, "in.csv:3: field 'customer_id': duplicate primary key"));
    CHECK(o.report->accepted == 1);
}

TEST_CASE("import defect: bad resident-ID checksum", "[records][import]") {
    Env env;
    auto o = env.run(kHeader + "C1,x,110101199003077513,\r\n", env.customers);
    REQUIRE(o.refused());
    CHECK(contains(o.text, "in.csv:2: field 'id_number': check character is 3, GB 11643 gives 2"));
    CHECK(contains(o.text, "errors   bad_checksum: 1"));
}

TEST_CASE("import defect: dangling reference", "[records][import]") {
    Env env;
    auto o = env.run("account,customer_id\nA1,C1\nA2,C9\n", env.accounts);
    REQUIRE(o.refused());
    CHECK(contains(o.text, "in.csv:3: field 'customer_id': no record of customers has this customer_id"));
}

TEST_CASE("import defect: empty file", "[records][import]") {
    Env env;
    auto o = env.run("", env.customers);
    REQUIRE(o.fatal);
    CHECK(contains(o.text, "in.csv: the file is empty"));
    auto j = env.run("", env.customers, Format::jsonl);
    REQUIRE(j.fatal);
    CHECK(contains(j.text, "in.csv: the file has no records"));
}

TEST_CASE("import defect: header only", "[records][import]") {
    Env env;
    auto o = env.run(kHeader, env.customers);
    REQUIRE(o.fatal);
    CHECK(contains(o.text, "in.csv: the file has a header but no records"));
}

TEST_CASE("import defect: NUL byte", "[records][import]") {
    Env env;
    auto o = env.run(kHeader + kGood + std::string("C2,a\0b,,\r\n", 10), env.customers);
    REQUIRE(o.fatal);
    CHECK(contains(o.text, "in.csv:3: NUL byte"));
}

TEST_CASE("import defect: a 200 MB single line", "[records][import]") {
    Env env;
    PatternSource src(kHeader + "C2,", 'x', 200ull << 20, ",,\r\n");
    auto o = env.run(src, env.customers);
    REQUIRE(o.fatal);
    CHECK(contains(o.text, "in.csv:2: column 2 ('name') is longer than 1048576 bytes"));
    CHECK(src.served() < (5u << 20));
}

TEST_CASE("import refuses columns that do not match the schema", "[records][import]") {
    Env env;
    auto o = env.run("customer_id,name,mobile,extra\nC1,a,b,c\n", env.customers);
    REQUIRE(o.fatal);
    CHECK(contains(o.text, "not in the schema: 'extra'; missing: 'id_number'"));
}

TEST_CASE("import reports every problem of a bad file, and counts by kind", "[records][import]") {
    Env env;
    auto o = env.run(kHeader + kGood + "C2,a,110101199003077513,2381234123\r\n,b,,\r\nC3\r\n", env.customers);
    REQUIRE_FALSE(o.fatal);
    CHECK(o.report->rejected == 3);
    CHECK(o.report->accepted == 1);
    CHECK(o.report->problems_total == 4);
    CHECK(contains(o.text, "in.csv:3: field 'id_number'"));
    CHECK(contains(o.text, "in.csv:3: field 'mobile'"));
    CHECK(contains(o.text, "in.csv:4: field 'customer_id': required, but empty"));
    CHECK(contains(o.text, "in.csv:5: the record has 1 fields"));
}

TEST_CASE("import of JSON Lines maps keys to fields", "[records][import]") {
    Env env;
    auto o = env.run("{\"customer_id\":\"C1\",\"mobile\":\"13812341234\"}\n{\"customer_id\":\"C2\",\"age\":3}\n",
                     env.customers, Format::jsonl);
    REQUIRE_FALSE(o.fatal);
    CHECK(o.report->accepted == 1);
    CHECK(contains(o.text, "in.csv:2: field 'age': key is not a column of this set"));
}
