// storage/stage_plaintext.h and stage_chunks.h: the batch decoder's strictness, and the buyer's
// check of stages whose plaintext a hostile or broken seller made (valid chunks, bad batches).
#include <catch2/catch.hpp>

#include "handover_test_util.h"
#include "storage/stage_chunks.h"
#include "storage/stage_batch.pb.h"
#include "storage/stage_plaintext.h"

using namespace baton;
using namespace baton::storage;
using namespace baton::storage::testing;

namespace {

Bytes hex(std::string_view h) { return *from_hex(h); }

// A batch of set `set` with one-field records holding `values`, framed with its length.
Bytes framed_batch(uint32_t set, const std::vector<std::vector<FieldValue>>& rows) {
    StageBatchEncoder enc;
    enc.start(set);
    for (const auto& r : rows) enc.add(r);
    Bytes out;
    enc.finish(out);
    return out;
}

const char* kOneField = R"({"set":"items","primary_key":["id"],"fields":[{"name":"id","type":"integer","required":true}]})";
const char* kTwoFields = R"({"set":"more","primary_key":["id"],"fields":[{"name":"id","type":"integer","required":true},)"
                         R"({"name":"v","type":"string"}]})";

// A buyer's database holding a stage whose chunks seal `plaintext` (made by a seller that does
// not follow the format) under `key`.
struct CraftedStage {
    TempDir dir;
    Database db = open_db(dir.file("baton.db"));
    crypto::Key32 key = crypto::random_secret<32>();

    void write(const Bytes& plaintext, uint32_t chunk_size = 4096) {
        const uint32_t n = *chunk_count_for(plaintext.size(), chunk_size);
        REQUIRE(save_inbound_stage(db, {"deal-1", 0, "s", to_bytes("m"), n, chunk_size, 0}, 1).ok());
        ChunkWriter w(db, "deal-1", 0, chunk_size, n, key.clone());
        REQUIRE(w.write(plaintext).ok());
        REQUIRE(w.finish().ok());
    }
    StageCheck check(std::vector<CheckSet> sets = {{"items", "", {"id"}}}) {
        for (auto& s : sets)
            if (s.schema_json.empty()) s.schema_json = s.name == "items" ? kOneField : kTwoFields;
        auto r = check_stage(db, "deal-1", 0, key, 4096, sets);
        REQUIRE(r.ok());
        return std::move(r).value();
    }
};

}  // namespace

// The encoder writes protobuf's wire format by hand: it must give exactly the bytes protobuf's
// own serializer gives for the same batch, for every kind of value and every varint width.
TEST_CASE("the batch encoder writes what protobuf writes for the same records", "[handover]") {
    const std::string mid(200, 'm'), big(20000, 'b'), huge(3u << 20, 'h');
    const std::vector<std::vector<FieldValue>> rows = {
        {"1", std::nullopt, ""}, {"2", "x", mid}, {"3", big, std::nullopt}, {std::nullopt, std::nullopt, std::nullopt},
        {"5", huge, "\xe4\xb8\xad"}};
    for (const uint32_t set : {0u, 1u, 127u, 128u, 70000u}) {
        INFO("set " << set);
        const Bytes framed = framed_batch(set, rows);
        Bytes mine;
        BatchInflater inflater;
        REQUIRE_FALSE(inflater.inflate(ByteView(framed).subspan(4), mine).has_value());

        pb::RecordBatch batch;
        batch.set_set(set);
        for (const auto& row : rows) {
            pb::Record* r = batch.add_records();
            for (const FieldValue& v : row) {
                pb::Value* value = r->add_values();
                if (v && !v->empty()) value->set_text(v->data(), v->size());
            }
        }
        std::string theirs;
        REQUIRE(batch.SerializeToString(&theirs));
        REQUIRE(mine.size() == theirs.size());
        CHECK(std::equal(mine.begin(), mine.end(), reinterpret_cast<const uint8_t*>(theirs.data())));
    }
}

