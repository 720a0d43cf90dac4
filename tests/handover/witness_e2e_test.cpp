// Witnessed handovers end to end (docs/witness.md), three real processes on loopback: the
// seller's `baton push --witness`, the buyer's `baton serve` and the witness's `baton serve`.
// A witnessed two-stage handover closes both stages on the witness's checkpoints and leaves a log
// that verifies; a second, different manifest for a stage is refused (conflicting_manifest) and
// the refusal kept on both sides and in the seller's evidence file; a witness killed mid-handover
// pauses closure until it returns; push refuses a peer certified as buyer that the plan does not name.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

#include "protocol/evidence/evidence_file.h"
#include "tests/handover/witness_world.h"

using namespace baton;
using namespace baton::handover_testing;

namespace {

Sample small(uint64_t seed) {
    return {.customers = 400, .transactions_per_customer = 2, .seed = seed, .canary = "", .remark_bytes = 0};
}

std::string at(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

nlohmann::json seller_stage(const WitnessWorld& w, const std::string& stage) { return w.stage("seller", stage); }

void require_closed(const WitnessWorld& w, const std::string& stage) {
    const auto s = seller_stage(w, stage);
    INFO("seller: " << s.dump(2));
    CHECK(s["state"] == "accepted");
    CHECK(s["witnessed"] == true);
    CHECK(s["closed"] == true);
}

// The receipts of `kind` the party holds for the stage (envelopes), read from its database.
std::vector<Bytes> receipts(const WitnessWorld& w, const std::string& party, int stage_number, const std::string& kind) {
    std::vector<Bytes> out;
    for (auto& [n, bytes] : blob_rows(w.db(party),
                                      "SELECT stage_number, statement FROM handover_receipts WHERE deal = ? AND kind = '" +
                                          kind + "'",
                                      w.deal))
        if (n == stage_number) out.push_back(bytes);
    return out;
}

bool holds_leaf(const HeldLog& log, const Bytes& envelope) {
    for (const auto& [i, leaf] : log.leaves)
        if (leaf == envelope) return true;
    return false;
}

}  // namespace

TEST_CASE("a witnessed two-stage handover closes each stage on the witness's checkpoint", "[witness][e2e]") {
    WitnessWorld w("D-WI-1");
    w.prepare_witnessed_deal(small(11));
    auto& serve = w.serve();
    const uint16_t port = free_port();
    auto witness = w.witness_serve(port);

    // Without --witness a witness-naming plan is a usage error, before anything is sent.
    const Run bare = w.push();
    {
        INFO(describe(w.push_args(serve.address()), bare));
        CHECK(bare.code == 2);
        CHECK_THAT(bare.err, Catch::Contains("--witness") && Catch::Contains("names a witness"));
    }
    CHECK(w.run("buyer", {"status", "--deal", w.deal}).code == 8);  // no plan reached the buyer

    // An agent that is not the plan's witness (here: the buyer) is refused as the witness.
    const Run impostor = w.push({"--witness", serve.address()});
    {
        INFO(describe(w.push_args(serve.address(), {"--witness", serve.address()}), impostor));
        CHECK(impostor.code == 4);
        CHECK_THAT(impostor.err, Catch::Contains("not the plan's witness"));
    }

    const Run pushed = w.push({"--witness", at(port), "--json"});
    INFO(describe(w.push_args(serve.address(), {"--witness", at(port)}), pushed) << "\n[witness]\n" << witness->describe()
                                                                                 << "\n[buyer serve]\n" << serve.log());
    REQUIRE(pushed.code == 0);
    nlohmann::json done;
    std::istringstream lines(pushed.out);
    for (std::string line; std::getline(lines, line);) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_object() && j.value("event", "") == "done") done = j;
    }
    CHECK(done["witnessed"] == true);
    CHECK(done["witness_tree_size"] == 12);

    for (const auto& st : kWitnessedStages) {
        require_closed(w, st);
        CHECK(w.stage("buyer", st)["state"] == "accepted");
    }
    // The witness's log verifies against its checkpoint, and the seller's mirror is the same log.
    const HeldLog wlog = w.held("witness"), mirror = w.held("seller");
    const auto replayed = verify_log(wlog, w.deal);
    verify_log(mirror, w.deal);
    CHECK(mirror.leaves == wlog.leaves);
    CHECK(wlog.refused.empty());
    // plan, countersign, and per stage: manifest, delivered, key release, verified, accepted.
    CHECK(replayed.size() == 2 + 2 * 5);
    for (int n = 0; n < 2; ++n) {
        const auto accepted = receipts(w, "seller", n, "accepted");
        REQUIRE(accepted.size() == 1);
        CHECK(holds_leaf(wlog, accepted[0]));
        CHECK(receipts(w, "buyer", n, "accepted") == accepted);
    }
    // The buyer holds the checkpoints the seller forwarded: the last one covers the whole log.
    const HeldLog buyer = w.held("buyer");
    REQUIRE_FALSE(buyer.checkpoints.empty());
    CHECK(buyer.checkpoints.back().first == static_cast<int64_t>(replayed.size()));
    CHECK(buyer.checkpoints.back().second == wlog.checkpoints.back().second);

    // Each party stored the certificates its peers presented.
    const auto certs = [&](const std::string& party) {
        return blob_rows(w.db(party), "SELECT 0, envelope FROM peer_certificates WHERE deal = ?", w.deal).size();
    };
    CHECK(certs("seller") == 2);   // buyer, witness
    CHECK(certs("buyer") == 1);    // seller
    CHECK(certs("witness") == 1);  // seller

    // status: the witness verifies its own log; the seller shows the stages closed.
    const auto ws = parse_json(w.ok("witness", {"--json", "status"}));
    INFO(ws.dump(2));
    REQUIRE(ws["witness_logs"].size() == 1);
    CHECK(ws["witness_logs"][0]["deal"] == w.deal);
    CHECK(ws["witness_logs"][0]["verified"] == true);
    CHECK(ws["witness_logs"][0]["leaves"] == replayed.size());
    CHECK_THAT(w.ok("seller", {"status", "--deal", w.deal}).out, Catch::Contains("closed"));
    CHECK_THAT(w.ok("witness", {"status"}).out, Catch::Contains("verified"));
    // The audit chains name the witness events.
    CHECK_THAT(w.ok("witness", {"audit", "--limit", "1000"}).out, Catch::Contains("witness.appended"));
    CHECK_THAT(w.ok("seller", {"audit", "--limit", "1000"}).out, Catch::Contains("witness.logged"));
}

