// storage/handover_store.h: plans, countersignatures, receipts, key releases, stage states, the
// sealed content key, and the buyer's prefix of chunks; storage/decimal_sum.h.
#include <catch2/catch.hpp>

#include "handover_test_util.h"
#include "storage/decimal_sum.h"
#include "storage/stage_plaintext.h"

using namespace baton;
using namespace baton::storage;
using namespace baton::storage::testing;

namespace {

struct Buyer {
    TempDir dir;
    Database db = open_db(dir.file("baton.db"));
    std::vector<Bytes> chunks{to_bytes("chunk zero ciphertext"), to_bytes("chunk one"), to_bytes("chunk two!")};

    std::vector<crypto::Digest32> hashes() const {
        std::vector<crypto::Digest32> out;
        for (const auto& c : chunks) out.push_back(chunk_leaf_hash(c));
        return out;
    }
    void offer() {
        const InboundStage s{"deal-1", 0, "first", to_bytes("manifest"), 3, 4096, 0};
        REQUIRE(save_inbound_stage(db, s, 10).ok());
        REQUIRE(save_chunk_hashes(db, "deal-1", 0, hashes(), 11).ok());
    }
    uint32_t held() {
        auto row = find_stage(db, "deal-1", 0);
        REQUIRE(row.ok());
        REQUIRE(row->has_value());
        return (*row)->chunks_held;
    }
};

StoredPlan plan(std::string bytes) {
    StoredPlan p;
    p.deal = "deal-1";
    p.role = "buyer";
    p.plan = to_bytes(bytes);
    p.plan_hash = crypto::blake2b_256(p.plan);
    p.created_at = 5;
    return p;
}

}  // namespace

TEST_CASE("a deal has one plan; its countersignature is stored once", "[handover]") {
    Buyer b;
    REQUIRE(save_plan(b.db, plan("plan A")).ok());
    auto again = save_plan(b.db, plan("plan B"));
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().kind() == ErrorKind::conflict);
    CHECK(save_plan(b.db, plan("plan A")).error().kind() == ErrorKind::conflict);
    REQUIRE(save_countersign(b.db, "deal-1", to_bytes("cs")).ok());
    REQUIRE(save_countersign(b.db, "deal-1", to_bytes("cs")).ok());
    CHECK(save_countersign(b.db, "deal-1", to_bytes("other")).error().kind() == ErrorKind::conflict);
    CHECK(save_countersign(b.db, "deal-2", to_bytes("cs")).error().kind() == ErrorKind::conflict);
    auto found = find_plan(b.db, "deal-1");
    REQUIRE(found.ok());
    REQUIRE(found->has_value());
    CHECK((*found)->plan == to_bytes("plan A"));
    CHECK((*found)->plan_hash == crypto::blake2b_256(to_bytes("plan A")));
    CHECK((*found)->countersign == to_bytes("cs"));
    CHECK((*found)->role == "buyer");
    CHECK(list_plan_deals(b.db) == std::vector<std::string>{"deal-1"});
    auto none = find_plan(b.db, "deal-9");
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());
}

TEST_CASE("receipts and key releases are idempotent for identical bytes and conflict otherwise", "[handover]") {
    Buyer b;
    REQUIRE(save_receipt(b.db, "deal-1", 0, "delivered", to_bytes("d"), 1).ok());
    REQUIRE(save_receipt(b.db, "deal-1", 0, "verified", to_bytes("v"), 2).ok());
    REQUIRE(save_receipt(b.db, "deal-1", 0, "delivered", to_bytes("d"), 3).ok());
    auto conflict = save_receipt(b.db, "deal-1", 0, "delivered", to_bytes("d2"), 4);
    REQUIRE_FALSE(conflict.ok());
    CHECK(conflict.error().kind() == ErrorKind::conflict);
    auto receipts = load_receipts(b.db, "deal-1", 0);
    REQUIRE(receipts.ok());
    REQUIRE(receipts->size() == 2);
    CHECK((*receipts)[0] == std::pair<std::string, Bytes>{"delivered", to_bytes("d")});
    CHECK((*receipts)[1].first == "verified");

    REQUIRE(save_key_release(b.db, "deal-1", 0, to_bytes("kr"), to_bytes("sealed")).ok());
    REQUIRE(save_key_release(b.db, "deal-1", 0, to_bytes("kr"), to_bytes("sealed")).ok());
    CHECK(save_key_release(b.db, "deal-1", 0, to_bytes("kr"), to_bytes("other")).error().kind() == ErrorKind::conflict);
    auto kr = find_key_release(b.db, "deal-1", 0);
    REQUIRE(kr.ok());
    REQUIRE(kr->has_value());
    CHECK((*kr)->sealed_key == to_bytes("sealed"));
}

