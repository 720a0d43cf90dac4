// End to end: the staged handover of issue 5 (DESIGN §3 step 4, docs/handover.md) between a real
// seller (`baton push`) and a real buyer (`baton serve`) on loopback, with generated customers,
// transactions and credit ratings (baton-gen-sample). What arrives must equal what left, byte for
// byte, in both export formats; acceptance, rejection, an unreachable buyer and a killed push
// behave as the design says.
#include <catch2/catch.hpp>

#include <cstdio>

#include "tests/handover/handover_world.h"

using namespace baton::handover_testing;

namespace {

const std::string kCanary = "CANARY-3b9e71c4-金丝雀-handover";

// Prints how long a phase took (stdout; run the test binary with -s or look at the CTest log).
void timing(const std::string& what, double seconds) { std::printf("[timing] %-60s %7.2f s\n", what.c_str(), seconds), std::fflush(stdout); }

// Every stage accepted, with delivered, verified and accepted receipts, on `party`.
void require_all_accepted(const HandoverWorld& w, const std::string& party) {
    const auto d = w.status(party);
    INFO(party << " status:\n" << d.dump(2));
    CHECK(d["countersigned"] == true);
    REQUIRE(d["stages"].size() == kStages.size());
    for (const auto& s : d["stages"]) {
        CHECK(s["state"] == "accepted");
        CHECK(has_receipts(s, {"delivered", "verified", "accepted"}));
        CHECK(s["chunks_held"] == s["chunks_total"]);
        CHECK(s["chunks_total"].get<uint64_t>() >= 1);
        CHECK(s["reason"].is_null());
    }
}

// The last line of `text` that parses as a JSON object with "event": `event`, or null.
nlohmann::json last_event(const std::string& text, const std::string& event) {
    nlohmann::json found;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (j.is_object() && j.value("event", "") == event) found = std::move(j);
    }
    return found;
}

// `baton serve --listen 127.0.0.1:PORT` as the buyer, once it says it listens.
std::unique_ptr<Proc> serve_at(const HandoverWorld& w, uint16_t port) {
    auto p = std::make_unique<Proc>(w.sb, "serve-fixed",
                                    std::vector<std::string>{BATON_BIN, "--home", w.sb.home("buyer"), "serve", "--listen",
                                                             "127.0.0.1:" + std::to_string(port)});
    const bool up = eventually([&] { return p->out().find("listening on") != std::string::npos || !p->running(); }, 15s);
    INFO(p->describe());
    REQUIRE(up);
    REQUIRE(p->running());
    return p;
}

}  // namespace

TEST_CASE("a three-stage handover of 100,000+ records arrives exactly", "[handover][e2e]") {
    HandoverWorld w("D-HO-1");
    auto t0 = SteadyClock::now();
    const auto sample = w.generate({.customers = 25000, .transactions_per_customer = 3, .seed = 7, .canary = kCanary, .remark_bytes = 0});
    REQUIRE(sample["records"].get<uint64_t>() >= 100000);
    timing("generate 125,000 records", seconds_since(t0));
    t0 = SteadyClock::now();
    w.import_all();
    timing("import on the seller", seconds_since(t0));
    w.create_plan();

    auto& serve = w.serve();
    t0 = SteadyClock::now();
    const Run push = w.push({"--json"});
    timing("push (prepare + three stages)", seconds_since(t0));
    INFO(describe(w.push_args(serve.address(), {"--json"}), push) << "\n[serve log]\n" << serve.log());
    REQUIRE(push.code == 0);

    const auto done = last_event(push.out, "done");
    INFO(push.out);
    REQUIRE(done.is_object());
    REQUIRE(done["stages"].size() == 3);
    for (const auto& s : done["stages"]) {
        CHECK(s["state"] == "accepted");
        CHECK(s["bytes_resent"] == 0);
        CHECK(s["resumes"] == 0);
    }

    require_all_accepted(w, "seller");
    require_all_accepted(w, "buyer");

    t0 = SteadyClock::now();
    w.require_exports_equal();
    timing("export 3 sets x 2 formats on both sides and compare", seconds_since(t0));

    // The CSV the buyer exports is the very file the seller imported: the generator quotes as the
    // exporter does, so every value, quote, newline and space came through as written.
    for (const auto& set : kSets) {
        INFO("set " << set);
        CHECK_FALSE(first_difference(w.data(set + ".csv"), w.sb.path("buyer-" + set + ".csv")).has_value());
    }
    // Record counts as generated, as the buyer's export reports them.
    for (const auto& set : kSets) {
        const auto j = parse_json(w.ok("buyer", {"--json", "export", "--set", set, "--format", "csv", "--out",
                                                 w.sb.path("count-" + set + ".csv")}));
        CHECK(j["records"] == sample[set]);
    }
    // The canary came through, in the buyer's export only — never in either home (DESIGN §5).
    CHECK(read_text(w.sb.path("buyer-customers.csv")).find(kCanary) != std::string::npos);
    CHECK(files_containing(w.sb.home("buyer"), kCanary).empty());
    CHECK(files_containing(w.sb.home("seller"), kCanary).empty());
    // Nor in what either agent printed: push's events and messages, serve's output and log.
    for (const auto& [what, text] : {std::pair{"push stdout", push.out}, {"push stderr", push.err},
                                     {"serve stdout", serve.stdout_text()}, {"serve log", serve.log()}}) {
        INFO(what << ":\n" << text);
        CHECK_FALSE(text.empty());
        CHECK(text.find(kCanary) == std::string::npos);
    }
}

