// baton plan create | show, baton prepare: the handover plan and the seller's preparation of its
// stages (DESIGN §3 step 3, §6; docs/handover.md).
//
// plan create refuses before it signs anything: a deal id that is not one, no seller certificate
// for the deal, an unreadable party file, a set that is not stored, a mask naming no field of its
// set, a deal that has a plan already. The plan, its row and the "plan.created" audit row commit
// together.
#include "agent/commands.h"
#include "agent/files.h"
#include "agent/home.h"
#include "agent/plan_build.h"
#include "agent/plan_view.h"
#include "agent/progress_bar.h"
#include "agent/stage_prep.h"
#include "certs/codec.h"
#include "certs/fingerprint.h"
#include "storage/credentials.h"

namespace baton::agent {

namespace {

struct CreateArgs {
    std::string deal, buyer, witness;
    std::vector<std::string> stages, masks;
    bool manual_accept = false;
};

struct PrepareArgs {
    std::string deal, stage;
    bool all = false;
};

// Ok when this agent holds an unexpired seller certificate for `deal`. Fails (conflict) otherwise.
Status check_seller_certificate(Home& home, const std::string& deal) {
    BATON_ASSIGN(auto stored, storage::own_certificates(home.db()));
    bool expired = false;
    for (const auto& s : stored) {
        if (s.deal != deal || s.role != certs::role_name(certs::Role::seller)) continue;
        auto cert = certs::decode_certificate(s.envelope);
        if (!cert) return verify_error("stored seller certificate for deal " + deal + " is corrupt: " + cert.error().message());
        if (cert->not_after > now_unix()) return ok_status();
        expired = true;
    }
    return conflict_error("this agent holds no " + std::string(expired ? "unexpired " : "") +
                          "seller certificate for deal " + deal + "; install one first (baton cert install FILE)");
}

Status check_no_plan(Home& home, const std::string& deal) {
    BATON_ASSIGN(auto existing, storage::find_plan(home.db(), deal));
    if (existing)
        return conflict_error("deal " + deal + " has a plan already (" + existing->role + ", created " +
                              format_time(existing->created_at) + ", plan hash " + to_hex(existing->plan_hash) +
                              "); a deal has exactly one plan (see baton plan show --deal " + deal + ")");
    return ok_status();
}

// The buyer's (and witness's) identity files; no party may be this agent or another party.
Result<std::pair<handover::Party, std::optional<handover::Party>>> read_parties(const CreateArgs& a, const Home& home) {
    BATON_ASSIGN(auto buyer, read_identity_file(a.buyer));
    if (buyer.key == home.identity().key) return input_error(a.buyer + ": the buyer is this agent itself");
    std::optional<handover::Party> witness;
    if (!a.witness.empty()) {
        BATON_ASSIGN(auto w, read_identity_file(a.witness));
        if (w.key == home.identity().key || w.key == buyer.key)
            return input_error(a.witness + ": the witness must be neither the seller nor the buyer");
        witness = handover::Party{w.key, w.name};
    }
    return std::make_pair(handover::Party{buyer.key, buyer.name}, witness);
}

handover::Plan make_plan(const CreateArgs& a, const Home& home, std::pair<handover::Party, std::optional<handover::Party>> parties,
                         PlanContent content) {
    handover::Plan p;
    p.deal = a.deal;
    crypto::random_bytes(p.plan_id);
    p.seller = {home.identity().key, home.identity().name};
    p.buyer = std::move(parties.first);
    p.witness = std::move(parties.second);
    p.stages = std::move(content.stages);
    p.masks = std::move(content.masks);
    p.manual_accept = a.manual_accept;
    p.created_at = now_unix();
    return p;
}

Status run_create(Context& ctx, const CreateArgs& a) {
    BATON_TRY(certs::check_deal_id(a.deal));
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    BATON_TRY(check_no_plan(home, a.deal));
    BATON_TRY(check_seller_certificate(home, a.deal));
    BATON_ASSIGN(auto parties, read_parties(a, home));
    BATON_ASSIGN(auto content, build_plan_content(home.db(), a.stages, a.masks));
    const auto counts = content.record_counts;
    BATON_ASSIGN(auto keys, home.unlock(ctx));
    LoadedPlan lp;
    lp.plan = make_plan(a, home, std::move(parties), std::move(content));
    lp.envelope = handover::sign_plan(lp.plan, keys.identity);
    lp.plan_hash = handover::statement_hash(lp.envelope);
    lp.stored = {a.deal, "seller", handover::encode_signed(lp.envelope), lp.plan_hash, std::nullopt, lp.plan.created_at};
    BATON_ASSIGN(auto tx, storage::Transaction::begin(home.db()));
    BATON_TRY(storage::save_plan(home.db(), lp.stored));
    BATON_TRY(home.audit("plan.created", "deal " + a.deal + ": " + std::to_string(lp.plan.stages.size()) +
                                             " stages, " + std::to_string(lp.plan.masks.size()) + " masks, buyer " +
                                             party_text(lp.plan.buyer) + ", plan hash " + to_hex(lp.plan_hash)));
    BATON_TRY(tx.commit());
    ctx.out.result(plan_json(lp, &counts), plan_text(lp, &counts) + "Plan created and signed; the buyer countersigns it "
                                                                     "when this agent first connects (baton push).\n");
    return ok_status();
}

Status run_show(Context& ctx, const std::string& deal) {
    BATON_TRY(certs::check_deal_id(deal));
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    BATON_ASSIGN(auto lp, load_plan(home, deal));
    ctx.out.result(plan_json(lp), plan_text(lp));
    return ok_status();
}

// ---- prepare ----------------------------------------------------------------------------------

nlohmann::json prepared_json(const std::string& deal, const StagePrepared& s) {
    return {{"event", s.prepared_now ? "stage.prepared" : "stage.already_prepared"},
            {"deal", deal},
            {"stage", {{"number", s.stage_number + 1}, {"name", s.stage}}},
            {"records", s.records},
            {"chunks", s.chunk_count},
            {"chunk_size", s.chunk_size},
            {"plaintext_bytes", s.plaintext_bytes},
            {"ciphertext_bytes", s.ciphertext_bytes},
            {"merkle_root", to_hex(s.merkle_root)},
            {"manifest_hash", to_hex(s.manifest_hash)}};
}

std::string prepared_text(const std::string& deal, const StagePrepared& s) {
    return stage_label(deal, s.stage_number, s.stage) + (s.prepared_now ? ": prepared " : ": prepared before, ") +
           std::to_string(s.records) + " records in " + std::to_string(s.chunk_count) +
           (s.chunk_count == 1 ? " chunk (" : " chunks (") + human_bytes(s.ciphertext_bytes) + "), root " +
           to_hex(s.merkle_root);
}

// Reports progress on a bar (terminal only) and one result line per finished stage.
class PrepareReporter {
public:
    PrepareReporter(Context& ctx, std::string deal) : ctx_(ctx), deal_(std::move(deal)), bars_(progress_wanted(ctx)) {}

