// Evidence, verify and report with real processes (issue 6, docs/evidence.md): a two-stage
// handover between a real seller and buyer on loopback; `baton evidence` on the seller; `baton
// verify` passes offline; every one of 50 randomly chosen single-byte alterations, a removed
// receipt and (witnessed) a removed checkpoint make it fail with the "verification failed" exit
// code. `baton report` writes one self-contained HTML page that headless Chromium renders.
#include <catch2/catch.hpp>

#include <random>

#include "agent/report_html.h"
#include "protocol/evidence/evidence_file.h"
#include "tests/handover/handover_world.h"

using namespace baton::handover_testing;

namespace {

constexpr int kVerifyFailed = 6;  // core/status.h ErrorKind::verify_failed

// Imports customers and transactions and plans them as two stages, masking two customer fields.
void two_stage_deal(HandoverWorld& w, const std::vector<std::string>& extra = {}) {
    w.generate({.customers = 300, .transactions_per_customer = 2, .seed = 11, .canary = "", .remark_bytes = 0});
    for (const std::string set : {"customers", "transactions"})
        w.ok("seller", {"import", "--set", set, "--schema", w.data(set + ".schema.json"), "--file", w.data(set + ".csv")});
    std::vector<std::string> args{"plan", "create", "--deal", w.deal, "--buyer", w.sb.path("buyer.id"),
                                  "--stage", "customers:customers", "--stage", "transactions:transactions",
                                  "--mask", "customers.mobile=mask", "--mask", "customers.id_number=pseudonymize"};
    args.insert(args.end(), extra.begin(), extra.end());
    w.ok("seller", args);
}

std::vector<uint8_t> read_bytes(const std::string& path) {
    const std::string s = read_text(path);
    return std::vector<uint8_t>(s.begin(), s.end());
}
void write_bytes(const std::string& path, const std::vector<uint8_t>& b) { write_text(path, std::string(b.begin(), b.end())); }

Run verify(const HandoverWorld& w, const std::string& file, bool json = false) {
    std::vector<std::string> args{"verify", file, "--authority", w.sb.path("authority.id")};
    if (json) args.insert(args.begin(), "--json");
    return w.sb.run(args);
}

// verify must fail with the stable code, name a failed check on stdout and say so on stderr.
void require_fails(const HandoverWorld& w, const std::string& file, const std::string& what) {
    const Run r = verify(w, file);
    INFO(what << "\n" << describe({"verify", file}, r));
    REQUIRE(r.code == kVerifyFailed);
    CHECK(r.out.find("FAIL  ") != std::string::npos);
    CHECK(r.err.find("verification failed") != std::string::npos);
}

// The evidence file with one item removed from a field, re-encoded (so the codec is happy).
template <typename Edit>
std::string edited(const HandoverWorld& w, const std::string& file, const std::string& name, Edit edit) {
    auto f = baton::evidence::decode_evidence(read_bytes(file));
    REQUIRE(f.ok());
    auto copy = f.value();
    edit(copy);
    const std::string out = w.sb.path(name);
    write_bytes(out, baton::evidence::encode_evidence(copy));
    return out;
}

// 50 random single-byte alterations, one at a time: each must fail verification.
void alter_bytes(const HandoverWorld& w, const std::string& file) {
    const auto good = read_bytes(file);
    std::mt19937_64 rng(std::random_device{}());
    const std::string bad = w.sb.path("altered.evidence");
    for (int i = 0; i < 50; ++i) {
        auto b = good;
        const size_t at = rng() % b.size();
        const auto old = b[at];
        b[at] = static_cast<uint8_t>(old ^ (1 + rng() % 255));
        write_bytes(bad, b);
        require_fails(w, bad, "byte " + std::to_string(at) + " of " + std::to_string(b.size()) + " changed from " +
                                  std::to_string(old) + " to " + std::to_string(b[at]));
    }
}

void push_all(HandoverWorld& w, const std::vector<std::string>& extra = {}) {
    auto& serve = w.serve();
    const Run push = w.push(extra);
    INFO(describe(w.push_args(serve.address(), extra), push) << "\n[serve log]\n" << serve.log());
    REQUIRE(push.code == 0);
}

}  // namespace

