// Tests of schema files (storage/records/schema.h): DESIGN §6, parsed strictly.
#include <catch2/catch.hpp>

#include "storage/records/schema.h"

using namespace baton;
using namespace baton::records;

namespace {
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The example schema of DESIGN §6.
const char* kDesignExample = R"({ "set": "customers", "primary_key": ["customer_id"],
  "fields": [
    { "name": "customer_id",   "type": "string", "required": true },
    { "name": "id_number",     "type": "cn_resident_id" },
    { "name": "mobile",        "type": "cn_mobile" },
    { "name": "uscc",          "type": "cn_uscc" },
    { "name": "credit_rating", "type": "enum", "values": ["AAA","AA","A","BBB","BB","B","CCC","CC","C"] },
    { "name": "credit_limit",  "type": "decimal", "scale": 2 },
    { "name": "opened_on",     "type": "date" },
    { "name": "remark",        "type": "string", "max_length": 65536 } ] })";

// Parses a schema with one extra field definition `field` after an id field.
Result<Schema> with_field(const std::string& field) {
    return parse_schema(R"({"set":"s","primary_key":["id"],"fields":[{"name":"id","type":"string"},)" + field + "]}",
                        "s.json");
}

std::string error_of(const Result<Schema>& r) {
    REQUIRE_FALSE(r);
    CHECK(r.error().kind() == ErrorKind::bad_input);
    return r.error().message();
}
}  // namespace

TEST_CASE("schema parses the DESIGN example", "[records][schema]") {
    auto r = parse_schema(kDesignExample, "customers.json");
    REQUIRE(r);
    const Schema& s = *r;
    CHECK(s.set == "customers");
    CHECK(s.primary_key == std::vector<std::string>{"customer_id"});
    CHECK(s.key_fields == std::vector<size_t>{0});
    REQUIRE(s.fields.size() == 8);
    CHECK(s.fields[0].is_required());
    CHECK(s.fields[0].in_primary_key);
    CHECK(s.fields[4].type == FieldType::enumeration);
    CHECK(s.fields[4].values.size() == 9);
    CHECK(s.fields[5].scale == 2);
    CHECK(s.fields[7].max_length == 65536u);
    CHECK(*s.find("mobile") == 2);
}

TEST_CASE("schema canonical JSON round-trips", "[records][schema]") {
    auto r = parse_schema(kDesignExample, "customers.json");
    REQUIRE(r);
    auto again = parse_schema(schema_to_json(*r), "canonical");
    REQUIRE(again);
    CHECK(*again == *r);
    auto refs = with_field(R"({"name":"cust","type":"string","references":"customers.customer_id","unique":true})");
    REQUIRE(refs);
    CHECK(*parse_schema(schema_to_json(*refs), "c") == *refs);
}

TEST_CASE("schema every type name parses", "[records][schema]") {
    for (const char* t : {"string", "integer", "date", "datetime", "cn_resident_id", "cn_mobile", "cn_uscc", "email"})
        CHECK(with_field(std::string(R"({"name":"f","type":")") + t + "\"}"));
}

TEST_CASE("schema refuses unknown keys, naming the file and field", "[records][schema]") {
    CHECK(contains(error_of(with_field(R"({"name":"f","type":"string","reqired":true})")),
                   "s.json: field 'f': unknown key 'reqired'"));
    CHECK(contains(error_of(parse_schema(
                       R"({"set":"s","primary_key":["id"],"fields":[{"name":"id","type":"string"}],"x":1})", "s.json")),
                   "s.json: unknown key 'x'"));
}

TEST_CASE("schema refuses unknown types and misplaced options", "[records][schema]") {
    CHECK(contains(error_of(with_field(R"({"name":"f","type":"varchar"})")), "field 'f': unknown type 'varchar'"));
    CHECK(contains(error_of(with_field(R"({"name":"f","type":"decimal"})")), "type decimal needs 'scale'"));
    CHECK(contains(error_of(with_field(R"({"name":"f","type":"string","scale":2})")),
                   "'scale' applies only to type decimal"));
    CHECK(contains(error_of(with_field(R"({"name":"f","type":"enum"})")), "type enum needs 'values'"));
    CHECK(contains(error_of(with_field(R"({"name":"f","type":"string","values":["a"]})")), "'values' applies only"));
    CHECK(contains(error_of(with_field(R"({"name":"f","type":"cn_mobile","strict":true})")),
                   "'strict' applies only to type cn_uscc"));
    CHECK(with_field(R"({"name":"f","type":"cn_uscc","strict":true})")->fields[1].strict);
}