    void operator()(const PrepareEvent& e) {
        if (e.finished) {
            if (bar_) bar_->finish();
            bar_.reset();
            ctx_.out.result(prepared_json(deal_, *e.finished), prepared_text(deal_, *e.finished));
            return;
        }
        if (!bar_) bar_.emplace("stage " + std::to_string(e.stage_number + 1) + " " + std::string(e.stage), bars_);
        bar_->update(e.records_done, e.records_total, e.bytes);
    }

private:
    Context& ctx_;
    std::string deal_;
    bool bars_;
    std::optional<ProgressBar> bar_;
};

Status run_prepare(Context& ctx, const PrepareArgs& a) {
    BATON_TRY(certs::check_deal_id(a.deal));
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    BATON_ASSIGN(auto lp, load_plan(home, a.deal));
    if (lp.stored.role != "seller")
        return conflict_error("this agent is the " + lp.stored.role + " of deal " + a.deal + "; only the seller prepares stages");
    std::optional<std::string> only;
    if (!a.stage.empty()) {
        BATON_TRY(find_plan_stage(lp.plan, a.stage));
        only = a.stage;
    }
    BATON_ASSIGN(auto keys, home.unlock(ctx));
    auto reporter = std::make_shared<PrepareReporter>(ctx, a.deal);
    BATON_ASSIGN(auto done, prepare_stages(home, keys, lp.plan, lp.envelope, only,
                                           [reporter](const PrepareEvent& e) { (*reporter)(e); }));
    size_t fresh = 0;
    for (const auto& s : done) fresh += s.prepared_now ? 1 : 0;
    ctx.out.result({{"event", "done"}, {"deal", a.deal}, {"prepared", fresh}, {"already_prepared", done.size() - fresh}},
                   std::to_string(fresh) + " stage" + (fresh == 1 ? "" : "s") + " prepared, " +
                       std::to_string(done.size() - fresh) + " prepared before.");
    return ok_status();
}

}  // namespace

void register_plan_commands(CLI::App& app, Context& ctx, Action& action) {
    auto* plan = app.add_subcommand("plan", "Create or show a deal's handover plan (the checklist both parties sign)");
    plan->require_subcommand(1);

    auto ca = std::make_shared<CreateArgs>();
    auto* create = plan->add_subcommand("create", "As the seller, create and sign the plan of a deal");
    create->add_option("--deal", ca->deal, "Deal id, e.g. D-2026-001")->required();
    create->add_option("--buyer", ca->buyer, "The buyer's public identity file (baton id --export)")->required();
    create->add_option("--witness", ca->witness, "The witness's public identity file, if the deal has one");
    create->add_option("--stage", ca->stages, "A stage, in order: NAME:SET[,SET...] (repeat for each stage)")
        ->required();
    create->add_option("--mask", ca->masks, "SET.FIELD=keep|mask|pseudonymize|drop (repeatable; default keep)");
    create->add_flag("--manual-accept", ca->manual_accept,
                     "The buyer's operator accepts each verified stage (baton accept) instead of the agent");
    create->callback([&ctx, &action, ca] { action = [&ctx, ca] { return run_create(ctx, *ca); }; });

    auto deal = std::make_shared<std::string>();
    auto* show = plan->add_subcommand("show", "Show a deal's plan: parties, stages, masks, acceptance, countersignature");
    show->add_option("--deal", *deal, "Deal id")->required();
    show->callback([&ctx, &action, deal] { action = [&ctx, deal] { return run_show(ctx, *deal); }; });

    auto pa = std::make_shared<PrepareArgs>();
    auto* prep = app.add_subcommand("prepare", "As the seller, mask, encrypt and hash the plan's stages (once each)");
    prep->add_option("--deal", pa->deal, "Deal id")->required();
    auto* stage = prep->add_option("--stage", pa->stage, "Prepare only this stage");
    auto* all = prep->add_flag("--all", pa->all, "Prepare every stage not prepared yet (the default)");
    stage->excludes(all);
    prep->callback([&ctx, &action, pa] { action = [&ctx, pa] { return run_prepare(ctx, *pa); }; });
}

}  // namespace baton::agent
