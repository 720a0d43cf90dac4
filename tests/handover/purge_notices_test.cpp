// End to end: after the handover (issue 6, DESIGN §3 step 5). `baton purge` deletes the seller's
// copy of an accepted stage so that none of its bytes survives in any file of the home, signs a
// deletion receipt, and survives a kill -9 at any moment; `baton notices` writes the buyer's PIPL
// Art. 22 notice batch from the accepted stages only. Real processes on loopback
// (handover_world.h), databases read directly to find the bytes that must disappear.
#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <random>

#include "agent/files.h"
#include "agent/notice_fields.h"
#include "protocol/handover/statements.h"
#include "tests/handover/purge_world.h"
#include "tests/handover/witness_world.h"

using namespace baton::handover_testing;

namespace {

const std::string kCanary = "CANARY-7d41c2e9-净化-purge";

std::string db_of(const HandoverWorld& w, const std::string& party) { return w.sb.home(party) + "/baton.db"; }

// The bytes stage `n` of the deal holds on `party`, and those of a record set, read from the
// database: what a purge must leave in no file.
struct StageBytes {
    std::vector<std::string> chunk_needles, batch_needles, hash_needles, key_needles;
    size_t chunks = 0;
    std::vector<std::string> all() const {
        std::vector<std::string> a = chunk_needles;
        for (const auto* v : {&batch_needles, &hash_needles, &key_needles}) a.insert(a.end(), v->begin(), v->end());
        return a;
    }
};

StageBytes stage_bytes(const HandoverWorld& w, int stage_number, const std::string& set) {
    const std::string db = db_of(w, "seller"), n = std::to_string(stage_number);
    StageBytes b;
    const auto chunks = query_blobs(db, "SELECT ciphertext FROM handover_chunks WHERE deal = '" + w.deal +
                                            "' AND stage_number = " + n);
    b.chunks = chunks.size();
    b.chunk_needles = needles_of(chunks, 32768);
    b.batch_needles = needles_of(query_blobs(db, "SELECT ciphertext FROM record_batches JOIN record_sets ON set_id = id "
                                                 "WHERE name = '" + set + "'"), 16384);
    b.hash_needles = needles_of(query_blobs(db, "SELECT hashes FROM record_key_hashes JOIN record_sets ON set_id = id "
                                                "WHERE name = '" + set + "'"), 4096);
    b.key_needles = needles_of(query_blobs(db, "SELECT content_key FROM handover_stages WHERE deal = '" + w.deal +
                                               "' AND stage_number = " + n + " AND content_key IS NOT NULL"), 16, 16, 0);
    return b;
}

// The two-stage plan (customers; transactions) of the purge tests, plus credit_ratings as a third
// stage that is prepared but never pushed.
void plan_three_stages(const HandoverWorld& w) { w.create_plan(); }

// Handover of stages 1 and 2; stage 3 stays prepared on the seller.
void hand_over_two_stages(HandoverWorld& w) {
    auto& serve = w.serve();
    const Run push = w.push({"--stage", "transactions"});
    INFO(describe(w.push_args(serve.address(), {"--stage", "transactions"}), push) << "\n[serve log]\n" << serve.log());
    REQUIRE(push.code == 0);
    for (const std::string party : {"seller", "buyer"})
        for (const std::string stage : {"customers", "transactions"}) CHECK(w.stage(party, stage)["state"] == "accepted");
    // The buyer's serve must not hold the buyer's database while the tests read it.
    w.buyer_serve.reset();
}

baton::handover::Signed decode(const std::string& bytes) {
    auto env = baton::handover::decode_signed(baton::ByteView(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    INFO((env ? "" : env.error().message()));
    REQUIRE(env);
    return std::move(env).value();
}

// The seller's stored purged receipt of stage `n` opens, is signed by the seller, and names the
// stage's manifest and Merkle root.
std::string require_purged_receipt(const HandoverWorld& w, int n) {
    const std::string db = db_of(w, "seller"), where = "deal = '" + w.deal + "' AND stage_number = " + std::to_string(n);
    const auto receipts = query_blobs(db, "SELECT statement FROM handover_receipts WHERE kind = 'purged' AND " + where);
    REQUIRE(receipts.size() == 1);
    const auto env = decode(receipts[0]);
    auto r = baton::handover::open_receipt(env);
    INFO((r ? "" : r.error().message()));
    REQUIRE(r);
    auto seller = baton::agent::read_identity_file(w.sb.path("seller.id"));
    REQUIRE(seller);
    CHECK(env.signer == seller->key);
    CHECK(r->kind == baton::handover::ReceiptKind::purged);
    CHECK(r->deal == w.deal);
    CHECK(r->stage_number == static_cast<uint32_t>(n));
    const auto manifests = query_blobs(db, "SELECT manifest FROM handover_stages WHERE " + where);
    REQUIRE(manifests.size() == 1);
    const auto menv = decode(manifests[0]);
    auto m = baton::handover::open_manifest(menv);
    REQUIRE(m);
    CHECK(r->manifest_hash == baton::handover::statement_hash(menv));
    CHECK(r->merkle_root == m->merkle_root);
    return receipts[0];
}

}  // namespace

TEST_CASE("purge leaves no byte of the stage in any file of the seller's home, and keeps the rest", "[purge][e2e]") {
    HandoverWorld w("D-PURGE-1");
    const auto sample = w.generate({.customers = 1500, .transactions_per_customer = 2, .seed = 21, .canary = kCanary,
                                    .remark_bytes = 1500});
    w.import_all();
    plan_three_stages(w);

    // Before the handover nothing is accepted: the purge refuses, naming the state.
    {
        const Run r = w.run("seller", {"purge", "--deal", w.deal, "--stage", "customers", "--yes"});
        INFO(r.out << r.err);
        CHECK(r.code == 8);
        CHECK_THAT(r.err, Catch::Contains("stage 1 (customers)") && Catch::Contains("pending") &&
                              Catch::Contains("only an accepted stage"));
    }
    hand_over_two_stages(w);

    // A stage that is not accepted (prepared, never offered) is refused, and nothing changes.
    const std::string db = db_of(w, "seller");
    const int64_t chunks3 = query_int(db, "SELECT count(*) FROM handover_chunks WHERE stage_number = 2");
    REQUIRE(chunks3 > 0);
    {
        const Run r = w.run("seller", {"purge", "--deal", w.deal, "--stage", "credit_ratings", "--yes"});
        INFO(r.out << r.err);
        CHECK(r.code == 8);
        CHECK_THAT(r.err, Catch::Contains("stage 3 (credit_ratings)") && Catch::Contains("is prepared"));
        CHECK(query_int(db, "SELECT count(*) FROM handover_chunks WHERE stage_number = 2") == chunks3);
        CHECK(w.stage("seller", "credit_ratings")["state"] == "prepared");
    }
    // Only the seller purges.
    {
        const Run r = w.run("buyer", {"purge", "--deal", w.deal, "--stage", "customers", "--yes"});
        CHECK(r.code == 8);
        CHECK_THAT(r.err, Catch::Contains("only the seller"));
    }

    // What stage 1 and stage 2 hold, read from the database: each must be findable in the files
    // now, or the search below could not fail.
    const StageBytes s1 = stage_bytes(w, 0, "customers"), s2 = stage_bytes(w, 1, "transactions");
    REQUIRE(s1.chunks >= 2);
    REQUIRE(s1.chunk_needles.size() >= 20);
    REQUIRE(s1.batch_needles.size() >= 20);
    REQUIRE(s1.hash_needles.size() >= 5);
    REQUIRE(s1.key_needles.size() >= 4);
    const auto all1 = s1.all(), all2 = s2.all();
    const size_t before1 = needles_found(w.sb.home("seller"), all1), before2 = needles_found(w.sb.home("seller"), all2);
    INFO(file_list(w.sb.home("seller")));
    CHECK(before1 >= all1.size() * 9 / 10);
    CHECK(before2 >= all2.size() * 9 / 10);

    const Run purge = w.ok("seller", {"--json", "purge", "--deal", w.deal, "--stage", "customers", "--yes"});
    const auto j = parse_json(purge);
    INFO(j.dump(2));
    CHECK(j["state"] == "purged");
    CHECK(j["already_purged"] == false);
    CHECK(j["deleted"]["chunks"] == s1.chunks);
    CHECK(j["deleted"]["content_key"] == true);
    CHECK(j["deleted"]["sets"] == nlohmann::json::array({"customers"}));
    CHECK(j["deleted"]["records"] == sample["customers"]);
    CHECK(j["kept_sets"].empty());
    CHECK(j["witness"]["witnessed"] == false);

    // No byte of stage 1 is left in any file: chunks, sealed record batches, key hashes, content
    // key — nor the canary. Stage 2's bytes are all still there.
    std::string where;
    const size_t after1 = needles_found(w.sb.home("seller"), all1, &where);
    INFO("stage 1 bytes still found:\n" << where << "files:\n" << file_list(w.sb.home("seller")));
    CHECK(after1 == 0);
    CHECK(needles_found(w.sb.home("seller"), all2) >= all2.size() * 9 / 10);
    for (const auto& [path, bytes] : files_under(w.sb.home("seller"))) {
        INFO(path);
        CHECK(bytes.find(kCanary) == std::string::npos);
    }
    CHECK(query_int(db, "SELECT count(*) FROM handover_chunks WHERE stage_number = 0") == 0);
    CHECK(query_int(db, "SELECT count(*) FROM record_sets WHERE name = 'customers'") == 0);
    CHECK(query_int(db, "PRAGMA freelist_count") == 0);

    // The purged receipt: the seller's signature over the stage's manifest and root.
    const std::string receipt = require_purged_receipt(w, 0);

    // Status shows the stage purged; stage 2 is untouched and still exports exactly as the buyer
    // received it; the seller's customers are gone, the buyer's are not.
    const auto st1 = w.stage("seller", "customers");
    CHECK(st1["state"] == "purged");
    CHECK(has_receipts(st1, {"delivered", "verified", "accepted", "purged"}));
    CHECK(w.stage("seller", "transactions")["state"] == "accepted");
    CHECK_THAT(w.ok("seller", {"status", "--deal", w.deal}).out, Catch::Contains("purged"));
    w.require_exports_equal({"transactions"});
    CHECK(w.export_set("seller", "customers", "csv", w.sb.path("gone.csv")).code != 0);
    REQUIRE(w.export_set("buyer", "customers", "csv", w.sb.path("buyer-kept.csv")).code == 0);
    CHECK(read_text(w.sb.path("buyer-kept.csv")).find(kCanary) != std::string::npos);

    // Purging again is fine: it says so, scrubs again, and the receipt stays the same.
    const Run again = w.ok("seller", {"purge", "--deal", w.deal, "--stage", "customers", "--yes"});
    CHECK_THAT(again.out, Catch::Contains("purged already"));
    const auto again_json = parse_json(w.ok("seller", {"--json", "purge", "--deal", w.deal, "--stage", "customers"}));
    CHECK(again_json["already_purged"] == true);
    CHECK(require_purged_receipt(w, 0) == receipt);

    // The audit chain holds the purge (counts, no value) and still verifies.
    const Run audit = w.ok("seller", {"audit"});
    CHECK_THAT(audit.out, Catch::Contains("stage.purged"));
    CHECK(audit.out.find(kCanary) == std::string::npos);
    w.ok("seller", {"audit", "--verify"});
}

TEST_CASE("a purge killed at any moment leaves the stage intact or purged, and running it again completes it",
          "[purge][e2e][crash]") {
    HandoverWorld w("D-PURGE-2");
    w.generate({.customers = 4000, .transactions_per_customer = 1, .seed = 22, .canary = kCanary, .remark_bytes = 2000});
    w.import_all();
    plan_three_stages(w);
    hand_over_two_stages(w);

    const std::string home = w.sb.home("seller"), backup = w.sb.path("seller-backup"), db = db_of(w, "seller");
    std::filesystem::copy(home, backup, std::filesystem::copy_options::recursive);
    const StageBytes s1 = stage_bytes(w, 0, "customers");
    const auto needles = s1.all();
    const int64_t chunks = static_cast<int64_t>(s1.chunks);
    REQUIRE(chunks >= 5);

    // How long a whole purge takes, to spread the kills over it.
    const auto t0 = SteadyClock::now();
    w.ok("seller", {"purge", "--deal", w.deal, "--stage", "customers", "--yes"});
    const auto full = std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - t0);
    std::printf("[timing] a whole purge: %.3f s\n", static_cast<double>(full.count()) / 1e6);

    std::mt19937_64 rng(6);
    int intact = 0, purged = 0;
    for (int i = 0; i < 10; ++i) {
        std::filesystem::remove_all(home);
        std::filesystem::copy(backup, home, std::filesystem::copy_options::recursive);
        const auto delay = std::chrono::microseconds(
            static_cast<int64_t>(static_cast<double>(full.count()) * std::uniform_real_distribution<double>(0.05, 1.0)(rng)));
        Proc p(w.sb, "purge", {BATON_BIN, "--home", home, "purge", "--deal", w.deal, "--stage", "customers", "--yes"});
        std::this_thread::sleep_for(delay);
        const auto code = p.kill(SIGKILL);
        INFO("kill after " << delay.count() << " us (exit " << (code ? *code : -1) << ")\n" << p.describe());
        REQUIRE(code.has_value());

        // Either the old state, whole, or the purged one.
        const auto s = w.stage("seller", "customers");
        if (s["state"] == "accepted") {
            ++intact;
            CHECK_FALSE(has_receipts(s, {"purged"}));
            CHECK(query_int(db, "SELECT count(*) FROM handover_chunks WHERE stage_number = 0") == chunks);
            CHECK(query_int(db, "SELECT count(*) FROM handover_stages WHERE stage_number = 0 AND content_key IS NOT NULL") == 1);
            CHECK(query_int(db, "SELECT count(*) FROM record_sets WHERE name = 'customers'") == 1);
        } else {
            ++purged;
            CHECK(s["state"] == "purged");
            CHECK(query_int(db, "SELECT count(*) FROM handover_chunks WHERE stage_number = 0") == 0);
            CHECK(query_int(db, "SELECT count(*) FROM record_sets WHERE name = 'customers'") == 0);
        }
        // Running it again completes the purge: nothing of the stage is left in any file.
        w.ok("seller", {"purge", "--deal", w.deal, "--stage", "customers", "--yes"});
        CHECK(w.stage("seller", "customers")["state"] == "purged");
        std::string where;
        CHECK(needles_found(home, needles, &where) == 0);
        INFO(where);
        require_purged_receipt(w, 0);
        w.ok("seller", {"audit", "--verify"});
        w.require_exports_equal({"transactions"});
    }
    std::printf("[purge kills] %d left the stage intact, %d purged\n", intact, purged);
}

TEST_CASE("a record set that another deal's unpurged stage names is kept", "[purge][e2e]") {
    HandoverWorld w("D-PURGE-3");
    w.generate({.customers = 300, .transactions_per_customer = 1, .seed = 23, .canary = "", .remark_bytes = 0});
    w.import_all();
    plan_three_stages(w);
    hand_over_two_stages(w);
    // A second deal of the same seller plans to hand customers over again, to another buyer.
    const std::string other = "D-PURGE-3B";
    w.ok("seller", {"trust", "add", "--deal", other, "--authority", w.sb.path("authority.id")});
    w.ok("seller", {"cert", "install", w.sb.issue("authority", "seller", "seller", other)});
    w.ok("seller", {"plan", "create", "--deal", other, "--buyer", w.sb.path("witness.id"), "--stage", "all:customers"});

    // A plan without a witness refuses --witness before deleting anything.
    {
        const Run r = w.run("seller", {"purge", "--deal", w.deal, "--stage", "customers", "--yes", "--witness", "127.0.0.1:9"});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Contains("names no witness"));
        CHECK(w.stage("seller", "customers")["state"] == "accepted");
    }
    const auto j = parse_json(w.ok("seller", {"--json", "purge", "--deal", w.deal, "--stage", "customers", "--yes"}));
    INFO(j.dump(2));
    CHECK(j["deleted"]["sets"].empty());
    REQUIRE(j["kept_sets"].size() == 1);
    CHECK(j["kept_sets"][0]["set"] == "customers");
    CHECK_THAT(j["kept_sets"][0]["reason"].get<std::string>(), Catch::Contains(other));
    CHECK(j["deleted"]["chunks"].get<int>() > 0);
    CHECK(w.stage("seller", "customers")["state"] == "purged");
    // The set is still the seller's to export; the stage's chunks are gone.
    CHECK(w.export_set("seller", "customers", "csv", w.sb.path("still.csv")).code == 0);
    CHECK(query_int(db_of(w, "seller"), "SELECT count(*) FROM handover_chunks WHERE deal = '" + w.deal +
                                            "' AND stage_number = 0") == 0);
}