TEST_CASE("schema refuses bad option values", "[records][schema]") {
    CHECK(contains(error_of(with_field(R"({"name":"f","type":"string","required":"yes"})")),
                   "'required' must be true or false"));
    CHECK(contains(error_of(with_field(R"({"name":"f","type":"string","max_length":0})")),
                   "'max_length' must be in 1..1048576"));
    CHECK(contains(error_of(with_field(R"({"name":"f","type":"string","max_length":2.5})")), "whole number"));
    CHECK(contains(error_of(with_field(R"({"name":"f","type":"string","max_length":-1})")), "'max_length' must be in"));
    CHECK(contains(error_of(with_field(R"({"name":"f","type":"decimal","scale":19})")), "'scale' must be in 0..18"));
    CHECK(contains(error_of(with_field(R"({"name":"f","type":"enum","values":[]})")), "'values' must be a list"));
    CHECK(contains(error_of(with_field(R"({"name":"f","type":"enum","values":["A","A"]})")),
                   "enum value 'A' is listed twice"));
    CHECK(contains(error_of(with_field(R"({"name":"f","type":"string","references":"nodot"})")),
                   "must be \"set.field\""));
    CHECK(contains(error_of(with_field(R"({"name":"f","type":"string","references":"s.id"})")),
                   "references its own set"));
}

TEST_CASE("schema refuses duplicate field names and duplicate JSON keys", "[records][schema]") {
    CHECK(contains(error_of(with_field(R"({"name":"id","type":"string"})")), "field 'id': is defined twice"));
    CHECK(
        contains(error_of(with_field(R"({"name":"f","type":"string","type":"integer"})")), "key 'type' appears twice"));
}

TEST_CASE("schema primary key must name fields, once each", "[records][schema]") {
    auto missing =
        parse_schema(R"({"set":"s","primary_key":["nope"],"fields":[{"name":"id","type":"string"}]})", "s.json");
    CHECK(contains(error_of(missing), "primary key names 'nope', which is not a field"));
    auto twice =
        parse_schema(R"({"set":"s","primary_key":["id","id"],"fields":[{"name":"id","type":"string"}]})", "s.json");
    CHECK(contains(error_of(twice), "'primary_key' must be a non-empty list"));
    auto empty = parse_schema(R"({"set":"s","primary_key":[],"fields":[{"name":"id","type":"string"}]})", "s.json");
    CHECK(contains(error_of(empty), "'primary_key' must be a non-empty list"));
    auto composite = parse_schema(
        R"({"set":"s","primary_key":["a","b"],"fields":[{"name":"a","type":"string"},{"name":"b","type":"integer"}]})",
        "s.json");
    REQUIRE(composite);
    CHECK(composite->key_fields == std::vector<size_t>{0, 1});
}

TEST_CASE("schema names are checked", "[records][schema]") {
    CHECK(contains(
        error_of(parse_schema(R"({"set":"1x","primary_key":["id"],"fields":[{"name":"id","type":"string"}]})", "s")),
        "'set' must be a name"));
    CHECK(contains(error_of(with_field(R"({"name":"a.b","type":"string"})")), "must not contain '.' or '='"));
    CHECK(contains(error_of(with_field(R"({"name":" a","type":"string"})")), "must not start or end with a space"));
    CHECK(contains(error_of(with_field(R"({"name":"","type":"string"})")), "must not be empty"));
    CHECK(with_field(R"({"name":"客户姓名","type":"string"})"));
}

TEST_CASE("schema size bounds and syntax errors", "[records][schema]") {
    CHECK(contains(error_of(parse_schema(std::string(kMaxSchemaBytes + 1, ' '), "big.json")), "larger than"));
    CHECK(contains(error_of(parse_schema("{\"set\":", "bad.json")), "bad.json: not valid JSON"));
    CHECK(contains(error_of(parse_schema("[]", "a.json")), "must be a JSON object"));
    CHECK(contains(error_of(parse_schema(R"({"set":"s","fields":[{"name":"id","type":"string"}]})", "m.json")),
                   "missing 'primary_key'"));
    std::string many = R"({"set":"s","primary_key":["f0"],"fields":[)";
    for (size_t i = 0; i <= kMaxFields; ++i)
        many += (i ? "," : "") + std::string(R"({"name":"f)") + std::to_string(i) + R"(","type":"string"})";
    CHECK(contains(error_of(parse_schema(many + "]}", "many.json")), "'fields' must be a list of 1..1024"));
}

TEST_CASE("schema reference targets must be unique or the whole key", "[records][schema]") {
    auto customers = parse_schema(kDesignExample, "customers.json");
    auto orders = parse_schema(R"({"set":"orders","primary_key":["id"],"fields":[{"name":"id","type":"string"},
        {"name":"cust","type":"string","references":"customers.customer_id"},
        {"name":"phone","type":"string","references":"customers.mobile"},
        {"name":"x","type":"string","references":"customers.nope"}]})", "orders.json");
    REQUIRE(customers);
    REQUIRE(orders);
    CHECK(check_reference_target(*orders, orders->fields[1], *customers));
    auto not_unique = check_reference_target(*orders, orders->fields[2], *customers);
    REQUIRE_FALSE(not_unique);
    CHECK(contains(not_unique.error().message(), "neither unique nor the whole primary key"));
    CHECK_FALSE(check_reference_target(*orders, orders->fields[3], *customers));
}
