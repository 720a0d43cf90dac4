// End to end: the command line's contract with scripts — --help everywhere, JSON that parses,
// stable exit codes for bad usage.
#include <catch2/catch.hpp>

#include "cli_harness.h"

using namespace baton;
using namespace baton::cli_testing;

namespace {

const std::vector<std::vector<std::string>> kCommands{
    {},
    {"init"},
    {"id"},
    {"cert"},
    {"cert", "issue"},
    {"cert", "install"},
    {"cert", "show"},
    {"cert", "verify"},
    {"cert", "revoke"},
    {"trust"},
    {"trust", "add"},
    {"trust", "crl"},
    {"audit"},
};

}  // namespace

TEST_CASE("--help works on every command and exits 0", "[cli][basics]") {
    Sandbox sb;
    for (auto args : kCommands) {
        args.push_back("--help");
        const Run r = sb.run(args);
        INFO(describe(args, r));
        CHECK(r.code == 0);
        CHECK_THAT(r.out, Catch::Contains("Usage") || Catch::Contains("usage"));
    }
}

TEST_CASE("--version prints the version and exits 0", "[cli][basics]") {
    Sandbox sb;
    const Run r = sb.run({"--version"});
    CHECK(r.code == 0);
    CHECK_THAT(r.out, Catch::Contains("baton"));
}

TEST_CASE("an unknown option or command, or a missing argument, exits 2", "[cli][basics]") {
    Sandbox sb;
    for (const auto& args : std::vector<std::vector<std::string>>{{"--bogus"},
                                                                  {"id", "--bogus"},
                                                                  {"cert", "verify", "x.cert", "--bogus", "1"},
                                                                  {"frobnicate"},
                                                                  {},
                                                                  {"cert"},
                                                                  {"cert", "verify", "x.cert"},
                                                                  {"init"}}) {
        const Run r = sb.run(args);
        INFO(describe(args, r));
        CHECK(r.code == 2);
        CHECK_FALSE(r.err.empty());
    }
}

TEST_CASE("a bad role, deal id or date on cert issue exits 2 before anything is touched", "[cli][basics]") {
    Sandbox sb;
    sb.init("authority");
    const auto audit_before = sb.ok({"--home", sb.home("authority"), "audit", "--json"}).out;
    const std::vector<std::string> base{"--home", sb.home("authority"), "--passphrase-file", sb.path("pass"),
                                        "cert", "issue", "--subject", sb.path("authority.id"), "--out",
                                        sb.path("never.cert")};
    for (const auto& extra : std::vector<std::vector<std::string>>{{"--role", "broker", "--deal", "D-1"},
                                                                   {"--role", "seller", "--deal", "bad deal"},
                                                                   {"--role", "seller", "--deal", "D-1", "--days", "0"},
                                                                   {"--role", "seller", "--deal", "D-1", "--not-before",
                                                                    "2026-01-01", "--not-after", "2025-01-01"}}) {
        auto args = base;
        args.insert(args.end(), extra.begin(), extra.end());
        const Run r = sb.run(args);
        INFO(describe(args, r));
        CHECK(r.code == 2);
    }
    CHECK_FALSE(std::filesystem::exists(sb.path("never.cert")));
    CHECK(sb.ok({"--home", sb.home("authority"), "audit", "--json"}).out == audit_before);
}

TEST_CASE("id --json and cert show --json parse as JSON and carry the fingerprints", "[cli][basics]") {
    Sandbox sb;
    sb.init("authority");
    sb.init("seller");
    const auto seller = parse_json(sb.ok({"--home", sb.home("seller"), "id", "--json"}));
    const auto authority = parse_json(sb.ok({"--json", "--home", sb.home("authority"), "id"}));
    const std::string fp = seller["fingerprint"];
    CHECK(fp.size() == 39);
    CHECK(seller["name"] == "seller");
    CHECK(seller["public_key"].get<std::string>().size() == 64);
    CHECK_THAT(sb.ok({"--home", sb.home("seller"), "id"}).out, Catch::Contains(fp));

    const auto cert = sb.issue("authority", "seller", "seller", "D-1");
    const auto shown = parse_json(sb.ok({"cert", "show", cert, "--json"}));
    CHECK(shown["subject"]["fingerprint"] == fp);
    CHECK(shown["issuer"]["fingerprint"] == authority["fingerprint"]);
    CHECK(shown["role"] == "seller");
    CHECK(shown["deal"] == "D-1");
    CHECK(shown["serial"] == 1);
    CHECK_THAT(sb.ok({"cert", "show", cert}).out, Catch::Contains(fp));
}