TEST_CASE("chunks are stored as a prefix and never twice", "[handover]") {
    Buyer b;
    const InboundStage s{"deal-1", 0, "first", to_bytes("manifest"), 3, 4096, 0};
    REQUIRE(save_inbound_stage(b.db, s, 10).ok());
    CHECK(store_chunk(b.db, "deal-1", 0, 0, b.chunks[0]).error().kind() == ErrorKind::conflict);  // no hashes yet
    REQUIRE(save_chunk_hashes(b.db, "deal-1", 0, b.hashes(), 11).ok());
    REQUIRE(save_chunk_hashes(b.db, "deal-1", 0, b.hashes(), 12).ok());  // repeated: a no-op

    auto ahead = store_chunk(b.db, "deal-1", 0, 1, b.chunks[1]);
    REQUIRE_FALSE(ahead.ok());
    CHECK(ahead.error().kind() == ErrorKind::conflict);
    auto wrong = store_chunk(b.db, "deal-1", 0, 0, b.chunks[1]);
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.error().kind() == ErrorKind::verify_failed);
    REQUIRE(store_chunk(b.db, "deal-1", 0, 0, b.chunks[0]).ok());
    CHECK(b.held() == 1);
    REQUIRE(store_chunk(b.db, "deal-1", 0, 0, b.chunks[0]).ok());  // sent again: nothing written
    CHECK(b.held() == 1);
    CHECK(store_chunk(b.db, "deal-1", 0, 0, b.chunks[2]).error().kind() == ErrorKind::conflict);
    REQUIRE(store_chunk(b.db, "deal-1", 0, 1, b.chunks[1]).ok());
    REQUIRE(store_chunk(b.db, "deal-1", 0, 2, b.chunks[2]).ok());
    CHECK(store_chunk(b.db, "deal-1", 0, 3, b.chunks[2]).error().kind() == ErrorKind::conflict);
    CHECK(b.held() == 3);
    CHECK(query_int(b.db, "SELECT count(*) FROM handover_chunks") == 3);
    auto read = read_chunk(b.db, "deal-1", 0, 2);
    REQUIRE(read.ok());
    CHECK(*read == b.chunks[2]);
    CHECK(read_chunk(b.db, "deal-1", 0, 3).error().kind() == ErrorKind::conflict);
}

TEST_CASE("an inbound stage keeps its first manifest and its hashes once receiving", "[handover]") {
    Buyer b;
    b.offer();
    const InboundStage same{"deal-1", 0, "first", to_bytes("manifest"), 3, 4096, 0};
    REQUIRE(save_inbound_stage(b.db, same, 20).ok());
    InboundStage other = same;
    other.manifest = to_bytes("another manifest");
    CHECK(save_inbound_stage(b.db, other, 20).error().kind() == ErrorKind::conflict);
    auto changed = b.hashes();
    changed[1][0] ^= 1;
    CHECK(save_chunk_hashes(b.db, "deal-1", 0, changed, 21).error().kind() == ErrorKind::conflict);
    changed.pop_back();
    CHECK(save_chunk_hashes(b.db, "deal-1", 0, changed, 21).error().kind() == ErrorKind::conflict);
    auto loaded = load_chunk_hashes(b.db, "deal-1", 0);
    REQUIRE(loaded.ok());
    CHECK(*loaded == b.hashes());
    auto row = find_stage(b.db, "deal-1", 0);
    REQUIRE(row.ok());
    CHECK((*row)->state == "receiving");
    CHECK((*row)->manifest == to_bytes("manifest"));
}

TEST_CASE("stage states, reasons and the seller's counters", "[handover]") {
    Buyer b;
    b.offer();
    REQUIRE(set_stage_state(b.db, "deal-1", 0, "rejected", "count_mismatch: 3 != 4", 30).ok());
    REQUIRE(set_stage_state(b.db, "deal-1", 0, "rejected", "", 31).ok());  // keeps the reason
    CHECK(set_stage_state(b.db, "deal-1", 1, "accepted", "", 31).error().kind() == ErrorKind::conflict);
    REQUIRE(set_chunks_acknowledged(b.db, "deal-1", 0, 2).ok());
    CHECK(set_chunks_acknowledged(b.db, "deal-1", 0, 4).error().kind() == ErrorKind::conflict);
    REQUIRE(add_bytes_resent(b.db, "deal-1", 0, 100, true).ok());
    REQUIRE(add_bytes_resent(b.db, "deal-1", 0, 50, false).ok());
    auto stages = list_stages(b.db, "deal-1");
    REQUIRE(stages.ok());
    REQUIRE(stages->size() == 1);
    const StageRow& r = (*stages)[0];
    CHECK(r.state == "rejected");
    CHECK(r.reason == "count_mismatch: 3 != 4");
    CHECK(r.updated_at == 31);
    CHECK(r.chunks_held == 2);
    CHECK(r.bytes_resent == 150);
    CHECK(r.resumes == 1);
    CHECK(r.chunk_count == 3);
    CHECK(r.chunk_size == 4096);
}