TEST_CASE("purge --witness puts the deletion receipt in the witness's log; a witness that is down is retried",
          "[purge][witness][e2e]") {
    WitnessWorld w("D-PURGE-W");
    w.prepare_witnessed_deal({.customers = 300, .transactions_per_customer = 1, .seed = 24, .canary = "", .remark_bytes = 0});
    auto& serve = w.serve();
    const uint16_t port = free_port();
    const std::string at = "127.0.0.1:" + std::to_string(port);
    auto witness = w.witness_serve(port);
    {
        const Run pushed = w.push({"--witness", at});
        INFO(describe(w.push_args(serve.address(), {"--witness", at}), pushed) << "\n[witness]\n" << witness->describe());
        REQUIRE(pushed.code == 0);
    }
    w.buyer_serve.reset();

    // The witness is down: the purge is done and says so, but exits 5 (unreachable).
    witness->kill(SIGKILL);
    {
        const Run r = w.run("seller", {"--json", "purge", "--deal", w.deal, "--stage", "customers", "--yes", "--witness", at});
        INFO(r.out << r.err);
        CHECK(r.code == 5);
        const auto j = nlohmann::json::parse(r.out);
        CHECK(j["state"] == "purged");
        CHECK(j["witness"]["witnessed"] == false);
        CHECK_THAT(r.err, Catch::Contains("did not take the deletion receipt"));
    }
    CHECK(w.stage("seller", "customers")["state"] == "purged");
    const std::string receipt = require_purged_receipt(w, 0);
    CHECK(w.held("witness").leaves.size() == w.held("seller").leaves.size());

    // Back up: purging again submits the receipt; it is the witness's newest leaf, in a verified log.
    witness = w.witness_serve(port);
    const auto j = parse_json(w.ok("seller", {"--json", "purge", "--deal", w.deal, "--stage", "customers", "--witness", at}));
    INFO(j.dump(2) << "\n[witness]\n" << witness->describe());
    CHECK(j["already_purged"] == true);
    CHECK(j["witness"]["witnessed"] == true);
    witness->kill(SIGTERM);
    const auto log = w.held("witness");
    REQUIRE_FALSE(log.leaves.empty());
    CHECK(std::string(log.leaves.back().second.begin(), log.leaves.back().second.end()) == receipt);
    verify_log(log, w.deal);
    CHECK(w.held("seller").leaves.size() == log.leaves.size());  // the seller's mirror has it too
}

