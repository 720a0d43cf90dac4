// End to end: an authority certifies a seller, a buyer and a witness for a deal; `baton cert verify`
// accepts each for its role and refuses every bad certificate with an exit code and a message that
// names the reason.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

#include "certs/armor.h"
#include "certs/types.h"
#include "cli_harness.h"

using namespace baton;
using namespace baton::cli_testing;

namespace {

const std::string kDeal = "D-2026-001";
const std::vector<std::string> kParties{"seller", "buyer", "witness"};

// One world shared by the read-only tests: it is costly to build (an Argon2id unlock per issue)
// and `cert verify` never changes it.
struct World {
    Sandbox sb;
    std::map<std::string, std::string> cert;  // party -> certificate file

    World() {
        for (const char* p : {"authority", "rogue", "seller", "buyer", "witness"}) sb.init(p);
        const std::string fp = parse_json(sb.ok({"--home", sb.home("authority"), "--json", "id"}))["fingerprint"];
        for (const auto& p : kParties) {
            cert[p] = sb.issue("authority", p, p, kDeal);
            sb.ok({"--home", sb.home(p), "trust", "add", "--deal", kDeal, "--authority", sb.path("authority.id"),
                   "--fingerprint", fp});
            sb.ok({"--home", sb.home(p), "cert", "install", cert[p]});
        }
    }

    Run verify(const std::string& file, const std::vector<std::string>& extra = {}) const {
        std::vector<std::string> args{"cert", "verify", file, "--authority", sb.path("authority.id")};
        args.insert(args.end(), extra.begin(), extra.end());
        return sb.run(args);
    }
};

const World& world() {
    static World w;
    return w;
}

void expect_refused(const Run& r, int code, const std::string& reason) {
    INFO("[exit " << r.code << "]\n[stdout]\n" << r.out << "[stderr]\n" << r.err);
    CHECK(r.code == code);
    CHECK_THAT(r.err, Catch::Contains(reason));
    CHECK_THAT(r.out, !Catch::Contains("accepted"));
}

// Rewrites the certificate file `from` into `to` after `edit` changed its decoded envelope.
template <typename Edit>
std::string rewrite(const Sandbox& sb, const std::string& from, const std::string& to, Edit edit) {
    const std::string text = read_text(from);
    auto env = certs::dearmor("CERTIFICATE", as_bytes(text), certs::kMaxEnvelopeBytes, from);
    REQUIRE(env.ok());
    edit(*env);
    write_text(sb.path(to), certs::armor("CERTIFICATE", *env));
    return sb.path(to);
}

}  // namespace

TEST_CASE("three parties certified by one authority each hold and verify their certificate", "[cli][cert]") {
    const World& w = world();
    for (const auto& p : kParties) {
        INFO(p);
        const auto id = parse_json(w.sb.ok({"--home", w.sb.home(p), "id", "--json"}));
        REQUIRE(id["certificates"].size() == 1);
        CHECK(id["certificates"][0]["deal"] == kDeal);
        CHECK(id["certificates"][0]["role"] == p);
        REQUIRE(id["trusted_authorities"].size() == 1);
        CHECK(id["trusted_authorities"][0]["name"] == "authority");

        const Run r = w.verify(w.cert.at(p), {"--deal", kDeal, "--role", p});
        INFO(r.err);
        CHECK(r.code == 0);
        CHECK_THAT(r.out, Catch::Contains("accepted"));
        const auto j = parse_json(w.verify(w.cert.at(p), {"--role", p, "--json"}));
        CHECK(j["verdict"] == "accepted");
        CHECK(j["role"] == p);
    }
}

TEST_CASE("cert verify refuses a changed signature byte as bad_signature", "[cli][cert]") {
    const World& w = world();
    const auto file = rewrite(w.sb, w.cert.at("seller"), "badsig.cert", [](Bytes& env) { env[env.size() - 5] ^= 0x20; });
    expect_refused(w.verify(file), 6, "bad_signature");
}

TEST_CASE("cert verify refuses a tampered body as bad_signature", "[cli][cert]") {
    const World& w = world();
    const auto file = rewrite(w.sb, w.cert.at("seller"), "tampered.cert", [](Bytes& env) {
        const std::string name = "seller";
        auto at = std::search(env.begin(), env.end(), name.begin(), name.end());
        REQUIRE(at != env.end());
        at[1] = 'E';  // "sEller": still a well-formed body, no longer the signed one
    });
    const Run r = w.verify(file);
    expect_refused(r, 6, "bad_signature");
    CHECK_THAT(r.err, Catch::Contains("altered"));
}

