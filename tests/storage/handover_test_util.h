// Helpers for the handover store tests: a seller's database with record sets imported, and
// stages prepared from them.
#pragma once

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

#include "storage/handover_store.h"
#include "storage/record_store.h"
#include "storage/records/schema.h"
#include "storage_test_util.h"

namespace baton::storage::testing {

using Row = std::vector<std::optional<std::string>>;

inline std::vector<FieldValue> views(const Row& r) {
    std::vector<FieldValue> v;
    for (const auto& x : r) v.push_back(x ? FieldValue(*x) : std::nullopt);
    return v;
}

inline Row copy_row(const std::vector<FieldValue>& r) {
    Row out;
    for (const auto& v : r) out.push_back(v ? std::optional<std::string>(std::string(*v)) : std::nullopt);
    return out;
}

inline std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// customers: schema order id, name, mobile, balance, note; the source file had name first.
inline const char* kCustomersSchema =
    R"({"set":"customers","primary_key":["id"],"fields":[)"
    R"({"name":"id","type":"string","required":true},{"name":"name","type":"string","max_length":40},)"
    R"({"name":"mobile","type":"cn_mobile","unique":true},{"name":"balance","type":"decimal","scale":2},)"
    R"({"name":"note","type":"string"}]})";
inline const std::vector<std::string> kCustomersColumns{"name", "id", "mobile", "balance", "note"};

inline const char* kOrdersSchema =
    R"({"set":"orders","primary_key":["order_id"],"fields":[)"
    R"({"name":"order_id","type":"integer","required":true},)"
    R"({"name":"customer","type":"string","references":"customers.id"},)"
    R"({"name":"amount","type":"decimal","scale":3,"required":true}]})";
inline const std::vector<std::string> kOrdersColumns{"order_id", "customer", "amount"};

// n customers in schema order; every 7th has nulls.
inline std::vector<Row> make_customers(size_t n) {
    std::vector<Row> rows;
    for (size_t i = 0; i < n; ++i) {
        Row r{"C" + std::to_string(i), "张小" + std::to_string(i % 97) + "三", std::to_string(13800000000ull + i),
              std::to_string(i * 37 % 100000) + "." + std::to_string(10 + i % 90), std::string(i % 200, 'n') + " 备注"};
        if (i % 7 == 3) r[1] = r[2] = r[3] = r[4] = std::nullopt;
        rows.push_back(std::move(r));
    }
    return rows;
}

inline std::vector<Row> make_orders(size_t n) {
    std::vector<Row> rows;
    for (size_t i = 0; i < n; ++i)
        rows.push_back(Row{std::to_string(i + 1), "C" + std::to_string(i % 50), "-" + std::to_string(i) + ".5"});
    return rows;
}

struct Seller {
    TempDir dir;
    Database db = open_db(dir.file("baton.db"));
    crypto::Key32 key = crypto::random_secret<32>();
    Secret<32> pseudonym_key = crypto::random_secret<32>();

    void import(const std::string& schema_text, const std::vector<std::string>& columns, const std::vector<Row>& rows) {
        auto schema = records::parse_schema(schema_text, "test");
        REQUIRE(schema.ok());
        auto tx = Transaction::begin(db);
        REQUIRE(tx.ok());
        RecordSetWriter::Params p{schema->set, records::schema_to_json(*schema), columns, columns.size(), "in.csv", "csv"};
        auto w = RecordSetWriter::begin(db, key, p, false);
        REQUIRE(w.ok());
        for (const auto& r : rows) REQUIRE(w->add(views(r)).ok());
        REQUIRE(w->finish(0, "utf-8", 1700000000).ok());
        REQUIRE(tx->commit().ok());
    }

    PrepareRequest request(uint32_t stage_number, std::vector<PrepareSet> sets, uint32_t chunk_size = 4096) {
        PrepareRequest r;
        r.deal = "deal-1";
        r.stage_number = stage_number;
        r.stage = "stage" + std::to_string(stage_number);
        r.sets = std::move(sets);
        r.chunk_size = chunk_size;
        r.pseudonym_key = &pseudonym_key;
        return r;
    }

    Result<PreparedStage> prepare(const PrepareRequest& req, const PrepareProgress& progress = {}) {
        auto tx = Transaction::begin(db);
        REQUIRE(tx.ok());
        BATON_ASSIGN(auto out, prepare_stage(db, key, req, progress, 1700000100));
        BATON_TRY(tx->commit());
        return out;
    }

    std::vector<CheckSet> check_sets(const PreparedStage& st) {
        std::vector<CheckSet> out;
        for (const auto& s : st.sets) out.push_back({s.name, s.schema_json, s.columns});
        return out;
    }

    Result<StageCheck> check(uint32_t stage_number, const PreparedStage& st) {
        BATON_ASSIGN(auto content_key, load_content_key(db, key, "deal-1", stage_number));
        return check_stage(db, "deal-1", stage_number, content_key, st.chunk_size, check_sets(st));
    }

    // Every record of set `index` of a prepared stage, in column order.
    Result<std::vector<Row>> read_set(uint32_t stage_number, const PreparedStage& st, uint32_t index) {
        BATON_ASSIGN(auto reader, StageSetReader::open(db, key, "deal-1", stage_number, check_sets(st)[index], index,
                                                       st.chunk_size));
        std::vector<Row> out;
        std::vector<FieldValue> row;
        for (;;) {
            BATON_ASSIGN(bool more, reader.next(row));
            if (!more) return out;
            out.push_back(copy_row(row));
        }
    }
};

}  // namespace baton::storage::testing