TEST_CASE("a second, different manifest for a stage is refused by the witness as conflicting_manifest",
          "[witness][e2e]") {
    WitnessWorld w("D-WI-2");
    w.prepare_witnessed_deal(small(12));
    auto& serve = w.serve();
    const uint16_t port = free_port();
    auto witness = w.witness_serve(port);
    {
        const Run first = w.push({"--witness", at(port), "--stage", "customers"});
        INFO(describe(w.push_args(serve.address()), first) << "\n[witness]\n" << witness->describe());
        REQUIRE(first.code == 0);
    }
    require_closed(w, "customers");
    const HeldLog before = w.held("witness");

    // The seller's store now holds another signed manifest for stage 1 (re-signed, one more record).
    Proc forge(w.sb, "forge", {FORGE_BIN, "--home", w.sb.home("seller"), "--deal", w.deal, "--stage", "1",
                               "manifest-count", "--set", "customers", "--after-push"});
    const auto forged = forge.wait(60s);
    INFO(forge.describe());
    REQUIRE(forged == 0);
    const auto manifest = blob_rows(w.db("seller"),
                                    "SELECT stage_number, manifest FROM handover_stages WHERE deal = ? AND stage_number = 0", w.deal);
    REQUIRE(manifest.size() == 1);

    const Run again = w.push({"--witness", at(port), "--stage", "customers"});
    INFO(describe(w.push_args(serve.address()), again) << "\n[witness]\n" << witness->describe());
    CHECK(again.code == 8);
    CHECK_THAT(again.err, Catch::Contains("conflicting_manifest"));

    // The witness logged its refusal (one more leaf) and kept the refused manifest beside it.
    const HeldLog after = w.held("witness");
    REQUIRE(after.leaves.size() == before.leaves.size() + 1);
    REQUIRE(after.refused.size() == 1);
    const int64_t index = after.refused[0].first;
    CHECK(index == static_cast<int64_t>(before.leaves.size()));
    CHECK(after.refused[0].second == manifest[0].second);
    auto refusal_env = handover::decode_signed(after.leaves[static_cast<size_t>(index)].second);
    REQUIRE(refusal_env);
    auto refusal = handover::open_refusal(*refusal_env);
    REQUIRE(refusal);
    CHECK(refusal->reason_code == "conflicting_manifest");
    CHECK(refusal->statement_hash == crypto::blake2b_256(manifest[0].second));
    verify_log(after, w.deal);
    // The seller's mirror holds the same: the refusal leaf and the refused statement.
    const HeldLog mirror = w.held("seller");
    CHECK(mirror.leaves == after.leaves);
    CHECK(mirror.refused == after.refused);
    const auto s = parse_json(w.ok("seller", {"--json", "status", "--deal", w.deal}));
    CHECK(s["deals"][0]["witness_log"]["refusals"] == 1);

    // Submitting it again changes nothing: the witness answers with the same refusal.
    const Run third = w.push({"--witness", at(port), "--stage", "customers"});
    CHECK(third.code == 8);
    CHECK(w.held("witness").leaves.size() == after.leaves.size());

    // The refusal reaches the evidence: the seller's file holds the witness's signed refusal as a
    // leaf and the refused manifest beside it, and the verifier checks the pair. (The file as a
    // whole fails: this seller's store now holds a manifest its own receipts contradict.)
    const std::string file = w.sb.path("refused.evidence");
    w.ok("seller", {"evidence", "--deal", w.deal, "--out", file});
    std::ifstream in(file, std::ios::binary);
    const Bytes bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    auto ev = evidence::decode_evidence(bytes);
    REQUIRE(ev);
    REQUIRE(ev->refused.size() == 1);
    CHECK(ev->refused[0].refusal_index == static_cast<uint64_t>(index));
    CHECK(ev->refused[0].envelope == manifest[0].second);
    CHECK(ev->log_leaves.size() == after.leaves.size());
    const Run verified = w.sb.run({"--json", "verify", file, "--authority", w.sb.path("authority.id")});
    INFO(describe({"verify", file}, verified));
    CHECK(verified.code == 6);
    bool refusals_checked = false;
    const auto report = parse_json(verified);
    for (const auto& c : report["checks"])
        if (c["name"] == "refusals") {
            refusals_checked = true;
            CHECK(c["passed"] == true);
            CHECK_THAT(c["message"].get<std::string>(), Catch::Contains("1 refusal"));
        }
    CHECK(refusals_checked);
}