TEST_CASE("the batch decoder refuses unknown fields, empty or non-UTF-8 values and empty batches", "[handover]") {
    StageBatch b;
    REQUIRE_FALSE(b.parse(hex("0801120a0a030a01610a030a0162")).has_value());
    CHECK(b.set() == 1);
    CHECK(b.records() == 1);
    CHECK(b.fields_are(2));
    CHECK_FALSE(b.fields_are(1));
    std::vector<FieldValue> row;
    b.record(0, row);
    CHECK(row == std::vector<FieldValue>{"a", "b"});
    struct Case { const char* name; const char* bytes; };
    for (const Case& c : {Case{"unknown batch field", "0801120a0a030a01610a030a01621801"},
                          Case{"unknown record field", "080112071003" "0a030a0161"},
                          Case{"unknown value field", "080112070a050a01611001"},
                          Case{"no records", "0801"},
                          Case{"empty value", "080112040a020a00"},
                          Case{"not UTF-8", "080112050a030a01ff"},
                          Case{"not protobuf", "ffffffff"},
                          Case{"truncated", "0801120a0a030a0161"},
                          Case{"a value's text longer than the value", "080112040a020a05"},
                          Case{"a record longer than the batch", "0801120a0a00"}}) {
        INFO(c.name);
        auto f = b.parse(hex(c.bytes));
        REQUIRE(f.has_value());
        CHECK(f->code == "batch_malformed");
        CHECK(b.records() == 0);  // nothing of a refused batch is kept
    }
    // A value sent absent is null; set 0 is sent absent.
    REQUIRE_FALSE(b.parse(hex("12040a000a00")).has_value());
    CHECK(b.set() == 0);
    b.record(0, row);
    CHECK(row == std::vector<FieldValue>{std::nullopt, std::nullopt});
}

TEST_CASE("the batch decoder takes only the canonical encoding, which protobuf also parses", "[handover]") {
    // Each of these is a RecordBatch protobuf's parser accepts, written in a way our encoder (and
    // protobuf's serializer) never writes: decoding them would break "decodes, then re-encodes
    // to the same bytes".
    struct Case { const char* name; std::string bytes; };
    for (const Case& c : {Case{"set 0 written out", "0800" "12020a00"},
                          Case{"set after the records", "12020a00" "0801"},
                          Case{"set twice", "0801" "0802" "12020a00"},
                          Case{"a set varint with a trailing zero group", "088100" "12020a00"},
                          Case{"a record length with a trailing zero group", "0801" "128200" "0a00"},
                          Case{"a text length with a trailing zero group", "0801" "1206" "0a04" "0a810061"},
                          Case{"text twice in a value", "0801" "1208" "0a06" "0a0161" "0a0162"}}) {
        INFO(c.name);
        pb::RecordBatch theirs;
        const Bytes bytes = hex(c.bytes);
        CHECK(theirs.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));  // protobuf: fine
        StageBatch b;
        auto f = b.parse(bytes);
        REQUIRE(f.has_value());
        CHECK(f->code == "batch_malformed");
    }
    // A set beyond 32 bits: protobuf keeps its low 32 bits (here 0), we refuse it.
    StageBatch b;
    CHECK(b.parse(hex("088080808010" "12020a00")).has_value());

    // 4096 records are a batch, 4097 are not.
    Bytes many;
    for (int i = 0; i < 4096; ++i) append(many, hex("1200"));
    REQUIRE_FALSE(b.parse(many).has_value());
    CHECK(b.records() == 4096);
    CHECK(b.fields_are(0));
    append(many, hex("1200"));
    CHECK(b.parse(many).has_value());
}

TEST_CASE("the batch decoder keeps its own copy of the batch", "[handover]") {
    Bytes bytes = hex("0801120a0a030a01610a030a0162");
    StageBatch b;
    REQUIRE_FALSE(b.parse(bytes).has_value());
    std::fill(bytes.begin(), bytes.end(), uint8_t{0});
    std::vector<FieldValue> row;
    b.record(0, row);
    CHECK(row == std::vector<FieldValue>{"a", "b"});
}