TEST_CASE("the evidence of a two-stage handover verifies offline, and any altered byte fails it", "[evidence][e2e]") {
    HandoverWorld w("D-EV-1");
    two_stage_deal(w);
    push_all(w);
    const std::string file = w.sb.path("deal.evidence");
    const auto written = parse_json(w.ok("seller", {"--json", "evidence", "--deal", w.deal, "--out", file}));
    CHECK(written["certificates"] == 2);
    CHECK(written["manifests"] == 2);
    CHECK(written["receipts"] == 6);
    CHECK(written["key_releases"] == 2);

    // Offline: no home is named (the sandbox's HOME has none), only the two files.
    const Run text = verify(w, file);
    INFO(describe({"verify", file}, text));
    REQUIRE(text.code == 0);
    CHECK(text.out.find("VERIFIED") != std::string::npos);
    CHECK(text.out.find("customers") != std::string::npos);
    const auto j = parse_json(verify(w, file, true));
    CHECK(j["verified"] == true);
    REQUIRE(j["parties"].size() == 2);
    CHECK(j["parties"][0]["role"] == "seller");
    CHECK(j["parties"][1]["role"] == "buyer");
    REQUIRE(j["stages"].size() == 2);
    CHECK(j["stages"][0]["records"] == 300);
    CHECK(j["stages"][1]["records"] == 600);
    for (const auto& s : j["stages"]) CHECK(s["state"] == "accepted");
    for (const auto& c : j["checks"]) CHECK(c["passed"] == true);

    // Against another authority (here: the buyer's identity) it fails.
    const Run other = w.sb.run({"verify", file, "--authority", w.sb.path("buyer.id")});
    CHECK(other.code == kVerifyFailed);

    alter_bytes(w, file);

    // One byte added at the end, and a receipt removed.
    auto longer = read_bytes(file);
    longer.push_back(0);
    write_bytes(w.sb.path("longer.evidence"), longer);
    require_fails(w, w.sb.path("longer.evidence"), "a byte appended");
    for (size_t i : {0, 3, 5}) {
        const auto f = edited(w, file, "no-receipt.evidence", [&](auto& e) { e.receipts.erase(e.receipts.begin() + i); });
        require_fails(w, f, "receipt " + std::to_string(i) + " removed");
    }
    const auto f = edited(w, file, "no-release.evidence", [](auto& e) { e.key_releases.erase(e.key_releases.begin()); });
    require_fails(w, f, "a key release removed");
}

