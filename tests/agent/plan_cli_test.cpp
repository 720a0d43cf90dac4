// End to end: `baton plan create`, `plan show`, `prepare`, `status`, `accept`, `reject` and the
// buyer's side of `export` (issue 5), with real agent processes. A seller certified for D-1 with
// two imported sets, a buyer and a witness are built once; each test works on copies.
//
// Until `baton push` exists (end-to-end transfer tests come with it), a buyer's view of a stage
// is made by turning a copy of the seller's home into a "buyer" with SQL — the stage's chunks and
// sealed content key are then exactly what a buyer would hold.
#include <catch2/catch.hpp>

#include "records_cli_util.h"

using namespace baton;
using namespace baton::records_cli;

namespace {

const std::string kDeal = "D-1";

// authority (sealed key), seller (certified seller for D-1, customers C1..C3 and accounts
// A1, A2 imported), buyer and witness (identities only). Built once.
const Sandbox& world() {
    static const Sandbox sb;
    static const bool built = [] {
        sb.init("authority");
        for (const char* p : {"seller", "buyer", "witness"}) {
            sb.ok({"--home", sb.home(p), "init", "--name", p, "--no-passphrase"});
            sb.ok({"--home", sb.home(p), "id", "--export", sb.path(std::string(p) + ".id")});
        }
        const auto cert = sb.issue("authority", "seller", "seller", kDeal);
        sb.ok({"--home", sb.home("seller"), "cert", "install", cert});
        sb.ok({"--home", sb.home("seller"), "trust", "add", "--deal", kDeal, "--authority", sb.path("authority.id")});
        write_text(sb.path("customers.schema.json"), kCustomersSchema);
        write_text(sb.path("accounts.schema.json"), kAccountsSchema);
        write_text(sb.path("c.csv"), kHeader + "\r\nC1,张三,11010519491231002X,13812341234,10.50,x\r\n"
                                               "C2,李四,,13900000000,-0.25,\r\nC3,王五,,,,\r\n");
        write_text(sb.path("a.csv"), "account,customer_id\r\nA1,C1\r\nA2,C2\r\n");
        sb.ok(import_args(sb.home("seller"), sb.path("customers.schema.json"), sb.path("c.csv")));
        sb.ok(import_args(sb.home("seller"), sb.path("accounts.schema.json"), sb.path("a.csv"), "accounts"));
        return true;
    }();
    (void)built;
    return sb;
}

// A fresh sandbox with copies of every party of the world.
struct Copy {
    Sandbox sb;
    Copy() {
        for (const char* p : {"seller", "buyer", "witness"}) sb.adopt(world(), p);
    }
    std::string seller() const { return sb.home("seller"); }
    std::vector<std::string> at(const std::string& party, std::vector<std::string> args) const {
        args.insert(args.begin(), {"--home", sb.home(party)});
        return args;
    }
};

std::vector<std::string> create_args(const Copy& c, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"--home", c.seller(), "plan", "create", "--deal", kDeal, "--buyer", c.sb.path("buyer.id"),
                                  "--witness", c.sb.path("witness.id"), "--stage", "customers:customers",
                                  "--stage", "accounts:accounts", "--mask", "customers.mobile=mask",
                                  "--mask", "customers.id_number=drop", "--manual-accept"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

std::string fingerprint_of(const Sandbox& sb, const std::string& party) {
    return parse_json(sb.ok({"--home", sb.home(party), "--json", "id"}))["fingerprint"];
}

std::string audit_of(const Sandbox& sb, const std::string& home) { return sb.ok({"--home", home, "audit"}).out; }

size_t count(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

// One JSON object per line (a long-running command's events).
std::vector<nlohmann::json> json_lines(const Run& r) {
    std::vector<nlohmann::json> events;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
        INFO(line);
        REQUIRE_NOTHROW(nlohmann::json::parse(line));
        events.push_back(nlohmann::json::parse(line));
    }
    return events;
}

// Runs a refused command and checks its exit code and that its message names `parts`.
Run expect_refused(const Sandbox& sb, const std::vector<std::string>& args, int code,
                   const std::vector<std::string>& parts) {
    const Run r = sb.run(args);
    INFO(describe(args, r));
    CHECK(r.code == code);
    for (const auto& p : parts) CHECK_THAT(r.err, Catch::Contains(p));
    return r;
}

// Makes the copied seller home look like the buyer's view of the same deal: role buyer, and the
// given stage in `state`.
void as_buyer(const Copy& c, uint32_t stage_number, const std::string& state) {
    tamper_sql(c.seller() + "/baton.db", "UPDATE handover_plans SET role = 'buyer'; UPDATE handover_stages SET state = '" +
                                             state + "' WHERE stage_number = " + std::to_string(stage_number));
}

}  // namespace

TEST_CASE("plan create signs a plan of stages, masks, buyer and acceptance, and plan show gives it back", "[cli][plan]") {
    Copy c;
    const Run created = c.sb.ok(create_args(c));
    const std::string buyer_fp = fingerprint_of(c.sb, "buyer");
    CHECK_THAT(created.out, Catch::Contains("buyer " + buyer_fp) && Catch::Contains("customers (3 records)") &&
                                Catch::Contains("accounts (2 records)") && Catch::Contains("customers.mobile = mask") &&
                                Catch::Contains("customers.id_number = drop") && Catch::Contains("manual") &&
                                Catch::Contains("not yet"));

    const auto shown = parse_json(c.sb.ok(c.at("seller", {"--json", "plan", "show", "--deal", kDeal})));
    CHECK(shown["deal"] == kDeal);
    CHECK(shown["role"] == "seller");
    CHECK(shown["buyer"]["name"] == "buyer");
    CHECK(shown["buyer"]["fingerprint"] == buyer_fp);
    CHECK(shown["seller"]["fingerprint"] == fingerprint_of(c.sb, "seller"));
    CHECK(shown["witness"]["fingerprint"] == fingerprint_of(c.sb, "witness"));
    REQUIRE(shown["stages"].size() == 2);
    CHECK(shown["stages"][0]["number"] == 1);
    CHECK(shown["stages"][0]["name"] == "customers");
    CHECK(shown["stages"][1]["sets"] == nlohmann::json::array({"accounts"}));
    REQUIRE(shown["masks"].size() == 2);
    CHECK(shown["masks"][0] == nlohmann::json{{"set", "customers"}, {"field", "mobile"}, {"rule", "mask"}});
    CHECK(shown["acceptance"] == "manual");
    CHECK(shown["countersigned"] == false);
    CHECK(shown["plan_hash"].get<std::string>().size() == 64);

    const Run text = c.sb.ok(c.at("seller", {"plan", "show", "--deal", kDeal}));
    CHECK_THAT(text.out, Catch::Contains(shown["plan_hash"].get<std::string>()) && Catch::Contains("buyer " + buyer_fp));
    CHECK(count(audit_of(c.sb, c.seller()), "plan.created") == 1);
}

TEST_CASE("plan create --json reports the plan with record counts and automatic acceptance by default", "[cli][plan]") {
    Copy c;
    const auto j = parse_json(c.sb.ok({"--home", c.seller(), "--json", "plan", "create", "--deal", kDeal, "--buyer",
                                       c.sb.path("buyer.id"), "--stage", "all:customers,accounts"}));
    CHECK(j["acceptance"] == "automatic");
    CHECK(j["witness"].is_null());
    CHECK(j["stages"][0]["records"] == nlohmann::json{{"customers", 3}, {"accounts", 2}});
    CHECK(j["masks"].empty());
    const auto shown = parse_json(c.sb.ok(c.at("seller", {"--json", "plan", "show", "--deal", kDeal})));
    CHECK(shown["plan_hash"] == j["plan_hash"]);
}

TEST_CASE("plan create refuses what it cannot plan, naming it, and stores nothing", "[cli][plan]") {
    Copy c;
    const std::string buyer = c.sb.path("buyer.id");
    auto base = [&](std::vector<std::string> extra) {
        std::vector<std::string> a{"--home", c.seller(), "plan", "create", "--deal", kDeal, "--buyer", buyer};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    SECTION("unknown set") {
        expect_refused(c.sb, base({"--stage", "s1:customers,loans"}), 8, {"no record set 'loans'", "s1"});
    }
    SECTION("unknown mask field") {
        expect_refused(c.sb, base({"--stage", "s1:customers", "--mask", "customers.phone=mask"}), 3,
                       {"customers.phone=mask", "no field 'phone'", "mobile"});
    }
    SECTION("bad rule") {
        expect_refused(c.sb, base({"--stage", "s1:customers", "--mask", "customers.mobile=hide"}), 2,
                       {"customers.mobile=hide"});
    }
    SECTION("mask of a set outside the plan") {
        expect_refused(c.sb, base({"--stage", "s1:customers", "--mask", "accounts.account=drop"}), 2,
                       {"accounts", "no --stage"});
    }
    SECTION("a set in two stages") {
        expect_refused(c.sb, base({"--stage", "s1:customers", "--stage", "s2:customers"}), 2, {"customers", "another stage"});
    }
    SECTION("bad stage syntax") { expect_refused(c.sb, base({"--stage", "customers"}), 2, {"NAME:SET"}); }
    SECTION("no seller certificate for the deal") {
        expect_refused(c.sb, {"--home", c.seller(), "plan", "create", "--deal", "D-2", "--buyer", buyer, "--stage", "s1:customers"},
                       8, {"no seller certificate for deal D-2"});
    }
    SECTION("the buyer is the seller itself") {
        expect_refused(c.sb, {"--home", c.seller(), "plan", "create", "--deal", kDeal, "--buyer", c.sb.path("seller.id"),
                              "--stage", "s1:customers"},
                       3, {"seller.id", "this agent itself"});
    }
    const auto status = parse_json(c.sb.ok(c.at("seller", {"--json", "status"})));
    CHECK(status["deals"].empty());
    CHECK(count(audit_of(c.sb, c.seller()), "plan.created") == 0);
}

TEST_CASE("a deal has one plan: a second plan create is refused", "[cli][plan]") {
    Copy c;
    const auto first = parse_json(c.sb.ok([&] { auto a = create_args(c); a.push_back("--json"); return a; }()));
    expect_refused(c.sb, create_args(c), 8, {"deal D-1 has a plan already", first["plan_hash"].get<std::string>()});
    const auto shown = parse_json(c.sb.ok(c.at("seller", {"--json", "plan", "show", "--deal", kDeal})));
    CHECK(shown["plan_hash"] == first["plan_hash"]);
}

TEST_CASE("plan show and status of a deal without a plan say so", "[cli][plan]") {
    Copy c;
    expect_refused(c.sb, c.at("seller", {"plan", "show", "--deal", kDeal}), 8, {"deal D-1 has no plan"});
    expect_refused(c.sb, c.at("seller", {"status", "--deal", kDeal}), 8, {"deal D-1 has no plan"});
    CHECK_THAT(c.sb.ok(c.at("seller", {"status"})).out, Catch::Contains("No handover plans."));
}

TEST_CASE("prepare prepares each stage once and status shows them prepared with their chunks", "[cli][prepare]") {
    Copy c;
    c.sb.ok(create_args(c));
    const auto events = json_lines(c.sb.ok(c.at("seller", {"--json", "prepare", "--deal", kDeal})));
    REQUIRE(events.size() == 3);
    CHECK(events[0]["event"] == "stage.prepared");
    CHECK(events[0]["stage"]["name"] == "customers");
    CHECK(events[0]["records"] == 3);
    CHECK(events[0]["chunks"] == 1);
    CHECK(events[1]["stage"]["name"] == "accounts");
    CHECK(events[1]["records"] == 2);
    CHECK(events[2] == nlohmann::json{{"event", "done"}, {"deal", kDeal}, {"prepared", 2}, {"already_prepared", 0}});

    const auto again = json_lines(c.sb.ok(c.at("seller", {"--json", "prepare", "--deal", kDeal, "--stage", "accounts"})));
    REQUIRE(again.size() == 2);
    CHECK(again[0]["event"] == "stage.already_prepared");
    CHECK(again[0]["merkle_root"] == events[1]["merkle_root"]);
    CHECK(again[1]["prepared"] == 0);
    const Run text = c.sb.ok(c.at("seller", {"prepare", "--deal", kDeal, "--all"}));
    CHECK_THAT(text.out, Catch::Contains("0 stages prepared, 2 prepared before."));
    CHECK(count(audit_of(c.sb, c.seller()), "stage.prepared") == 2);

    const auto status = parse_json(c.sb.ok(c.at("seller", {"--json", "status"})));
    REQUIRE(status["deals"].size() == 1);
    const auto& deal = status["deals"][0];
    CHECK(deal["role"] == "seller");
    CHECK(deal["counterparty"]["name"] == "buyer");
    CHECK(deal["countersigned"] == false);
    REQUIRE(deal["stages"].size() == 2);
    for (const auto& s : deal["stages"]) {
        CHECK(s["state"] == "prepared");
        CHECK(s["chunks_total"] == 1);
        CHECK(s["chunks_held"] == 0);
        CHECK(s["bytes"].get<uint64_t>() > 16);
        CHECK(s["receipts"].empty());
        CHECK(s["resumes"] == 0);
    }
    const Run table = c.sb.ok(c.at("seller", {"status", "--deal", kDeal}));
    CHECK_THAT(table.out, Catch::Contains("prepared") && Catch::Contains("0/1") && Catch::Contains("customers"));
}

TEST_CASE("prepare of one stage leaves the others pending; an unknown stage is refused", "[cli][prepare]") {
    Copy c;
    c.sb.ok(create_args(c));
    expect_refused(c.sb, c.at("seller", {"prepare", "--deal", kDeal, "--stage", "loans"}), 8, {"no stage 'loans'", "customers, accounts"});
    c.sb.ok(c.at("seller", {"prepare", "--deal", kDeal, "--stage", "customers"}));
    const auto status = parse_json(c.sb.ok(c.at("seller", {"--json", "status", "--deal", kDeal})));
    CHECK(status["deals"][0]["stages"][0]["state"] == "prepared");
    CHECK(status["deals"][0]["stages"][1]["state"] == "pending");
}

TEST_CASE("accept and reject are the buyer's, and only for a stage in the right state", "[cli][accept]") {
    Copy c;
    c.sb.ok(create_args(c));
    c.sb.ok(c.at("seller", {"prepare", "--deal", kDeal}));
    SECTION("the seller cannot accept") {
        expect_refused(c.sb, c.at("seller", {"accept", "--deal", kDeal, "--stage", "customers"}), 8,
                       {"this agent is the seller of deal D-1"});
    }
    SECTION("a stage that is not verified is refused naming its state") {
        as_buyer(c, 0, "receiving");
        expect_refused(c.sb, c.at("seller", {"accept", "--deal", kDeal, "--stage", "customers"}), 8,
                       {"stage 1 (customers) of deal D-1 is receiving", "verified"});
        expect_refused(c.sb, c.at("seller", {"reject", "--deal", kDeal, "--stage", "customers", "--reason", "no"}), 8,
                       {"stage 1 (customers) of deal D-1 is receiving", "verified or delivered"});
        expect_refused(c.sb, c.at("seller", {"accept", "--deal", kDeal, "--stage", "loans"}), 8, {"no stage 'loans'"});
    }
    SECTION("reject signs a rejected receipt with the operator's reason") {
        as_buyer(c, 1, "delivered");
        const auto j = parse_json(c.sb.ok(c.at("seller", {"--json", "reject", "--deal", kDeal, "--stage", "accounts",
                                                          "--reason", "wrong branch"})));
        CHECK(j["receipt"] == "rejected");
        CHECK(j["reason_code"] == "rejected_by_operator");
        CHECK(j["reason_detail"] == "wrong branch");
        const auto status = parse_json(c.sb.ok(c.at("seller", {"--json", "status"})));
        const auto& stage = status["deals"][0]["stages"][1];
        CHECK(stage["state"] == "rejected");
        CHECK(stage["reason"] == "rejected_by_operator: wrong branch");
        CHECK(stage["receipts"] == nlohmann::json::array({"rejected"}));
        CHECK(count(audit_of(c.sb, c.seller()), "stage.rejected") == 1);
    }
}

TEST_CASE("a received set is exported only once its stage is accepted, masked as planned", "[cli][accept][export]") {
    Copy c;
    c.sb.ok(create_args(c));
    c.sb.ok(c.at("seller", {"prepare", "--deal", kDeal}));
    as_buyer(c, 0, "verified");
    const auto out = c.sb.path("received.csv");
    const std::vector<std::string> exp{"--home", c.seller(), "export", "--deal", kDeal, "--set", "customers", "--format",
                                       "csv", "--out", out};
    expect_refused(c.sb, exp, 8, {"stage 1 (customers) of deal D-1 is verified, not accepted: nothing exported"});
    CHECK_FALSE(std::filesystem::exists(out));

    const auto accepted = parse_json(c.sb.ok(c.at("seller", {"--json", "accept", "--deal", kDeal, "--stage", "customers"})));
    CHECK(accepted["receipt"] == "accepted");
    CHECK(accepted["receipt_hash"].get<std::string>().size() == 64);
    expect_refused(c.sb, c.at("seller", {"accept", "--deal", kDeal, "--stage", "customers"}), 8, {"is accepted"});

    c.sb.ok(exp);
    CHECK(read_text(out) == "customer_id,name,mobile,amount,note\r\n"
                            "C1,张三,138****1234,10.50,x\r\nC2,李四,139****0000,-0.25,\r\nC3,王五,,,\r\n");
    const auto status = parse_json(c.sb.ok(c.at("seller", {"--json", "status"})));
    CHECK(status["deals"][0]["stages"][0]["receipts"] == nlohmann::json::array({"accepted"}));
    CHECK(count(audit_of(c.sb, c.seller()), "stage.accepted") == 1);
    expect_refused(c.sb, c.at("seller", {"export", "--deal", kDeal, "--set", "accounts", "--format", "csv", "--out", out}), 8,
                   {"stage 2 (accounts) of deal D-1 is prepared, not accepted"});
}

TEST_CASE("pseudonymized keys stay joinable across the stages of a deal", "[cli][prepare][export]") {
    Copy c;
    c.sb.ok({"--home", c.seller(), "plan", "create", "--deal", kDeal, "--buyer", c.sb.path("buyer.id"), "--stage",
             "customers:customers", "--stage", "accounts:accounts", "--mask", "customers.customer_id=pseudonymize",
             "--mask", "accounts.customer_id=pseudonymize"});
    c.sb.ok(c.at("seller", {"prepare", "--deal", kDeal}));
    as_buyer(c, 0, "verified");
    as_buyer(c, 1, "verified");
    for (const char* stage : {"customers", "accounts"}) {
        c.sb.ok(c.at("seller", {"accept", "--deal", kDeal, "--stage", stage}));
        c.sb.ok(c.at("seller", {"export", "--deal", kDeal, "--set", stage, "--format", "jsonl", "--out",
                                c.sb.path(std::string(stage) + ".jsonl")}));
    }
    const auto customers = json_lines(Run{0, read_text(c.sb.path("customers.jsonl")), ""});
    const auto accounts = json_lines(Run{0, read_text(c.sb.path("accounts.jsonl")), ""});
    REQUIRE(customers.size() == 3);
    REQUIRE(accounts.size() == 2);
    const std::string c1 = customers[0]["customer_id"];
    CHECK(c1.rfind("p_", 0) == 0);
    CHECK(c1.size() == 28);
    CHECK(customers[0]["name"] == "张三");
    CHECK(accounts[0]["account"] == "A1");
    CHECK(accounts[0]["customer_id"] == c1);
    CHECK(accounts[1]["customer_id"] == customers[1]["customer_id"]);
    CHECK(customers[1]["customer_id"] != c1);
}