// ---- notices ---------------------------------------------------------------------------------

namespace {

// A small set whose fields are contacts by name only, one of them named like a fixed column.
constexpr const char* kContactsSchema = R"({ "set": "contacts", "primary_key": ["contact_id"],
  "fields": [
    { "name": "contact_id",     "type": "string", "required": true },
    { "name": "full_name",      "type": "string" },
    { "name": "Phone",          "type": "string" },
    { "name": "wechat_contact", "type": "string" },
    { "name": "recipient_name", "type": "string" },
    { "name": "note",           "type": "string" } ] }
)";
constexpr const char* kContactsCsv =
    "contact_id,full_name,Phone,wechat_contact,recipient_name,note\r\n"
    "C1,\"Li, Wei\",010-5555-0101,,x,private note 1\r\n"
    "C2,张三,010-5555-0102,wx_zhang,,\r\n"
    "C3,\"Quote \"\"Q\"\" Person\",,wx_q,,\r\n"
    "C4,No Way,,,,unreachable\r\n"
    "C5,E,010-5555-0105,,,\r\n";
constexpr int kContacts = 5;

std::map<std::string, size_t> column_index(const std::vector<std::string>& header) {
    std::map<std::string, size_t> m;
    for (size_t i = 0; i < header.size(); ++i) m[header[i]] = i;
    return m;
}

