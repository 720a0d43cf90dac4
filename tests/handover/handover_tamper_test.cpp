// End to end: a stage that is wrong in the seller's store (issue 5 acceptance). A chunk altered
// after preparation, a manifest whose counts the data does not meet (well signed all the same),
// and a wrong content key each end in the buyer's signed rejection naming the cause; push exits 6
// with that cause; both sides hold the stage rejected with the signed receipt; nothing of that
// stage is exportable, and the next stage never reaches the buyer.
//
// The seller's store is corrupted between `baton prepare` and `baton push` by baton-test-forge
// (tests/handover/forge.cpp), a test-only tool.
//
// A seller whose messages break the protocol itself is refused on the live session instead: a
// chunk hash list that does not lead to the manifest's root (hashes_mismatch), a second manifest
// for a stage the buyer holds (manifest_conflict), a plan other than the one the buyer
// countersigned (plan_conflict). Push exits 4 naming the refusal; the buyer signs nothing, keeps
// what it stored as it was, and goes on serving.
#include <catch2/catch.hpp>

#include <cstdio>

#include "tests/handover/handover_world.h"

using namespace baton::handover_testing;

namespace {

void timing(const std::string& what, double seconds) {
    std::printf("[timing] %-60s %7.2f s\n", what.c_str(), seconds);
    std::fflush(stdout);
}

// The "stage.prepared" event of the stage named `name` in `baton --json prepare` output.
nlohmann::json prepared_event(const std::string& out, const std::string& name) {
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_object() && j.value("event", "") == "stage.prepared" && j["stage"]["name"] == name) return j;
    }
    return nullptr;
}

// baton-test-forge --home <seller> --deal D [--stage 1] ARGS...; returns its JSON summary.
nlohmann::json forge(const HandoverWorld& w, const std::vector<std::string>& args, bool stage_one = true) {
    std::vector<std::string> argv{FORGE_BIN, "--home", w.sb.home("seller"), "--deal", w.deal};
    if (stage_one) argv.insert(argv.end(), {"--stage", "1"});
    argv.insert(argv.end(), args.begin(), args.end());
    Proc p(w.sb, "forge", argv);
    const auto code = p.wait(60s);
    INFO(p.describe());
    REQUIRE(code == 0);
    return nlohmann::json::parse(p.out());
}

// A world of two stages — customers (about 3 chunks: every customer carries a 1 KB remark), then
// transactions and credit ratings — prepared on the seller; returns stage 1's prepared event.
nlohmann::json prepared_world(HandoverWorld& w) {
    auto t0 = SteadyClock::now();
    w.generate({.customers = 2500, .transactions_per_customer = 1, .seed = 5, .canary = "", .remark_bytes = 1000});
    w.import_all();
    w.ok("seller", {"plan", "create", "--deal", w.deal, "--buyer", w.sb.path("buyer.id"), "--stage", "customers:customers",
                    "--stage", "rest:transactions,credit_ratings"});
    const Run prep = w.ok("seller", {"--json", "prepare", "--deal", w.deal, "--all"});
    timing("tamper " + w.deal + ": generate, import, prepare", seconds_since(t0));
    const auto first = prepared_event(prep.out, "customers");
    INFO(prep.out);
    REQUIRE(first.is_object());
    REQUIRE(prepared_event(prep.out, "rest").is_object());
    return first;
}