TEST_CASE("the content key is sealed under the storage key and bound to its stage", "[handover]") {
    Buyer b;
    b.offer();
    const crypto::Key32 storage = crypto::random_secret<32>(), content = crypto::random_secret<32>();
    CHECK(load_content_key(b.db, storage, "deal-1", 0).error().kind() == ErrorKind::conflict);
    REQUIRE(save_content_key(b.db, storage, "deal-1", 0, content).ok());
    REQUIRE(save_content_key(b.db, storage, "deal-1", 0, content).ok());
    CHECK(save_content_key(b.db, storage, "deal-1", 0, crypto::random_secret<32>()).error().kind() ==
          ErrorKind::conflict);
    auto loaded = load_content_key(b.db, storage, "deal-1", 0);
    REQUIRE(loaded.ok());
    CHECK(loaded->equals(content));
    CHECK(load_content_key(b.db, crypto::random_secret<32>(), "deal-1", 0).error().kind() == ErrorKind::verify_failed);
    const std::string sealed_blob = query_text(b.db, "SELECT hex(content_key) FROM handover_stages");
    CHECK(sealed_blob.find(to_hex(content.view())) == std::string::npos);
    // Moved to another stage, it no longer opens.
    const InboundStage second{"deal-1", 1, "second", to_bytes("m2"), 1, 4096, 0};
    REQUIRE(save_inbound_stage(b.db, second, 10).ok());
    REQUIRE(b.db.exec("UPDATE handover_stages SET content_key = (SELECT content_key FROM handover_stages WHERE "
                      "stage_number = 0) WHERE stage_number = 1").ok());
    CHECK(load_content_key(b.db, storage, "deal-1", 1).error().kind() == ErrorKind::verify_failed);
}

TEST_CASE("a seller's manifest is stored once", "[handover]") {
    Buyer b;
    b.offer();
    REQUIRE(b.db.exec("UPDATE handover_stages SET manifest = NULL").ok());
    REQUIRE(save_manifest(b.db, "deal-1", 0, to_bytes("m")).ok());
    REQUIRE(save_manifest(b.db, "deal-1", 0, to_bytes("m")).ok());
    CHECK(save_manifest(b.db, "deal-1", 0, to_bytes("n")).error().kind() == ErrorKind::conflict);
    CHECK(save_manifest(b.db, "deal-1", 7, to_bytes("m")).error().kind() == ErrorKind::conflict);
}

TEST_CASE("decimal sums are exact, keep the scale and never write -0", "[handover][decimal]") {
    DecimalSum empty(2);
    CHECK(empty.text() == "0.00");
    CHECK(DecimalSum(0).text() == "0");
    DecimalSum s(2);
    REQUIRE(s.add("12.5"));
    REQUIRE(s.add("-25"));
    CHECK(s.text() == "-12.50");
    REQUIRE(s.add("12.50"));
    CHECK(s.text() == "0.00");
    REQUIRE(s.add("-0.01"));
    CHECK(s.text() == "-0.01");
    DecimalSum big(18);
    REQUIRE(big.add("99999999999999999999.999999999999999999"));  // 38 digits
    REQUIRE(big.add("99999999999999999999.999999999999999999"));
    CHECK(big.text() == "199999999999999999999.999999999999999998");
    REQUIRE(big.add("-0"));
    DecimalSum three(3);
    for (int i = 0; i < 1000; ++i) REQUIRE(three.add("12345678901234567.891"));
    CHECK(three.text() == "12345678901234567891.000");
    for (const char* bad : {"", "-", "1.", ".5", "1.234", "1e5", "+1", "1,000", "1 ", "１"}) {
        INFO(bad);
        CHECK_FALSE(s.add(bad));
    }
    CHECK_FALSE(DecimalSum(0).add(std::string(39, '9')));
    CHECK(s.text() == "-0.01");
}