TEST_CASE("with --manual-accept nothing is exported before baton accept", "[handover][e2e]") {
    HandoverWorld w("D-HO-2");
    w.prepare_deal({.customers = 2000, .transactions_per_customer = 3, .seed = 2, .canary = "", .remark_bytes = 0}, /*manual_accept=*/true);
    auto& serve = w.serve();
    const auto t0 = SteadyClock::now();
    auto push = w.push_in_background(serve.address(), {"--json"});

    {
        const bool verified = w.wait_for_state("buyer", "customers", "verified", 180s, push.get());
        INFO(push->describe() << "\n[serve log]\n" << serve.log());
        REQUIRE(verified);
    }
    timing("manual accept: stage 1 verified", seconds_since(t0));

    // Verified is not accepted: the buyer's export refuses, naming the stage, and writes nothing.
    const std::string early = w.sb.path("early.csv");
    const Run refused = w.export_set("buyer", "customers", "csv", early);
    INFO(describe(w.as("buyer", {"export", "--set", "customers", "--format", "csv", "--out", early}), refused));
    CHECK(refused.code != 0);
    CHECK_THAT(refused.err, Catch::Contains("stage 1 (customers)") && Catch::Contains("verified"));
    CHECK_FALSE(std::filesystem::exists(early));
    // The seller waits for the decision; the next stage does not start.
    std::this_thread::sleep_for(1s);
    CHECK(push->running());
    CHECK(w.stage("buyer", "transactions")["state"] == "pending");

    w.ok("buyer", {"accept", "--deal", w.deal, "--stage", "customers"});
    {
        const bool next = w.wait_for_state("buyer", "transactions", "verified", 180s, push.get());
        INFO(push->describe() << "\n[serve log]\n" << serve.log());
        REQUIRE(next);
    }
    timing("manual accept: stage 2 verified after accept", seconds_since(t0));
    CHECK(w.stage("seller", "customers")["state"] == "accepted");
    w.require_exports_equal({"customers"});

    const std::string reason = "金额合计与银行对账单不符, \"totals\" differ from the bank statement";
    w.ok("buyer", {"reject", "--deal", w.deal, "--stage", "transactions", "--reason", reason});
    const auto code = push->wait(120s);
    timing("manual accept: push ended after reject", seconds_since(t0));
    INFO(push->describe() << "\n[serve log]\n" << serve.log());
    REQUIRE(code.has_value());
    CHECK(*code == 6);
    CHECK_THAT(push->err(), Catch::Contains("transactions"));
    CHECK_THAT(push->out() + push->err(), Catch::Contains("totals"));

    for (const std::string party : {"buyer", "seller"}) {
        const auto s = w.stage(party, "transactions");
        INFO(party << ": " << s.dump(2));
        CHECK(s["state"] == "rejected");
        CHECK(has_receipts(s, {"delivered", "verified", "rejected"}));
        CHECK_FALSE(has_receipts(s, {"accepted"}));
        REQUIRE(s["reason"].is_string());
        CHECK_THAT(s["reason"].get<std::string>(), Catch::Contains(reason));
        // Nothing of the next stage moved: the buyer never heard of it; the seller (push prepares
        // every stage first) holds it prepared.
        CHECK(w.stage(party, "credit_ratings")["state"] == (party == "buyer" ? "pending" : "prepared"));
        // The text form shows the reason too.
        CHECK_THAT(w.ok(party, {"status", "--deal", w.deal}).out, Catch::Contains(reason));
    }
    const Run after = w.export_set("buyer", "transactions", "csv", w.sb.path("rejected.csv"));
    CHECK(after.code != 0);
    CHECK_THAT(after.err, Catch::Contains("stage 2 (transactions)") && Catch::Contains("rejected"));
}