// Pushes the forged stage 1 and checks everything the acceptance point asks for; `code` is the
// reason code the buyer must sign, `delivered` whether the stage got as far as a delivered receipt
// (a chunk that does not match its hash is rejected before delivery completes).
void require_rejected(HandoverWorld& w, const std::string& code, bool delivered) {
    auto& serve = w.serve();
    const auto t0 = SteadyClock::now();
    const Run push = w.push();
    timing("tamper " + w.deal + ": push until the rejection (" + code + ")", seconds_since(t0));
    INFO(describe(w.push_args(serve.address()), push) << "\n[serve log]\n" << serve.log());
    CHECK(push.code == 6);
    CHECK_THAT(push.err, Catch::Contains(code) && Catch::Contains("customers"));

    for (const std::string party : {"buyer", "seller"}) {
        const auto s = w.stage(party, "customers");
        INFO(party << ": " << s.dump(2));
        CHECK(s["state"] == "rejected");
        CHECK(has_receipts(s, {"rejected"}));
        CHECK_FALSE(has_receipts(s, {"verified"}));
        CHECK_FALSE(has_receipts(s, {"accepted"}));
        CHECK(has_receipts(s, {"delivered"}) == delivered);
        REQUIRE(s["reason"].is_string());
        CHECK_THAT(s["reason"].get<std::string>(), Catch::StartsWith(code + ":"));
        CHECK_THAT(w.ok(party, {"status", "--deal", w.deal}).out, Catch::Contains("rejected: " + code));
        // The next stage never reached the buyer; the seller holds it prepared.
        const auto next = w.stage(party, "rest");
        INFO("next stage on " << party << ": " << next.dump(2));
        CHECK(next["state"] == (party == "buyer" ? "pending" : "prepared"));
        CHECK(next["receipts"].empty());
        if (party == "buyer") CHECK(next["chunks_held"] == 0);
    }

    // Nothing of the rejected stage (nor of the next) is exportable on the buyer: each export
    // fails and writes no file.
    for (const std::string set : {"customers", "transactions", "credit_ratings"})
        for (const std::string format : {"csv", "jsonl"}) {
            const std::string file = w.sb.path("tampered-" + set + "." + format);
            const Run e = w.export_set("buyer", set, format, file);
            INFO(describe(w.as("buyer", {"export", "--set", set, "--format", format, "--out", file}), e));
            CHECK(e.code != 0);
            CHECK_FALSE(std::filesystem::exists(file));
            if (set == "customers") CHECK_THAT(e.err, Catch::Contains("stage 1 (customers)") && Catch::Contains("rejected"));
        }

    // A second push does not reopen it: the stage stays rejected, with the same cause.
    const Run again = w.push();
    INFO(describe(w.push_args(serve.address()), again));
    CHECK(again.code == 6);
    CHECK_THAT(again.err, Catch::Contains(code));
    CHECK(w.stage("buyer", "rest")["state"] == "pending");
}

// Pushes to the running serve; the buyer must refuse the session with `code`: push exits 4 naming
// it, and serve logs it and goes on running.
void require_refused(HandoverWorld& w, const std::string& code) {
    REQUIRE(w.buyer_serve);
    auto& serve = *w.buyer_serve;
    const Run push = w.push();
    INFO(describe(w.push_args(serve.address()), push) << "\n[serve log]\n" << serve.log());
    CHECK(push.code == 4);
    CHECK_THAT(push.err, Catch::Contains("refused: " + code));
    CHECK(serve.log_contains(code));
    CHECK(serve.running());
}

// Stage 1 as the buyer holds it after a refusal: offered, no chunk, no receipt.
void require_offered_only(const HandoverWorld& w) {
    const auto s = w.stage("buyer", "customers");
    INFO(s.dump(2));
    CHECK(s["state"] == "offered");
    CHECK(s["chunks_held"] == 0);
    CHECK(s["receipts"].empty());
}

// The signed manifest of stage 1 as `party`'s database holds it.
baton::Bytes stored_manifest(const HandoverWorld& w, const std::string& party) {
    const auto rows = blob_rows(w.sb.home(party) + "/baton.db",
                                "SELECT stage_number, manifest FROM handover_stages WHERE deal = ? AND stage_number = 0", w.deal);
    REQUIRE(rows.size() == 1);
    return rows[0].second;
}

// The plan hash `baton plan show --json` reports on `party`.
std::string plan_hash(const HandoverWorld& w, const std::string& party) {
    const auto j = parse_json(w.ok(party, {"--json", "plan", "show", "--deal", w.deal}));
    REQUIRE(j.contains("plan_hash"));
    return j["plan_hash"].get<std::string>();
}

}  // namespace

TEST_CASE("a chunk altered in the seller's store is rejected as chunk_mismatch", "[handover][e2e][tamper]") {
    HandoverWorld w("D-HO-T1");
    const auto first = prepared_world(w);
    const uint64_t chunks = first["chunks"].get<uint64_t>();
    REQUIRE(chunks >= 2);
    const uint64_t index = chunks / 2;
    const auto forged = forge(w, {"chunk-byte", "--index", std::to_string(index)});
    INFO(forged.dump());
    REQUIRE(forged["index"] == index);
    require_rejected(w, "chunk_mismatch", /*delivered=*/false);
    // The buyer holds at most the chunks before the altered one.
    CHECK(w.stage("buyer", "customers")["chunks_held"].get<uint64_t>() <= index);
}