TEST_CASE("the report is one self-contained HTML page that shows the verification result", "[evidence][report][e2e]") {
    HandoverWorld w("D-EV-2");
    two_stage_deal(w);
    push_all(w);
    const std::string html_path = w.sb.path("report.html");
    const auto r = parse_json(w.ok("seller", {"--json", "report", "--deal", w.deal, "--out", html_path}));
    CHECK(r["verified"] == true);
    const std::string html = read_text(html_path);
    INFO(html.substr(0, 4000));
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(html.find("<meta charset=\"utf-8\">") != std::string::npos);
    CHECK(html.find("@media print") != std::string::npos);
    CHECK(html.find("Verification result: VERIFIED") != std::string::npos);
    for (const std::string bad : {"http:", "https:", "src=", "href=", "<link", "<script", "url(", "@import"})
        CHECK(html.find(bad) == std::string::npos);
    // Parties with fingerprints, masking per field, record counts.
    const auto evidence = w.sb.path("r.evidence");
    w.ok("seller", {"evidence", "--deal", w.deal, "--out", evidence});
    const auto j = parse_json(verify(w, evidence, true));
    for (const auto& p : j["parties"]) CHECK(html.find(p["fingerprint"].get<std::string>()) != std::string::npos);
    CHECK(html.find("pseudonymize") != std::string::npos);
    CHECK(html.find("mobile") != std::string::npos);
    CHECK(html.find(">600<") != std::string::npos);

    // The buyer's operator sees the same page from its own home.
    w.ok("buyer", {"report", "--deal", w.deal, "--out", w.sb.path("buyer-report.html")});

    const std::string chromium = "/usr/bin/chromium";
    if (!std::filesystem::exists(chromium)) {
        WARN("no " << chromium << ": the report was not rendered (scripts/setup installs chromium)");
        return;
    }
    const std::string png = w.sb.path("report.png");
    Proc shot(w.sb, "chromium",
              {chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--screenshot=" + png,
               "--window-size=1200,1600", "file://" + html_path});
    const auto code = shot.wait(120s);
    INFO(shot.describe());
    REQUIRE(code.has_value());
    REQUIRE(std::filesystem::exists(png));
    const auto bytes = read_bytes(png);
    REQUIRE(bytes.size() > 20000);  // a blank 1200x1600 page compresses to a few KB
    CHECK(std::equal(bytes.begin(), bytes.begin() + 8, std::vector<uint8_t>{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}.begin()));
    std::filesystem::copy_file(png, "evidence-report-screenshot.png", std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(html_path, "evidence-report.html", std::filesystem::copy_options::overwrite_existing);
}

TEST_CASE("the evidence of a witnessed handover verifies; altered bytes, a removed receipt or checkpoint fail it",
          "[evidence][witness][e2e]") {
    HandoverWorld w("D-EV-3");
    two_stage_deal(w, {"--witness", w.sb.path("witness.id")});
    ServeProcess witness(w.sb, "witness");
    push_all(w, {"--witness", witness.address()});
    // The seller purges stage 1: its signed deletion receipt goes to the witness and into the evidence.
    w.ok("seller", {"purge", "--deal", w.deal, "--stage", "customers", "--witness", witness.address(), "--yes"});
    const std::string file = w.sb.path("witnessed.evidence");
    const auto written = parse_json(w.ok("seller", {"--json", "evidence", "--deal", w.deal, "--out", file}));
    CHECK(written["certificates"] == 3);
    CHECK(written["receipts"] == 7);
    // plan, countersign; per stage: manifest, 3 receipts, key release; the deletion receipt
    CHECK(written["log_leaves"] == 1 + 1 + 2 * 5 + 1);

    const Run text = verify(w, file);
    INFO(describe({"verify", file}, text) << "\n[witness log]\n" << witness.log());
    REQUIRE(text.code == 0);
    const auto j = parse_json(verify(w, file, true));
    std::filesystem::copy_file(file, "evidence-witnessed.evidence", std::filesystem::copy_options::overwrite_existing);
    REQUIRE(j["parties"].size() == 3);
    CHECK(j["parties"][2]["role"] == "witness");
    CHECK(j["log"]["leaves"] == written["log_leaves"]);
    CHECK(j["log"]["checkpoints"].size() == written["checkpoints"]);
    CHECK(j["stages"][0]["state"] == "purged");
    CHECK(j["stages"][0]["receipts"].back()["kind"] == "purged");

    alter_bytes(w, file);
    for (size_t i : {0, 2, 5}) {
        const auto f = edited(w, file, "no-receipt.evidence", [&](auto& e) { e.receipts.erase(e.receipts.begin() + i); });
        require_fails(w, f, "receipt " + std::to_string(i) + " removed");
    }
    const size_t n = written["checkpoints"].get<size_t>();
    for (size_t i : {size_t{0}, n / 2, n - 1}) {
        const auto f = edited(w, file, "no-checkpoint.evidence", [&](auto& e) { e.checkpoints.erase(e.checkpoints.begin() + i); });
        require_fails(w, f, "checkpoint " + std::to_string(i) + " removed");
    }
    const auto swapped = edited(w, file, "swapped.evidence", [](auto& e) { std::swap(e.log_leaves[2], e.log_leaves[3]); });
    require_fails(w, swapped, "two leaves swapped");

    // The report shows the witness's checkpoints.
    const std::string html_path = w.sb.path("witnessed.html");
    const auto r = parse_json(w.ok("seller", {"--json", "report", "--deal", w.deal, "--out", html_path}));
    CHECK(r["verified"] == true);
    const std::string html = read_text(html_path);
    CHECK(html.find("Verification result: VERIFIED") != std::string::npos);
    CHECK(html.find(written["checkpoints"].get<size_t>() == 0 ? "?" : "signed checkpoints") != std::string::npos);
    CHECK(html.find(j["log"]["checkpoints"].back()["root"].get<std::string>()) != std::string::npos);
}

TEST_CASE("the report escapes every value it shows", "[evidence][report]") {
    using namespace baton;
    evidence::Verification v;
    v.deal = "D-1";
    handover::Plan p;
    p.deal = "D-1";
    p.seller = {{}, "<script>alert('x')</script> & Co"};
    p.buyer = {{}, "\"Buyer\" <img src=x>"};
    p.stages = {{"s1", {"set<1>"}}};
    p.masks = {{"set<1>", "f\"ield", "mask"}};
    v.plan = p;
    v.parties = {{"seller", p.seller.name, {}, std::nullopt}, {"buyer", p.buyer.name, {}, std::nullopt}};
    evidence::StageView st{0, "s1", {"set<1>"}, std::nullopt, {}, {}, std::nullopt, "rejected"};
    st.receipts.push_back({handover::ReceiptKind::rejected, 0, "code: <b>bad</b> \"detail\"", {}});
    v.stages = {st};
    v.checks = {{"format", false, "<i>broken</i>"}};
    const std::string html = agent::render_report(v, {"Auth <&>", {}}, 0);
    for (const std::string bad : {"<script", "<img", "<b>", "<i>", "\"Buyer\"", "Auth <&>"}) {
        INFO(bad);
        CHECK(html.find(bad) == std::string::npos);
    }
    CHECK(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co") != std::string::npos);
    CHECK(html.find("Verification result: FAILED") != std::string::npos);
    CHECK(agent::html_escape("a\xff<") == "a\xEF\xBF\xBD&lt;");
}