TEST_CASE("cert verify refuses a certificate checked against another authority as unknown_authority",
          "[cli][cert]") {
    const World& w = world();
    expect_refused(w.sb.run({"cert", "verify", w.cert.at("seller"), "--authority", w.sb.path("rogue.id")}), 6,
                   "unknown_authority");
    // A certificate the rogue issued itself is not one of the authority's either.
    const auto rogue_cert = w.sb.issue("rogue", "seller", "seller", kDeal);
    expect_refused(w.verify(rogue_cert), 6, "unknown_authority");
}

TEST_CASE("cert verify refuses a certificate for another deal as wrong_deal", "[cli][cert]") {
    const World& w = world();
    expect_refused(w.verify(w.cert.at("seller"), {"--deal", "D-2026-999"}), 6, "wrong_deal");
}

TEST_CASE("cert verify refuses a certificate for another role as wrong_role", "[cli][cert]") {
    const World& w = world();
    expect_refused(w.verify(w.cert.at("seller"), {"--role", "buyer"}), 6, "wrong_role");
    expect_refused(w.verify(w.cert.at("witness"), {"--role", "seller"}), 6, "wrong_role");
}

TEST_CASE("cert verify refuses a certificate that is not yet valid as not_yet_valid", "[cli][cert]") {
    const World& w = world();
    const auto file = w.sb.issue("authority", "seller", "seller", kDeal, {"--not-before", "2099-01-01"});
    expect_refused(w.verify(file), 6, "not_yet_valid");
}

TEST_CASE("cert verify refuses an expired certificate as expired", "[cli][cert]") {
    const World& w = world();
    const auto file = w.sb.issue("authority", "buyer", "buyer", kDeal,
                                 {"--not-before", "2020-01-01", "--not-after", "2020-12-31"});
    const Run r = w.verify(file);
    expect_refused(r, 6, "expired");
    CHECK_THAT(r.err, Catch::Contains("2020-12-31"));
}

TEST_CASE("cert verify refuses a revoked certificate as revoked, given the revocation list", "[cli][cert]") {
    const World& w = world();
    const auto file = w.sb.issue("authority", "witness", "witness", kDeal);
    const auto shown = parse_json(w.sb.ok({"cert", "show", file, "--json"}));
    const int64_t serial = shown["serial"];
    const std::string crl = w.sb.path("revoked.crl");
    w.sb.ok({"--home", w.sb.home("authority"), "--passphrase-file", w.sb.path("pass"), "cert", "revoke", "--deal", kDeal,
             "--serial", std::to_string(serial), "--out", crl});
    expect_refused(w.verify(file, {"--crl", crl}), 6, "revoked");
    // The list names only that serial: the other certificates still verify with it.
    CHECK(w.verify(w.cert.at("witness"), {"--crl", crl}).code == 0);
    // A revocation list must come from the authority the certificate is checked against.
    expect_refused(w.sb.run({"cert", "verify", file, "--authority", w.sb.path("rogue.id"), "--crl", crl}), 6,
                   "not issued by");
}

TEST_CASE("cert verify refuses a truncated certificate file as truncated", "[cli][cert]") {
    const World& w = world();
    const std::string text = read_text(w.cert.at("seller"));
    write_text(w.sb.path("truncated.cert"), text.substr(0, text.size() / 2));
    expect_refused(w.verify(w.sb.path("truncated.cert")), 3, "truncated");
    // Cut inside the envelope but armored again: the parser reports it.
    const auto cut = rewrite(w.sb, w.cert.at("seller"), "cut.cert", [](Bytes& env) { env.resize(env.size() / 2); });
    expect_refused(w.verify(cut), 3, "truncated");
}

TEST_CASE("cert verify refuses an oversized certificate file as too large", "[cli][cert]") {
    const World& w = world();
    write_text(w.sb.path("big.cert"), certs::armor("CERTIFICATE", Bytes(100 * 1024, 0x42)));
    expect_refused(w.verify(w.sb.path("big.cert")), 3, "too large");
    // Under the file bound but over the envelope bound.
    write_text(w.sb.path("big2.cert"), certs::armor("CERTIFICATE", Bytes(certs::kMaxEnvelopeBytes + 100, 0x42)));
    expect_refused(w.verify(w.sb.path("big2.cert")), 3, "larger than");
}

TEST_CASE("cert verify refuses an identity file given as a certificate, naming what it holds", "[cli][cert]") {
    const World& w = world();
    expect_refused(w.verify(w.sb.path("seller.id")), 3, "IDENTITY");
}

TEST_CASE("cert install refuses a certificate issued to someone else and a tampered one", "[cli][cert]") {
    const World& w = world();
    expect_refused(w.sb.run({"--home", w.sb.home("buyer"), "cert", "install", w.cert.at("seller")}), 3, "not for this agent");
    const auto file = rewrite(w.sb, w.cert.at("buyer"), "badsig-buyer.cert", [](Bytes& env) { env[env.size() - 1] ^= 1; });
    expect_refused(w.sb.run({"--home", w.sb.home("buyer"), "cert", "install", file}), 4, "signature");
}