// The RecordBatch inside a framed batch: its zstd frame, decompressed.
Bytes inflated(const Bytes& framed) {
    REQUIRE(framed.size() > 4);
    REQUIRE(get_u32_be(framed.data()) == framed.size() - 4);
    BatchInflater inflater;
    Bytes out;
    REQUIRE_FALSE(inflater.inflate(ByteView(framed).subspan(4), out).has_value());
    return out;
}

// Hand-made zstd frames (RFC 8878 §3.1.1): magic, frame header descriptor (FHD), optional
// window descriptor and content size, then one raw last block: 3-byte header (size << 3 | 1).
const char* const kMagic = "28b52ffd";
const char* const kRawBlockAb = "110000" "6162";  // a last raw block of 2 bytes: "ab"

TEST_CASE("the batch inflater takes exactly one zstd frame that declares its size", "[handover]") {
    BatchInflater inflater;
    Bytes out;
    // Single segment (FHD 0x20), 1-byte content size 2: valid, so the refusals below are the
    // header's, not a mistake in the hand encoding.
    REQUIRE_FALSE(inflater.inflate(hex(std::string(kMagic) + "2002" + kRawBlockAb), out).has_value());
    CHECK(out == to_bytes("ab"));
    struct Case { const char* name; std::string bytes; };
    for (const Case& c : {Case{"empty", ""},
                          Case{"not zstd", "0801120a0a030a01610a030a0162"},
                          Case{"no content size (FHD 0x00, window descriptor)", std::string(kMagic) + "0000" + kRawBlockAb},
                          Case{"declared 5, holds 2", std::string(kMagic) + "2005" + kRawBlockAb},
                          Case{"declared 0", std::string(kMagic) + "2000" + "010000"},
                          Case{"declared 16 MiB + 1", std::string(kMagic) + "a001000001" + kRawBlockAb},
                          Case{"a skippable frame", "502a4d18" "02000000" "6162"},
                          Case{"two frames", std::string(kMagic) + "2002" + kRawBlockAb + kMagic + "2002" + kRawBlockAb},
                          Case{"a trailing byte", std::string(kMagic) + "2002" + kRawBlockAb + "00"},
                          Case{"truncated", std::string(kMagic) + "2002" + "110000" + "61"}}) {
        INFO(c.name);
        auto f = inflater.inflate(hex(c.bytes), out);
        REQUIRE(f.has_value());
        CHECK(f->code == "batch_malformed");
    }
}

TEST_CASE("the encoder compresses, and the same records give the same bytes", "[handover]") {
    std::vector<std::string> ids;  // the rows view them
    for (int i = 0; i < 2000; ++i) ids.push_back(std::to_string(i));
    std::vector<std::vector<FieldValue>> rows;
    for (const auto& id : ids) rows.push_back({id, "客户经理回访记录：账户状态正常；近期无逾期。"});
    const Bytes a = framed_batch(0, rows), b = framed_batch(0, rows);
    CHECK(a == b);  // preparation's two passes rely on it
    const Bytes plain = inflated(a);
    CHECK(a.size() * 4 < plain.size());
    StageBatch batch;
    REQUIRE_FALSE(batch.parse(plain).has_value());
    CHECK(batch.records() == 2000);
}

TEST_CASE("a null in a field or an empty string are both sent absent", "[handover]") {
    StageBatch b;
    REQUIRE_FALSE(b.parse(inflated(framed_batch(0, {{std::nullopt}, {""}}))).has_value());
    std::vector<FieldValue> row;
    b.record(1, row);
    CHECK(row == std::vector<FieldValue>{std::nullopt});
}