TEST_CASE("a push to an agent that is down retries and resumes when it comes up", "[handover][e2e]") {
    HandoverWorld w("D-HO-3");
    w.prepare_deal({.customers = 1000, .transactions_per_customer = 2, .seed = 3, .canary = "", .remark_bytes = 0});
    w.ok("seller", {"prepare", "--deal", w.deal});  // so that push starts connecting at once
    const uint16_t port = free_port();
    const auto t0 = SteadyClock::now();
    auto push = w.push_in_background("127.0.0.1:" + std::to_string(port), {"--retry-for", "60", "--json"});

    // It tries, fails and keeps trying; the buyer comes up 2 s after the push started.
    {
        const bool retried = eventually(
            [&] {
                for (const auto& j : push->json_lines())
                    if (j.value("event", "") == "retry") return true;
                return !push->running();
            },
            30s);
        INFO(push->describe());
        REQUIRE(retried);
        REQUIRE(push->running());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2000) - std::chrono::duration_cast<std::chrono::milliseconds>(
                                                                      SteadyClock::now() - t0));
    auto serve = serve_at(w, port);
    const auto code = push->wait(120s);
    timing("retry: push until done (buyer up after 2 s)", seconds_since(t0));
    INFO(push->describe() << "\n[serve]\n" << serve->describe());
    REQUIRE(code == 0);
    size_t retries = 0;
    for (const auto& j : push->json_lines()) retries += j.value("event", "") == "retry" ? 1 : 0;
    CHECK(retries >= 1);
    require_all_accepted(w, "seller");
    require_all_accepted(w, "buyer");
    w.require_exports_equal();
}

TEST_CASE("a restarted push resumes without re-sending", "[handover][e2e]") {
    HandoverWorld w("D-HO-4");
    // About 85 MiB in stage 1: most customers carry a remark of 8 KB.
    w.prepare_deal({.customers = 15000, .transactions_per_customer = 1, .seed = 4, .canary = "", .remark_bytes = 8000});
    auto t0 = SteadyClock::now();
    const auto prepared = last_event(w.ok("seller", {"--json", "prepare", "--deal", w.deal, "--stage", "customers"}).out,
                                     "stage.prepared");
    timing("restart: prepare stage 1", seconds_since(t0));
    INFO(prepared.dump(2));
    REQUIRE(prepared.is_object());
    const uint64_t chunk_size = prepared.value("chunk_size", 0u);
    const uint64_t chunks = prepared.value("chunks", 0u);
    REQUIRE(chunk_size > 0);
    REQUIRE(chunks >= 40);

    auto& serve = w.serve();
    t0 = SteadyClock::now();
    auto push = w.push_in_background(serve.address(), {"--json"});
    // Kill it once the buyer holds a few chunks of stage 1, well before it holds all.
    uint64_t held = 0;
    const bool started = eventually(
        [&] {
            const auto s = w.try_stage("buyer", "customers");
            if (!s.is_null()) held = s["chunks_held"].get<uint64_t>();
            return held >= 4 || !push->running();
        },
        120s);
    REQUIRE(push->kill(SIGKILL) == 128 + SIGKILL);
    timing("restart: first push, killed", seconds_since(t0));
    {
        INFO(push->describe() << "\n[serve log]\n" << serve.log());
        REQUIRE(started);
    }
    const auto at_kill = w.stage("buyer", "customers");
    INFO("buyer at the kill: " << at_kill.dump());
    REQUIRE(at_kill["chunks_held"].get<uint64_t>() < chunks);  // else make stage 1 bigger

    t0 = SteadyClock::now();
    const Run again = w.push({"--json"});
    timing("restart: second push to the end", seconds_since(t0));
    INFO(describe(w.push_args(serve.address(), {"--json"}), again) << "\n[serve log]\n" << serve.log());
    REQUIRE(again.code == 0);

    const auto s = w.stage("seller", "customers");
    INFO("seller: " << s.dump(2));
    // One interruption: at most one resumed delivery (none if nothing was in flight at the kill),
    // and at most the window of W = 8 chunks sent again.
    CHECK(s["resumes"].get<uint64_t>() <= 1);
    CHECK(s["bytes_resent"].get<uint64_t>() <= 8 * chunk_size);
    for (const auto& name : {"transactions", "credit_ratings"}) {
        const auto other = w.stage("seller", name);
        CHECK(other["bytes_resent"] == 0);
        CHECK(other["resumes"] == 0);
    }
    require_all_accepted(w, "seller");
    require_all_accepted(w, "buyer");
    t0 = SteadyClock::now();
    w.require_exports_equal();
    timing("restart: export and compare", seconds_since(t0));
}
