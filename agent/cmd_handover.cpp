// baton status, baton accept, baton reject: where each stage of each deal stands, and the buyer
// operator's decision on a verified stage (DESIGN §3 step 4 "accepted", §6).
//
// accept and reject sign a receipt over the stored manifest and commit it with the stage's new
// state and the audit row in one transaction; the state is checked again inside it, so a stage
// that `baton serve` moved meanwhile is never decided twice.
#include "agent/commands.h"
#include "agent/home.h"
#include "agent/plan_view.h"
#include "agent/progress_bar.h"
#include "agent/witness_view.h"
#include "certs/codec.h"
#include "storage/witness_store.h"
#include "storage/records/utf8.h"

namespace baton::agent {

namespace {

struct DecideArgs {
    std::string deal, stage, reason;
};

// ---- status -----------------------------------------------------------------------------------

// A stage of the plan with what is stored about it (nothing before it is prepared or offered).
struct StageStatus {
    uint32_t number = 0;
    std::string name;
    std::optional<storage::StageRow> row;
    std::vector<std::string> receipts;  // kinds held
};

// A stage the seller purged after it was accepted (baton purge: its purged receipt) shows as purged.
std::string state_of(const StageStatus& s) {
    if (std::find(s.receipts.begin(), s.receipts.end(), "purged") != s.receipts.end()) return "purged";
    return s.row ? s.row->state : "pending";
}

Result<std::vector<StageStatus>> stage_statuses(Home& home, const handover::Plan& plan) {
    BATON_ASSIGN(auto rows, storage::list_stages(home.db(), plan.deal));
    std::vector<StageStatus> out;
    for (uint32_t i = 0; i < plan.stages.size(); ++i) {
        StageStatus s{i, plan.stages[i].name, std::nullopt, {}};
        for (auto& r : rows)
            if (r.stage_number == i) s.row = r;
        if (s.row) {
            BATON_ASSIGN(auto receipts, storage::load_receipts(home.db(), plan.deal, i));
            for (const auto& [kind, statement] : receipts) s.receipts.push_back(kind);
        }
        out.push_back(std::move(s));
    }
    return out;
}

bool is_seller(const LoadedPlan& lp) { return lp.stored.role == "seller"; }

const handover::Party& counterparty(const LoadedPlan& lp) { return is_seller(lp) ? lp.plan.buyer : lp.plan.seller; }

nlohmann::json stage_json(const LoadedPlan& lp, const StageStatus& s) {
    nlohmann::json j{{"number", s.number + 1}, {"name", s.name}, {"state", state_of(s)}, {"receipts", s.receipts}};
    const auto& r = s.row;
    j["chunks_total"] = r ? r->chunk_count : 0;
    j["chunks_held"] = r ? r->chunks_held : 0;  // seller: acknowledged by the buyer
    j["bytes"] = r ? r->ciphertext_bytes : 0;
    if (is_seller(lp)) {
        j["bytes_resent"] = r ? r->bytes_resent : 0;
        j["resumes"] = r ? r->resumes : 0;
    }
    j["reason"] = r && !r->reason.empty() ? nlohmann::json(r->reason) : nlohmann::json();
    return j;
}

nlohmann::json deal_json(const LoadedPlan& lp, const std::vector<StageStatus>& stages, const DealWitnessView& wv) {
    nlohmann::json j{{"deal", lp.plan.deal},
                     {"role", lp.stored.role},
                     {"counterparty", party_json(counterparty(lp))},
                     {"witness", lp.plan.witness ? party_json(*lp.plan.witness) : nlohmann::json()},
                     {"countersigned", lp.countersign.has_value()},
                     {"plan_hash", to_hex(lp.plan_hash)},
                     {"stages", nlohmann::json::array()}};
    for (const auto& s : stages) j["stages"].push_back(stage_json(lp, s));
    // Witnessed deals: the log as held here; the seller's stages say whether the witness logged
    // them and whether they are closed (docs/witness.md).
    j["witness_log"] = wv.json();
    for (size_t i = 0; i < wv.stages.size() && i < stages.size(); ++i) {
        j["stages"][i]["witnessed"] = wv.stages[i].witnessed;
        j["stages"][i]["closed"] = wv.stages[i].closed;
    }
    return j;
}

std::string join(const std::vector<std::string>& parts) {
    std::string s;
    for (const auto& p : parts) s += (s.empty() ? "" : ",") + p;
    return s.empty() ? "-" : s;
}

std::string deal_text(const LoadedPlan& lp, const std::vector<StageStatus>& stages, const DealWitnessView& wv) {
    std::string head = "deal " + lp.plan.deal + ": this agent is the " + lp.stored.role + "; " +
                       (is_seller(lp) ? "buyer " : "seller ") + party_text(counterparty(lp)) + "; " +
                       (lp.countersign ? "plan countersigned" : "plan not countersigned yet") + "\n";
    std::vector<std::vector<std::string>> rows{{"#", "stage", "state", "chunks", "bytes", "receipts"}};
    if (is_seller(lp)) rows[0].push_back("re-sent (resumes)");
    if (!wv.stages.empty()) rows[0].push_back("witness");
    std::string reasons;
    for (const auto& s : stages) {
        const auto& r = s.row;
        std::vector<std::string> cells{std::to_string(s.number + 1), s.name, state_of(s),
                                       r ? std::to_string(r->chunks_held) + "/" + std::to_string(r->chunk_count) : "-",
                                       r ? human_bytes(r->ciphertext_bytes) : "-", join(s.receipts)};
        if (is_seller(lp)) cells.push_back(r ? human_bytes(r->bytes_resent) + " (" + std::to_string(r->resumes) + ")" : "-");
        if (s.number < wv.stages.size()) {
            const auto& w = wv.stages[s.number];
            cells.push_back(w.closed ? "closed" : w.witnessed ? "logged" : "-");
        }
        rows.push_back(std::move(cells));
        if (r && !r->reason.empty()) reasons += "  stage " + std::to_string(s.number + 1) + " rejected: " + r->reason + "\n";
    }
    return head + text_table(rows) + reasons + wv.text();
}

// Whether this agent keeps the witness log of `deal` (and no plan of its own for it).
bool is_witness_log(Home& home, const std::string& deal) {
    auto deals = storage::log_deals(home.db());
    return deals && std::find(deals->begin(), deals->end(), deal) != deals->end();
}

Status run_status(Context& ctx, const std::string& deal) {
    if (!deal.empty()) BATON_TRY(certs::check_deal_id(deal));
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    std::vector<std::string> deals = deal.empty() ? storage::list_plan_deals(home.db()) : std::vector<std::string>{deal};
    nlohmann::json j = nlohmann::json::array();
    std::string text;
    for (const auto& d : deals) {
        BATON_ASSIGN(auto stored, storage::find_plan(home.db(), d));
        if (!stored && is_witness_log(home, d)) continue;  // shown below
        BATON_ASSIGN(auto lp, load_plan(home, d));
        BATON_ASSIGN(auto stages, stage_statuses(home, lp.plan));
        BATON_ASSIGN(auto wv, deal_witness_view(home, lp));
        j.push_back(deal_json(lp, stages, wv));
        text += (text.empty() ? "" : "\n") + deal_text(lp, stages, wv);
    }
    BATON_ASSIGN(auto logs, witness_logs_json(home, deal));
    if (!logs.empty()) text += (text.empty() ? "" : "\n") + witness_logs_text(logs);
    ctx.out.result({{"deals", j}, {"witness_logs", logs}}, text.empty() ? "No handover plans." : text);
    return ok_status();
}

// ---- accept, reject ---------------------------------------------------------------------------

// A stage the buyer's operator decides on.
struct Decision {
    LoadedPlan lp;
    uint32_t number = 0;
    std::string label;                       // "stage 2 (transactions) of deal D"
};

Result<Decision> find_decision(Home& home, const DecideArgs& a) {
    BATON_TRY(certs::check_deal_id(a.deal));
    Decision d;
    BATON_ASSIGN(d.lp, load_plan(home, a.deal));
    if (is_seller(d.lp))
        return conflict_error("this agent is the seller of deal " + a.deal + "; only the buyer accepts or rejects a stage");
    BATON_ASSIGN(d.number, find_plan_stage(d.lp.plan, a.stage));
    d.label = stage_label(a.deal, d.number, a.stage);
    return d;
}

// The stage's row, in one of `allowed` states. Fails (conflict) naming the state otherwise.
Result<storage::StageRow> stage_in_state(Home& home, const Decision& d, const std::vector<std::string>& allowed,
                                         const std::string& verb) {
    BATON_ASSIGN(auto row, storage::find_stage(home.db(), d.lp.plan.deal, d.number));
    const std::string state = row ? row->state : "pending (not offered yet)";
    for (const auto& s : allowed)
        if (row && row->state == s) return std::move(*row);
    std::string want;
    for (const auto& s : allowed) want += (want.empty() ? "" : " or ") + s;
    return conflict_error(d.label + " is " + state + ": only a stage that is " + want + " can be " + verb);
}

Result<handover::Receipt> receipt_for(const Decision& d, const storage::StageRow& row, handover::ReceiptKind kind) {
    if (!row.manifest) return conflict_error(d.label + " is stored without its manifest");
    auto env = handover::decode_signed(*row.manifest);
    if (!env) return verify_error(d.label + ": stored manifest: " + env.error().message());
    auto m = handover::open_manifest(*env);
    if (!m) return verify_error(d.label + ": stored manifest: " + m.error().message());
    if (m->stage_number != d.number || m->plan_hash != d.lp.plan_hash)
        return verify_error(d.label + ": the stored manifest is for another stage or plan");
    handover::Receipt r;
    r.deal = d.lp.plan.deal;
    r.plan_hash = d.lp.plan_hash;
    r.stage_number = d.number;
    r.stage = d.lp.plan.stages[d.number].name;
    r.kind = kind;
    r.manifest_hash = handover::statement_hash(*env);
    r.merkle_root = m->merkle_root;
    r.signed_at = now_unix();
    return r;
}

nlohmann::json receipt_json(const handover::Receipt& r, const handover::Signed& env) {
    return {{"deal", r.deal},
            {"stage", {{"number", r.stage_number + 1}, {"name", r.stage}}},
            {"receipt", receipt_kind_name(r.kind)},
            {"state", receipt_kind_name(r.kind)},
            {"manifest_hash", to_hex(r.manifest_hash)},
            {"merkle_root", to_hex(r.merkle_root)},
            {"receipt_hash", to_hex(handover::statement_hash(env))},
            {"reason_code", r.reason_code.empty() ? nlohmann::json() : nlohmann::json(r.reason_code)},
            {"reason_detail", r.reason_detail.empty() ? nlohmann::json() : nlohmann::json(r.reason_detail)},
            {"signed_at", format_time(r.signed_at)}};
}

std::string receipt_text(const Decision& d, const handover::Receipt& r, const handover::Signed& env) {
    TextBlock t;
    t.line("stage", d.label).line("receipt", std::string(receipt_kind_name(r.kind)));
    if (!r.reason_detail.empty()) t.line("reason", r.reason_code + ": " + r.reason_detail);
    t.line("manifest hash", to_hex(r.manifest_hash)).line("merkle root", to_hex(r.merkle_root));
    t.line("receipt hash", to_hex(handover::statement_hash(env))).line("signed", format_time(r.signed_at));
    if (r.kind == handover::ReceiptKind::accepted)
        t.note("Accepted: the stage's records can now be exported (baton export); the seller learns it when it next asks.");
    else
        t.note("Rejected: the handover stops here; the seller learns it when it next asks.");
    return t.str();
}

// Signs the decision and commits receipt, state and audit row together.
Status decide(Context& ctx, const DecideArgs& a, handover::ReceiptKind kind, const std::vector<std::string>& allowed) {
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    BATON_ASSIGN(const Decision d, find_decision(home, a));
    const bool accepting = kind == handover::ReceiptKind::accepted;
    const std::string verb = accepting ? "accepted" : "rejected";
    BATON_TRY(stage_in_state(home, d, allowed, verb));  // refuse before asking for a passphrase
    BATON_ASSIGN(auto keys, home.unlock(ctx));
    BATON_ASSIGN(auto tx, storage::Transaction::begin(home.db()));
    BATON_ASSIGN(const auto row, stage_in_state(home, d, allowed, verb));
    BATON_ASSIGN(auto receipt, receipt_for(d, row, kind));
    if (!accepting) {
        receipt.reason_code = "rejected_by_operator";
        receipt.reason_detail = a.reason;
    }
    const auto env = handover::sign_receipt(receipt, keys.identity);
    const UnixTime now = receipt.signed_at;
    const std::string reason = accepting ? "" : receipt.reason_code + ": " + a.reason;
    BATON_TRY(storage::save_receipt(home.db(), a.deal, d.number, receipt_kind_name(kind), handover::encode_signed(env), now));
    BATON_TRY(storage::set_stage_state(home.db(), a.deal, d.number, verb, reason, now));
    BATON_TRY(home.audit("stage." + verb, d.label + " by the operator (was " + row.state + "), manifest " +
                                             to_hex(receipt.manifest_hash) + (accepting ? "" : "; " + reason)));
    BATON_TRY(tx.commit());
    ctx.out.result(receipt_json(receipt, env), receipt_text(d, receipt, env));
    return ok_status();
}

Status run_reject(Context& ctx, const DecideArgs& a) {
    if (a.reason.empty()) return usage_error("--reason must say why the stage is rejected");
    if (a.reason.size() > handover::kMaxReasonBytes)
        return usage_error("--reason is at most " + std::to_string(handover::kMaxReasonBytes) + " bytes");
    if (!records::utf8::is_valid(a.reason)) return usage_error("--reason is not valid UTF-8");
    return decide(ctx, a, handover::ReceiptKind::rejected, {"verified", "delivered"});
}

}  // namespace

void register_handover_commands(CLI::App& app, Context& ctx, Action& action) {
    auto deal = std::make_shared<std::string>();
    auto* status = app.add_subcommand("status", "Show each deal's stages: state, chunks, bytes, receipts, resumes");
    status->add_option("--deal", *deal, "Only this deal");
    status->callback([&ctx, &action, deal] { action = [&ctx, deal] { return run_status(ctx, *deal); }; });

    auto aa = std::make_shared<DecideArgs>();
    auto* accept = app.add_subcommand("accept", "As the buyer, accept a verified stage: its records become exportable");
    accept->add_option("--deal", aa->deal, "Deal id")->required();
    accept->add_option("--stage", aa->stage, "Stage name (as in baton plan show)")->required();
    accept->callback([&ctx, &action, aa] {
        action = [&ctx, aa] { return decide(ctx, *aa, handover::ReceiptKind::accepted, {"verified"}); };
    });

    auto ra = std::make_shared<DecideArgs>();
    auto* reject = app.add_subcommand("reject", "As the buyer, reject a delivered or verified stage, saying why");
    reject->add_option("--deal", ra->deal, "Deal id")->required();
    reject->add_option("--stage", ra->stage, "Stage name (as in baton plan show)")->required();
    reject->add_option("--reason", ra->reason, "Why, for the seller and the auditors (at most 1024 bytes)")->required();
    reject->callback([&ctx, &action, ra] { action = [&ctx, ra] { return run_reject(ctx, *ra); }; });
}

}  // namespace baton::agent