// The customer_id column of the generated customers file.
std::set<std::string> customer_ids(const HandoverWorld& w) {
    const auto rows = parse_csv(read_text(w.data("customers.csv")));
    std::set<std::string> ids;
    for (size_t i = 1; i < rows.size(); ++i) ids.insert(rows[i][0]);
    return ids;
}

}  // namespace

TEST_CASE("notices list every customer of the accepted stages, with the recipient, and nothing else", "[notices][e2e]") {
    HandoverWorld w("D-NOTICE-1");
    const auto sample = w.generate({.customers = 400, .transactions_per_customer = 1, .seed = 31, .canary = kCanary,
                                    .remark_bytes = 0});
    const uint64_t customers = sample["customers"].get<uint64_t>();
    write_text(w.sb.path("data/contacts.schema.json"), kContactsSchema);
    write_text(w.sb.path("data/contacts.csv"), kContactsCsv);
    w.ok("seller", {"import", "--set", "customers", "--schema", w.data("customers.schema.json"), "--file", w.data("customers.csv")});
    w.ok("seller", {"import", "--set", "contacts", "--schema", w.data("contacts.schema.json"), "--file", w.data("contacts.csv")});
    w.ok("seller", {"plan", "create", "--deal", w.deal, "--buyer", w.sb.path("buyer.id"), "--stage", "customers:customers",
                    "--stage", "contacts:contacts", "--mask", "customers.mobile=mask", "--mask", "customers.email=drop",
                    "--manual-accept"});
    auto& serve = w.serve();
    auto push = w.push_in_background(serve.address());
    const std::string out = w.sb.path("notices.csv");
    const std::string contact = "dpo@buyer.example, +86 10 5555 0000";
    const std::vector<std::string> notices{"--json", "notices", "--deal", w.deal, "--out", out, "--recipient-contact", contact};

    // Stage 1 verified, not accepted: nobody to notify yet, and no file.
    {
        const bool verified = w.wait_for_state("buyer", "customers", "verified", 180s, push.get());
        INFO(push->describe() << "\n[serve log]\n" << serve.log());
        REQUIRE(verified);
    }
    {
        const Run r = w.run("buyer", notices);
        INFO(r.out << r.err);
        CHECK(r.code == 8);
        CHECK_THAT(r.err, Catch::Contains("no stage of deal D-NOTICE-1 is accepted"));
        CHECK_FALSE(std::filesystem::exists(out));
    }
    w.ok("buyer", {"accept", "--deal", w.deal, "--stage", "customers"});
    {
        const bool verified = w.wait_for_state("buyer", "contacts", "verified", 180s, push.get());
        INFO(push->describe() << "\n[serve log]\n" << serve.log());
        REQUIRE(verified);
    }
    // Without a contact for the recipient (the buyer's identity has none) the batch is refused.
    {
        const Run r = w.run("buyer", {"notices", "--deal", w.deal, "--out", out});
        CHECK(r.code == 2);
        CHECK_THAT(r.err, Catch::Contains("--recipient-contact"));
        CHECK_FALSE(std::filesystem::exists(out));
    }
    // Only the buyer writes notices.
    CHECK(w.run("seller", {"notices", "--deal", w.deal, "--out", w.sb.path("seller-notices.csv"),
                           "--recipient-contact", contact}).code == 8);

    const std::vector<std::string> kHead{"deal", "stage", "record_set", "customer_key"};
    const std::vector<std::string> kTail{"reachable_through", "contact_notes", "recipient_name", "recipient_contact",
                                         "transferor_name", "purpose"};
    // Stage 1 accepted, stage 2 (contacts, whose fields are all contacts) only verified: one row
    // per customer of stage 1, nothing of stage 2.
    {
        const Run r = w.ok("buyer", notices);
        const auto j = parse_json(r);
        INFO(j.dump(2) << "\n" << r.err);
        CHECK(j["rows"] == customers);
        CHECK(j["unreachable"] == customers);  // mobile masked, email dropped: no channel left
        CHECK(j["stages_included"] == nlohmann::json::array({"customers"}));
        CHECK_THAT(r.err, Catch::Contains("cannot be notified"));
        struct stat st{};
        REQUIRE(::stat(out.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);

        const auto rows = parse_csv(read_text(out));
        REQUIRE(rows.size() == customers + 1);
        std::vector<std::string> expected = kHead;
        for (const char* f : {"name", "mobile", "email"}) expected.push_back(f);
        expected.insert(expected.end(), kTail.begin(), kTail.end());
        CHECK(rows[0] == expected);
        auto col = column_index(rows[0]);
        std::set<std::string> keys;
        for (size_t i = 1; i < rows.size(); ++i) {
            const auto& row = rows[i];
            REQUIRE(row.size() == expected.size());
            CHECK(row[col["deal"]] == w.deal);
            CHECK(row[col["stage"]] == "customers");
            CHECK(row[col["record_set"]] == "customers");
            CHECK(row[col["recipient_name"]] == "buyer");
            CHECK(row[col["recipient_contact"]] == contact);
            CHECK(row[col["transferor_name"]] == "seller");
            CHECK_THAT(row[col["purpose"]], Catch::Contains("PIPL Art. 22"));
            CHECK_FALSE(row[col["name"]].empty());
            CHECK((row[col["mobile"]].empty() || row[col["mobile"]].find("****") != std::string::npos));
            CHECK(row[col["email"]].empty());
            CHECK_THAT(row[col["contact_notes"]], Catch::Contains("mobile: masked") && Catch::Contains("email: dropped"));
            CHECK(row[col["reachable_through"]].empty());
            keys.insert(row[col["customer_key"]]);
        }
        CHECK(keys == customer_ids(w));
    }

    w.ok("buyer", {"accept", "--deal", w.deal, "--stage", "contacts"});
    {
        const auto code = push->wait(120s);
        INFO(push->describe() << "\n[serve log]\n" << serve.log());
        REQUIRE(code == 0);
    }
    // Both stages accepted: the contacts follow, with their own fields; a field named like a
    // fixed column is prefixed.
    {
        const auto j = parse_json(w.ok("buyer", notices));
        INFO(j.dump(2));
        CHECK(j["rows"] == customers + kContacts);
        CHECK(j["unreachable"] == customers + 1);  // C4 has neither phone nor wechat
        const auto rows = parse_csv(read_text(out));
        REQUIRE(rows.size() == customers + kContacts + 1);
        std::vector<std::string> expected = kHead;
        for (const char* f : {"name", "mobile", "email", "full_name", "Phone", "wechat_contact", "field:recipient_name"})
            expected.push_back(f);
        expected.insert(expected.end(), kTail.begin(), kTail.end());
        CHECK(rows[0] == expected);
        auto col = column_index(rows[0]);
        std::map<std::string, std::vector<std::string>> contacts;
        for (size_t i = 1; i < rows.size(); ++i)
            if (rows[i][col["record_set"]] == "contacts") contacts[rows[i][col["customer_key"]]] = rows[i];
        REQUIRE(contacts.size() == kContacts);
        CHECK(contacts["C1"][col["full_name"]] == "Li, Wei");
        CHECK(contacts["C1"][col["Phone"]] == "010-5555-0101");
        CHECK(contacts["C1"][col["field:recipient_name"]] == "x");
        CHECK(contacts["C1"][col["recipient_name"]] == "buyer");
        CHECK(contacts["C1"][col["reachable_through"]] == "Phone");
        CHECK(contacts["C2"][col["reachable_through"]] == "Phone; wechat_contact");
        CHECK(contacts["C3"][col["full_name"]] == "Quote \"Q\" Person");
        CHECK(contacts["C3"][col["contact_notes"]] == "Phone: empty; recipient_name: empty");
        CHECK(contacts["C4"][col["reachable_through"]].empty());
        CHECK(contacts["C2"][col["stage"]] == "contacts");
        CHECK(contacts["C2"][col["name"]].empty());  // a customers column the contacts set lacks
    }
    // The audit row counts; it holds no value.
    const Run audit = w.ok("buyer", {"audit"});
    CHECK_THAT(audit.out, Catch::Contains("notices"));
    for (const char* value : {"010-5555-0101", "wx_zhang", "Li, Wei"}) CHECK(audit.out.find(value) == std::string::npos);
    w.ok("buyer", {"audit", "--verify"});
}

TEST_CASE("the notice rule: contact fields by type or by name, channels apart from names", "[notices]") {
    using baton::agent::is_channel_field;
    using baton::agent::is_contact_field;
    CHECK(is_contact_field("mobile", "cn_mobile"));
    CHECK(is_contact_field("x", "cn_mobile"));
    CHECK(is_contact_field("x", "email"));
    CHECK(is_contact_field("Customer_Name", "string"));
    CHECK(is_contact_field("HOME_ADDRESS", "string"));
    CHECK(is_contact_field("联系电话", "string"));
    CHECK(is_contact_field("客户姓名", "string"));
    CHECK_FALSE(is_contact_field("counterparty", "string"));
    CHECK_FALSE(is_contact_field("remark", "string"));
    CHECK_FALSE(is_contact_field("customer_id", "string"));
    CHECK_FALSE(is_contact_field("contact_id", "string"));  // an identifier, though it says contact
    CHECK_FALSE(is_contact_field("Contact-ID", "string"));
    CHECK(is_contact_field("contact_person", "string"));
    CHECK(is_channel_field("Phone", "string"));
    CHECK(is_channel_field("x", "email"));
    CHECK(is_channel_field("mail_to", "string"));
    CHECK_FALSE(is_channel_field("full_name", "string"));
    CHECK_FALSE(is_channel_field("姓名", "string"));

    // A masked mobile and a dropped e-mail are noted, never counted as a way to reach someone.
    baton::handover::SetSummary set;
    set.name = "people";
    set.schema_json = R"({"set":"people","primary_key":["id"],"fields":[{"name":"id","type":"string","required":true},)"
                      R"({"name":"name","type":"string"},{"name":"mobile","type":"string"},{"name":"tel_no","type":"cn_mobile"}]})";
    set.columns = {"id", "name", "mobile", "tel_no"};
    set.masks = {{"id", "keep"}, {"name", "keep"}, {"mobile", "mask"}, {"email", "drop"}, {"tel_no", "keep"}};
    auto ns = baton::agent::notice_set(set);
    REQUIRE(ns);
    REQUIRE(ns->fields.size() == 4);
    CHECK(ns->fields[2].name == "email");
    CHECK_FALSE(ns->fields[2].column.has_value());
    const std::vector<baton::records::FieldValue> row{"P1", "王伟", "138****1234", std::nullopt};
    const auto r = baton::agent::notice_row(*ns, row);
    CHECK(r.key == "P1");
    CHECK(r.reachable.empty());
    CHECK(r.notes == std::vector<std::string>{"mobile: masked", "email: dropped", "tel_no: empty"});
    const std::vector<baton::records::FieldValue> row2{"P2", "李", "138****1234", "13800001111"};
    CHECK(baton::agent::notice_row(*ns, row2).reachable == std::vector<std::string>{"tel_no"});
}