TEST_CASE("the check reports what a broken seller's plaintext does wrong", "[handover]") {
    CraftedStage s;
    const Bytes one = framed_batch(0, {{"1"}, {"2"}});
    SECTION("a well-formed stage passes") {
        Bytes p = one;
        append(p, framed_batch(0, {{"3"}}));
        s.write(p);
        auto c = s.check();
        CHECK(c.ok);
        CHECK(c.sets[0].records == 3);
    }
    SECTION("records with the wrong number of fields") {
        s.write(framed_batch(0, {{"1", "x"}}));
        CHECK(s.check().code == "batch_malformed");
    }
    SECTION("a batch naming a set beyond the manifest's") {
        s.write(framed_batch(1, {{"1"}}));
        CHECK(s.check().code == "unknown_set");
    }
    SECTION("sets out of order") {
        Bytes p = framed_batch(1, {{"1", "x"}});
        append(p, one);
        s.write(p);
        auto c = s.check({{"items", "", {"id"}}, {"more", "", {"id", "v"}}});
        CHECK(c.code == "batch_malformed");
        CHECK_THAT(c.detail, Catch::Contains("follows"));
    }
    SECTION("a plaintext that ends inside a batch") {
        Bytes p = one;
        p.pop_back();
        s.write(p);
        CHECK(s.check().code == "batch_malformed");
    }
    SECTION("a batch length of zero or over 16 MiB") {
        s.write(hex(GENERATE("00000000", "01000001")));
        CHECK(s.check().code == "batch_malformed");
    }
    SECTION("a required field missing") {
        s.write(framed_batch(0, {{"1"}, {std::nullopt}}));
        auto c = s.check();
        CHECK(c.code == "schema_violation");
        CHECK_THAT(c.detail, Catch::Contains("set items, record 2, field 'id': required_missing"));
    }
    SECTION("a value of the wrong type") {
        s.write(framed_batch(0, {{"1"}, {"2"}, {"three"}}));
        auto c = s.check();
        CHECK(c.code == "schema_violation");
        CHECK_THAT(c.detail, Catch::Contains("record 3"));
        CHECK_THAT(c.detail, Catch::Contains("bad_format"));
    }
}

TEST_CASE("a batch spanning many chunks reassembles", "[handover]") {
    CraftedStage s;
    std::vector<std::vector<FieldValue>> rows;
    std::vector<std::string> ids, bigs;  // values that do not compress: random letters
    for (int i = 0; i < 40; ++i) {
        ids.push_back(std::to_string(i + 1));
        std::string big(3000, 'a');
        for (char& ch : big) ch = static_cast<char>('a' + randombytes_uniform(26));
        bigs.push_back(std::move(big));
    }
    for (int i = 0; i < 40; ++i) rows.push_back({ids[i], bigs[i]});
    const Bytes p = framed_batch(0, rows);  // ~70 KiB compressed: about 17 chunks of 4 KiB
    REQUIRE(p.size() > 16 * 4096);
    s.write(p);
    auto c = s.check({{"more", "", {"v", "id"}}});
    INFO(c.detail);
    CHECK(c.ok);
    CHECK(c.sets[0].records == 40);
    PlaintextDigest d;
    d.update(p);
    CHECK(c.plaintext_digest == d.finish());
}

TEST_CASE("a chunk shorter than the chunk size before the last one is refused", "[handover]") {
    CraftedStage s;
    const Bytes p = framed_batch(0, {{"1"}, {"2"}});
    REQUIRE(save_inbound_stage(s.db, {"deal-1", 0, "s", to_bytes("m"), 2, 4096, 0}, 1).ok());
    for (uint32_t i = 0; i < 2; ++i) {  // the whole batch in chunk 0, then one byte more
        const Bytes piece = i == 0 ? p : Bytes{0};
        auto st = s.db.prepare("INSERT INTO handover_chunks(deal, stage_number, idx, ciphertext) VALUES('deal-1', 0, ?, ?)");
        REQUIRE(st.ok());
        st->bind(1, int64_t{i}).bind_blob(2, crypto::chacha20poly1305_encrypt(s.key, chunk_nonce(i),
                                                                              chunk_associated_data("deal-1", 0, i, 2), piece));
        REQUIRE(st->run().ok());
    }
    auto c = s.check();
    CHECK(c.code == "batch_malformed");
    CHECK_THAT(c.detail, Catch::Contains("chunk 0 holds"));
}
