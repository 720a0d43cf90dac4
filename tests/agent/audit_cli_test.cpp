// End to end: `baton audit --verify` passes on an untouched home and exits 6 naming the first bad
// row when a row was edited or deleted behind baton's back.
#include <catch2/catch.hpp>

#include "cli_harness.h"

using namespace baton;
using namespace baton::cli_testing;

namespace {

// A home with a few audit rows: init, trust add, cert install, and a refused key.
void populate(const Sandbox& sb) {
    sb.init("authority");
    sb.init("seller");
    sb.ok({"--home", sb.home("seller"), "trust", "add", "--deal", "D-1", "--authority", sb.path("authority.id")});
    const auto cert = sb.issue("authority", "seller", "seller", "D-1");
    sb.ok({"--home", sb.home("seller"), "cert", "install", cert});
    sb.ok({"--home", sb.home("seller"), "trust", "add", "--deal", "D-2", "--authority", sb.path("authority.id")});
}

// The populated homes, built once; each test tampers with its own copy.
const Sandbox& populated() {
    static const Sandbox sb;
    static const bool filled = (populate(sb), true);
    (void)filled;
    return sb;
}

void copy_populated(const Sandbox& sb) {
    sb.adopt(populated(), "seller");
    sb.adopt(populated(), "authority");
}

Run verify(const Sandbox& sb) { return sb.run({"--home", sb.home("seller"), "audit", "--verify"}); }

void expect_broken_at(const Run& r, int64_t row) {
    INFO("[exit " << r.code << "]\n[stdout]\n" << r.out << "[stderr]\n" << r.err);
    CHECK(r.code == 6);
    CHECK_THAT(r.err, Catch::Contains("row " + std::to_string(row)));
    CHECK_THAT(r.err, Catch::Contains("audit chain broken at row " + std::to_string(row) + ":"));
}

}  // namespace

TEST_CASE("audit lists the recorded events and --verify passes on an untouched home", "[cli][audit]") {
    Sandbox sb;
    copy_populated(sb);
    const auto events = parse_json(sb.ok({"--home", sb.home("seller"), "audit", "--json"}))["events"];
    REQUIRE(events.size() == 4);
    CHECK(events[0]["event"] == "init");
    CHECK(events[1]["event"] == "trust.add");
    CHECK(events[2]["event"] == "cert.install");
    CHECK(events[3]["event"] == "trust.add");
    const auto authority_events = parse_json(sb.ok({"--home", sb.home("authority"), "audit", "--json"}))["events"];
    REQUIRE(authority_events.size() == 2);
    CHECK(authority_events[1]["event"] == "cert.issue");

    const Run r = verify(sb);
    CHECK(r.code == 0);
    CHECK_THAT(r.out, Catch::Contains("4 rows"));
    const auto j = parse_json(sb.ok({"--home", sb.home("seller"), "audit", "--verify", "--json"}));
    CHECK(j["verified"] == true);
    CHECK(j["rows"] == 4);
}

TEST_CASE("an edited audit row makes audit --verify exit 6 naming that row", "[cli][audit]") {
    Sandbox sb;
    copy_populated(sb);
    const std::string db = sb.home("seller") + "/baton.db";
    SECTION("detail") { tamper_sql(db, "UPDATE audit SET detail = 'nothing to see' WHERE seq = 2"); }
    SECTION("event") { tamper_sql(db, "UPDATE audit SET event = 'noop' WHERE seq = 2"); }
    SECTION("time") { tamper_sql(db, "UPDATE audit SET at = at - 86400 WHERE seq = 2"); }
    expect_broken_at(verify(sb), 2);
}

TEST_CASE("a deleted audit row makes audit --verify exit 6 naming that row", "[cli][audit]") {
    Sandbox sb;
    copy_populated(sb);
    tamper_sql(sb.home("seller") + "/baton.db", "DELETE FROM audit WHERE seq = 2");
    const Run r = verify(sb);
    expect_broken_at(r, 2);
    CHECK_THAT(r.err, Catch::Contains("missing"));
}

TEST_CASE("deleting the newest audit row makes audit --verify exit 6", "[cli][audit]") {
    Sandbox sb;
    copy_populated(sb);
    tamper_sql(sb.home("seller") + "/baton.db", "DELETE FROM audit WHERE seq = 4");
    expect_broken_at(verify(sb), 4);
}

TEST_CASE("audit --verify --json reports a broken chain as a JSON error", "[cli][audit]") {
    Sandbox sb;
    copy_populated(sb);
    tamper_sql(sb.home("seller") + "/baton.db", "UPDATE audit SET detail = 'x' WHERE seq = 3");
    const Run r = sb.run({"--home", sb.home("seller"), "audit", "--verify", "--json"});
    CHECK(r.code == 6);
    INFO(r.err);
    const auto j = nlohmann::json::parse(r.err);
    CHECK(j["error"]["kind"] == "verify_failed");
    CHECK(j["error"]["exit_code"] == 6);
    CHECK_THAT(j["error"]["message"].get<std::string>(), Catch::Contains("row 3"));
}