TEST_CASE("a killed witness pauses stage closure; restarted on the same port, push finishes", "[witness][e2e]") {
    WitnessWorld w("D-WI-3");
    w.prepare_witnessed_deal(small(13), /*manual_accept=*/true);
    auto& serve = w.serve();
    const uint16_t port = free_port();
    auto witness = w.witness_serve(port);
    auto push = w.push_in_background(serve.address(), {"--witness", at(port), "--retry-for", "120", "--max-backoff", "1"});
    {
        const bool verified = w.wait_for_state("buyer", "customers", "verified", 120s, push.get());
        INFO(push->describe() << "\n[witness]\n" << witness->describe());
        REQUIRE(verified);
    }
    // The witness dies in the middle of the handover; then the buyer accepts stage 1.
    REQUIRE(witness->kill(SIGKILL) == 128 + SIGKILL);
    w.ok("buyer", {"accept", "--deal", w.deal, "--stage", "customers"});
    {
        const bool accepted = w.wait_for_state("seller", "customers", "accepted", 60s, push.get());
        INFO(push->describe());
        REQUIRE(accepted);
    }
    // Closure waits: push keeps running and retrying, stage 1 is not closed, stage 2 not offered.
    std::this_thread::sleep_for(4s);
    {
        INFO(push->describe());
        REQUIRE(push->running());
        const auto s = seller_stage(w, "customers");
        CHECK(s["closed"] == false);
        CHECK(w.stage("buyer", "transactions")["state"] == "pending");
        CHECK(seller_stage(w, "transactions")["state"] == "prepared");
        CHECK_THAT(push->err(), Catch::Contains("witness"));
    }
    // The witness comes back where it was; push closes stage 1 and goes on by itself.
    auto back = w.witness_serve(port);
    {
        const bool next = w.wait_for_state("buyer", "transactions", "verified", 120s, push.get());
        INFO(push->describe() << "\n[witness]\n" << back->describe());
        REQUIRE(next);
    }
    require_closed(w, "customers");
    w.ok("buyer", {"accept", "--deal", w.deal, "--stage", "transactions"});
    const auto code = push->wait(120s);
    INFO(push->describe() << "\n[witness]\n" << back->describe());
    REQUIRE(code.has_value());
    CHECK(*code == 0);
    require_closed(w, "transactions");
    verify_log(w.held("witness"), w.deal);
    CHECK(w.held("seller").leaves == w.held("witness").leaves);
}

TEST_CASE("push refuses an agent certified as a buyer for the deal that is not the plan's buyer", "[handover][e2e]") {
    WitnessWorld w("D-WI-IMP");
    w.prepare_deal(Sample{.customers = 60, .transactions_per_customer = 1, .seed = 9, .canary = "", .remark_bytes = 0});
    // Certified by the same authority, for the same deal and role: the handshake accepts it.
    auto& sb = w.sb;
    sb.ok({"--home", sb.home("impostor"), "init", "--name", "impostor", "--kdf", "interactive", "--no-passphrase"});
    sb.ok({"--home", sb.home("impostor"), "id", "--export", sb.path("impostor.id")});
    sb.ok({"--home", sb.home("impostor"), "trust", "add", "--deal", w.deal, "--authority", sb.path("authority.id")});
    sb.ok({"--home", sb.home("impostor"), "cert", "install", sb.issue("authority", "impostor", "buyer", w.deal)});
    ServeProcess impostor(sb, "impostor");

    const Run r = sb.run(w.push_args(impostor.address(), {"--all", "--retry-for", "0"}));
    INFO(describe(w.push_args(impostor.address()), r) << "\n[impostor]\n" << impostor.log());
    CHECK(r.code == 4);
    CHECK_THAT(r.err, Catch::Contains("is not the plan's buyer"));
    // Nothing of the deal reached it: no plan, no stage, no chunk.
    const auto j = parse_json(sb.ok({"--home", sb.home("impostor"), "--json", "status"}));
    INFO(j.dump(2));
    CHECK(j["deals"].empty());
    // And the seller kept no certificate of it as the deal's buyer.
    CHECK(blob_rows(w.db("seller"), "SELECT 0, envelope FROM peer_certificates WHERE deal = ?", w.deal).empty());
}