TEST_CASE("a manifest whose record count is wrong is rejected as count_mismatch", "[handover][e2e][tamper]") {
    HandoverWorld w("D-HO-T2");
    const auto first = prepared_world(w);
    const auto forged = forge(w, {"manifest-count", "--set", "customers"});
    INFO(forged.dump());
    REQUIRE(forged["records_were"] == first["records"]);
    require_rejected(w, "count_mismatch", /*delivered=*/true);
    const auto s = w.stage("buyer", "customers");
    CHECK_THAT(s["reason"].get<std::string>(), Catch::Contains("customers") && Catch::Contains("2501") &&
                                                   Catch::Contains("2500"));
}

TEST_CASE("a wrong content key is rejected as chunk_decrypt_failed", "[handover][e2e][tamper]") {
    HandoverWorld w("D-HO-T3");
    (void)prepared_world(w);
    const auto forged = forge(w, {"content-key"});
    INFO(forged.dump());
    REQUIRE(forged["content_key"] == "replaced");
    require_rejected(w, "chunk_decrypt_failed", /*delivered=*/true);
}

TEST_CASE("chunk hashes that do not lead to the manifest's root are refused as hashes_mismatch, and a repaired seller resumes",
          "[handover][e2e][tamper][refusal]") {
    HandoverWorld w("D-HO-T4");
    (void)prepared_world(w);
    const auto forged = forge(w, {"chunk-hash", "--index", "1"});
    INFO(forged.dump());
    REQUIRE(forged["index"] == 1);
    w.serve();
    require_refused(w, "hashes_mismatch");
    require_offered_only(w);

    // The same byte flipped back: the buyer, which stored nothing of the bad list, takes the good one.
    (void)forge(w, {"chunk-hash", "--index", "1", "--after-push"});
    const Run push = w.push();
    INFO(describe(w.push_args(w.buyer_serve->address()), push));
    REQUIRE(push.code == 0);
    CHECK(w.stage("buyer", "customers")["state"] == "accepted");
    w.require_exports_equal();
}

TEST_CASE("a second manifest for a stage the buyer holds is refused as manifest_conflict", "[handover][e2e][tamper][refusal]") {
    HandoverWorld w("D-HO-T5");
    (void)prepared_world(w);
    (void)forge(w, {"chunk-hash", "--index", "0"});
    w.serve();
    require_refused(w, "hashes_mismatch");  // the buyer now holds stage 1's manifest, offered
    const baton::Bytes held = stored_manifest(w, "buyer");
    REQUIRE(held == stored_manifest(w, "seller"));

    (void)forge(w, {"chunk-hash", "--index", "0", "--after-push"});
    (void)forge(w, {"manifest-count", "--set", "customers", "--after-push"});
    REQUIRE(stored_manifest(w, "seller") != held);
    require_refused(w, "manifest_conflict");
    CHECK(stored_manifest(w, "buyer") == held);
    require_offered_only(w);
}

TEST_CASE("a plan other than the one the buyer countersigned is refused as plan_conflict", "[handover][e2e][tamper][refusal]") {
    HandoverWorld w("D-HO-T6");
    (void)prepared_world(w);
    w.serve();
    const Run push = w.push();
    INFO(describe(w.push_args(w.buyer_serve->address()), push));
    REQUIRE(push.code == 0);
    const std::string agreed = plan_hash(w, "buyer");

    const auto forged = forge(w, {"plan"}, /*stage_one=*/false);
    INFO(forged.dump());
    REQUIRE(forged["plan_hash_was"] == agreed);
    REQUIRE(plan_hash(w, "seller") != agreed);
    require_refused(w, "plan_conflict");
    CHECK(plan_hash(w, "buyer") == agreed);
    CHECK(w.stage("buyer", "customers")["state"] == "accepted");
    CHECK(w.stage("buyer", "rest")["state"] == "accepted");
    w.require_exports_equal();
}