TEST_CASE("trust add refuses a fingerprint that does not match the authority's file", "[cli][basics]") {
    Sandbox sb;
    sb.init("authority");
    sb.init("rogue");
    sb.init("seller");
    const std::string rogue_fp = parse_json(sb.ok({"--home", sb.home("rogue"), "id", "--json"}))["fingerprint"];
    const Run r = sb.run({"--home", sb.home("seller"), "trust", "add", "--deal", "D-1", "--authority",
                          sb.path("authority.id"), "--fingerprint", rogue_fp});
    CHECK(r.code == 4);
    CHECK_THAT(r.err, Catch::Contains("do not trust"));
    CHECK(parse_json(sb.ok({"--home", sb.home("seller"), "id", "--json"}))["trusted_authorities"].empty());
    // Adding the same authority twice is a conflict.
    sb.ok({"--home", sb.home("seller"), "trust", "add", "--deal", "D-1", "--authority", sb.path("authority.id")});
    CHECK(sb.run({"--home", sb.home("seller"), "trust", "add", "--deal", "D-1", "--authority", sb.path("authority.id")})
              .code == 8);
}

TEST_CASE("an older revocation list is refused by trust crl", "[cli][basics]") {
    Sandbox sb;
    sb.init("authority");
    sb.init("seller");
    sb.ok({"--home", sb.home("seller"), "trust", "add", "--deal", "D-1", "--authority", sb.path("authority.id")});
    sb.issue("authority", "seller", "seller", "D-1");
    sb.issue("authority", "seller", "seller", "D-1");
    const std::vector<std::string> revoke{"--home", sb.home("authority"), "--passphrase-file", sb.path("pass"),
                                          "cert", "revoke", "--deal", "D-1", "--out"};
    auto first = revoke, second = revoke;
    first.insert(first.end(), {sb.path("1.crl"), "--serial", "1"});
    second.insert(second.end(), {sb.path("2.crl"), "--serial", "2"});
    sb.ok(first);
    sb.ok(second);
    sb.ok({"--home", sb.home("seller"), "trust", "crl", sb.path("2.crl")});
    const Run r = sb.run({"--home", sb.home("seller"), "trust", "crl", sb.path("1.crl")});
    CHECK(r.code == 8);
    CHECK_THAT(r.err, Catch::Contains("not newer"));
}

TEST_CASE("cert revoke of a serial never issued exits 8 and uses up no list number", "[cli][basics]") {
    Sandbox sb;
    sb.init("authority");
    sb.init("seller");
    sb.issue("authority", "seller", "seller", "D-1");
    const std::vector<std::string> base{"--home", sb.home("authority"), "--passphrase-file", sb.path("pass"),
                                        "--json", "cert", "revoke", "--deal", "D-1", "--out", sb.path("r.crl")};
    auto revoke = [&](const std::string& serial) {
        auto args = base;
        args.insert(args.end(), {"--serial", serial});
        return sb.run(args);
    };
    const Run unknown = revoke("99");
    CHECK(unknown.code == 8);
    CHECK_THAT(unknown.err, Catch::Contains("serial 99"));
    CHECK_FALSE(std::filesystem::exists(sb.path("r.crl")));
    const Run known = revoke("1");
    REQUIRE(known.code == 0);
    const auto j = parse_json(known);
    CHECK(j["number"] == 1);
    CHECK(j["revoked_serials"] == nlohmann::json::array({1}));
}
