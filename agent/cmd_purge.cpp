// baton purge: after the handover, the seller deletes its copy of an accepted stage and signs a
// deletion receipt (DESIGN §3 step 5; docs/witness.md "Purge and notices").
//
// What goes: the stage's chunks, its content key (sealed under the storage key) and its record
// sets as imported (records, sealed batches, key hashes) — a set is kept when a stage of another
// deal that is not purged names it too. What stays, as evidence, holding no record: the stage's
// row (manifest, chunk hashes, counts), its receipts and its key release.
//
// Steps (storage/handover_purge.h): one transaction deletes, stores the `purged` receipt (kind
// purged, signed by the seller over the stage's manifest hash and Merkle root) and appends the
// audit row; then the database is scrubbed (secure_delete, WAL checkpoint, VACUUM, checkpoint) so
// that no deleted page survives in baton.db, -wal or -shm. A kill -9 before the commit leaves the
// stage as it was; after it, the stage is purged and running the purge again scrubs again: a
// purge of a purged stage succeeds, says so, and only scrubs.
//
// With --witness the receipt is submitted to the witness now (agent/witness_client.h witness_sync,
// with every other statement the witness lacks); a witness that is down leaves the purge done and
// the receipt for the next `baton push --witness` or `baton purge --witness` run (the result is
// printed, then the witness's error: exit 5 when unreachable). Without --witness it goes with the
// next `baton push --witness`.
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "agent/commands.h"
#include "agent/home.h"
#include "agent/plan_view.h"
#include "agent/witness_client.h"
#include "certs/codec.h"
#include "storage/handover_purge.h"

namespace baton::agent {

namespace {

struct PurgeArgs {
    std::string deal, stage, witness;
    bool yes = false;
};

// The stage to purge, checked before anything is unlocked or deleted.
struct Target {
    LoadedPlan lp;
    uint32_t number = 0;
    std::string name;
    std::string label;                       // "stage 1 (customers) of deal D"
};

// A record set of the stage that is kept, and why.
struct KeptSet {
    std::string set, reason;
};

struct SetChoice {
    std::vector<std::string> purge;
    std::vector<KeptSet> keep;
};

Result<Target> find_target(Home& home, const PurgeArgs& a) {
    BATON_TRY(certs::check_deal_id(a.deal));
    Target t;
    BATON_ASSIGN(t.lp, load_plan(home, a.deal));
    if (t.lp.stored.role != "seller")
        return conflict_error("this agent is the " + t.lp.stored.role + " of deal " + a.deal +
                              ": only the seller purges its copy of a stage");
    BATON_ASSIGN(t.number, find_plan_stage(t.lp.plan, a.stage));
    t.name = t.lp.plan.stages[t.number].name;
    t.label = stage_label(a.deal, t.number, t.name);
    return t;
}

// The stage's row when it is accepted. Fails (conflict) naming its state otherwise.
Result<storage::StageRow> accepted_row(Home& home, const Target& t) {
    BATON_ASSIGN(auto row, storage::find_stage(home.db(), t.lp.plan.deal, t.number));
    if (!row) return conflict_error(t.label + " is pending (not prepared yet): only an accepted stage can be purged");
    if (row->state != "accepted")
        return conflict_error(t.label + " is " + row->state + ": only an accepted stage can be purged");
    return std::move(*row);
}

// Why another deal still needs `set`, or "" when none does: a stage of a plan this agent is the
// seller of, not purged, naming the set.
Result<std::string> needed_elsewhere(Home& home, const std::string& deal, const std::string& set) {
    for (const auto& other : storage::list_plan_deals(home.db())) {
        if (other == deal) continue;
        BATON_ASSIGN(auto lp, load_plan(home, other));
        if (lp.stored.role != "seller") continue;
        for (uint32_t i = 0; i < lp.plan.stages.size(); ++i) {
            const auto& sets = lp.plan.stages[i].sets;
            if (std::find(sets.begin(), sets.end(), set) == sets.end()) continue;
            BATON_ASSIGN(bool purged, storage::stage_purged(home.db(), other, i));
            if (!purged) return stage_label(other, i, lp.plan.stages[i].name) + " holds it too and is not purged";
        }
    }
    return std::string();
}

Result<SetChoice> choose_sets(Home& home, const Target& t) {
    SetChoice c;
    for (const auto& set : t.lp.plan.stages[t.number].sets) {
        BATON_ASSIGN(auto why, needed_elsewhere(home, t.lp.plan.deal, set));
        if (why.empty()) c.purge.push_back(set);
        else c.keep.push_back({set, why});
    }
    return c;
}

// The purged receipt over the stage's stored manifest, signed now.
Result<handover::Receipt> purged_receipt(const Target& t, const storage::StageRow& row) {
    if (!row.manifest) return verify_error(t.label + " is stored without its manifest");
    auto env = handover::decode_signed(*row.manifest);
    if (!env) return verify_error(t.label + ": stored manifest: " + env.error().message());
    auto m = handover::open_manifest(*env);
    if (!m) return verify_error(t.label + ": stored manifest: " + m.error().message());
    if (m->stage_number != t.number || m->plan_hash != t.lp.plan_hash)
        return verify_error(t.label + ": the stored manifest is for another stage or plan");
    handover::Receipt r;
    r.deal = t.lp.plan.deal;
    r.plan_hash = t.lp.plan_hash;
    r.stage_number = t.number;
    r.stage = t.name;
    r.kind = handover::ReceiptKind::purged;
    r.manifest_hash = handover::statement_hash(*env);
    r.merkle_root = m->merkle_root;
    r.signed_at = now_unix();
    return r;
}

// The stored purged receipt of a purged stage, opened.
Result<std::pair<handover::Receipt, handover::Signed>> stored_receipt(Home& home, const Target& t) {
    BATON_ASSIGN(auto receipts, storage::load_receipts(home.db(), t.lp.plan.deal, t.number));
    for (const auto& [kind, bytes] : receipts) {
        if (kind != storage::kPurgedReceiptKind) continue;
        auto env = handover::decode_signed(bytes);
        if (!env) return verify_error(t.label + ": stored purged receipt: " + env.error().message());
        auto r = handover::open_receipt(*env);
        if (!r) return verify_error(t.label + ": stored purged receipt: " + r.error().message());
        return std::make_pair(std::move(r).value(), std::move(env).value());
    }
    return internal_error(t.label + " is purged but holds no purged receipt");
}

std::string sets_text(const std::vector<std::string>& sets) {
    std::string s;
    for (const auto& n : sets) s += (s.empty() ? "" : ", ") + n;
    return s.empty() ? "none" : s;
}

// Asks on the terminal, unless --yes, --json or no terminal (scripts): true to go on.
bool confirmed(const Context& ctx, const PurgeArgs& a, const Target& t, const SetChoice& c) {
    if (a.yes || ctx.json || ::isatty(STDIN_FILENO) != 1) return true;
    std::cerr << "This deletes this agent's copy of " << t.label << ": its chunks, its content key and the record sets "
              << sets_text(c.purge) << ". It cannot be undone.\nPurge? [y/N] " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    return answer == "y" || answer == "Y" || answer == "yes";
}

nlohmann::json receipt_json(const handover::Receipt& r, const handover::Signed& env) {
    return {{"manifest_hash", to_hex(r.manifest_hash)},
            {"merkle_root", to_hex(r.merkle_root)},
            {"receipt_hash", to_hex(handover::statement_hash(env))},
            {"signed_at", format_time(r.signed_at)}};
}

// Outcome of the witness step, for the result.
struct WitnessOutcome {
    nlohmann::json json;
    std::string note;
    std::optional<Error> error;              // the witness did not take the receipt
};

// Submits the deal's statements the witness lacks, the new receipt among them. A failure does not
// undo the purge: the receipt is stored and goes with the next push --witness or purge --witness.
WitnessOutcome witness_step(Context& ctx, const PurgeArgs& a) {
    if (a.witness.empty())
        return {nlohmann::json{{"witnessed", false}},
                "The deletion receipt will be witnessed at the next baton push --witness HOST:PORT.", std::nullopt};
    if (Status st = witness_sync(ctx, a.deal, a.witness); !st) {
        const std::string why = st.error().message();
        return {nlohmann::json{{"witnessed", false}, {"witness", a.witness}, {"error", why}},
                "Not witnessed yet: run baton purge --witness again (it only scrubs and submits) or baton push --witness.",
                st.error().context("the stage is purged, but the witness at " + a.witness +
                                   " did not take the deletion receipt")};
    }
    return {nlohmann::json{{"witnessed", true}, {"witness", a.witness}},
            "The deletion receipt was submitted to the witness at " + a.witness + " and is in its log.", std::nullopt};
}

void print_result(Context& ctx, const Target& t, const nlohmann::json& deleted, const std::vector<KeptSet>& kept,
                  const std::pair<handover::Receipt, handover::Signed>& receipt, const storage::ScrubResult& scrub,
                  const WitnessOutcome& w, bool already) {
    nlohmann::json keep = nlohmann::json::array();
    for (const auto& k : kept) keep.push_back({{"set", k.set}, {"reason", k.reason}});
    nlohmann::json j{{"deal", t.lp.plan.deal},
                     {"stage", {{"number", t.number + 1}, {"name", t.name}}},
                     {"state", "purged"},
                     {"already_purged", already},
                     {"deleted", deleted},
                     {"kept_sets", keep},
                     {"receipt", receipt_json(receipt.first, receipt.second)},
                     {"scrubbed", {{"pages", scrub.pages}, {"free_pages", scrub.free_pages}}},
                     {"witness", w.json}};
    TextBlock text;
    text.line("stage", t.label);
    if (already) {
        text.note(t.label + " was purged already (receipt signed " + format_time(receipt.first.signed_at) +
                  "); nothing more to delete. The database was scrubbed again.");
    } else {
        text.line("chunks deleted", std::to_string(deleted["chunks"].get<uint64_t>()) + " (" +
                                        std::to_string(deleted["chunk_bytes"].get<uint64_t>()) + " bytes)");
        text.line("content key", deleted["content_key"].get<bool>() ? "deleted" : "none held");
        text.line("record sets deleted", sets_text(deleted["sets"].get<std::vector<std::string>>()) + " (" +
                                             std::to_string(deleted["records"].get<uint64_t>()) + " records)");
        for (const auto& k : kept) text.line("record set kept", k.set + ": " + k.reason);
    }
    text.line("receipt", "purged, signed by this agent (the seller)");
    text.line("manifest hash", to_hex(receipt.first.manifest_hash)).line("merkle root", to_hex(receipt.first.merkle_root));
    text.line("receipt hash", to_hex(handover::statement_hash(receipt.second)));
    text.line("database", "scrubbed: secure_delete, WAL checkpoint, VACUUM (" + std::to_string(scrub.pages) + " pages)");
    text.note(w.note);
    ctx.out.result(j, text.str());
}

// Scrubs, saying what was done when it fails (the purge itself is committed).
Result<storage::ScrubResult> scrub(Home& home, const Target& t) {
    auto r = storage::scrub_database(home.db());
    if (!r)
        return Error(r.error().kind(), t.label + " is purged, but the database could not be scrubbed yet: " +
                                           r.error().message());
    return r;
}

Status purge_again(Context& ctx, Home& home, const PurgeArgs& a, const Target& t) {
    BATON_ASSIGN(auto receipt, stored_receipt(home, t));
    BATON_ASSIGN(auto scrubbed, scrub(home, t));
    const auto w = witness_step(ctx, a);
    print_result(ctx, t, nlohmann::json::object(), {}, receipt, scrubbed, w, true);
    if (w.error) return *w.error;
    return ok_status();
}

std::string audit_detail(const Target& t, const storage::PurgeCounts& c, const std::vector<KeptSet>& kept,
                         const handover::Signed& env) {
    std::string d = t.label + ": " + std::to_string(c.chunks) + " chunks (" + std::to_string(c.chunk_bytes) + " bytes)" +
                    (c.content_key ? ", the content key" : "") + " and record sets " + sets_text(c.sets) + " (" +
                    std::to_string(c.records) + " records) deleted";
    for (const auto& k : kept) d += "; kept set " + k.set + " (" + k.reason + ")";
    return d + "; purged receipt " + to_hex(handover::statement_hash(env));
}

Status run_purge(Context& ctx, const PurgeArgs& a) {
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    BATON_ASSIGN(const Target t, find_target(home, a));
    if (!a.witness.empty() && !t.lp.plan.witness)
        return usage_error("the plan of deal " + a.deal + " names no witness: run baton purge without --witness");
    BATON_ASSIGN(bool purged, storage::stage_purged(home.db(), a.deal, t.number));
    if (purged) return purge_again(ctx, home, a, t);
    BATON_TRY(accepted_row(home, t));  // refuse before asking anything
    BATON_ASSIGN(auto choice, choose_sets(home, t));
    if (!confirmed(ctx, a, t, choice)) return usage_error("purge not confirmed: nothing was deleted");
    BATON_ASSIGN(auto keys, home.unlock(ctx));

    BATON_ASSIGN(auto tx, storage::Transaction::begin(home.db()));
    BATON_ASSIGN(purged, storage::stage_purged(home.db(), a.deal, t.number));  // another purge got there first
    if (purged) {
        BATON_TRY(tx.commit());
        return purge_again(ctx, home, a, t);
    }
    BATON_ASSIGN(const auto row, accepted_row(home, t));
    BATON_ASSIGN(const auto receipt, purged_receipt(t, row));
    const auto env = handover::sign_receipt(receipt, keys.identity);
    BATON_ASSIGN(const auto counts, storage::purge_stage(home.db(), a.deal, t.number, choice.purge,
                                                         handover::encode_signed(env), receipt.signed_at));
    BATON_TRY(home.audit("stage.purged", audit_detail(t, counts, choice.keep, env)));
    BATON_TRY(tx.commit());

    BATON_ASSIGN(auto scrubbed, scrub(home, t));
    const nlohmann::json deleted{{"chunks", counts.chunks},   {"chunk_bytes", counts.chunk_bytes},
                                 {"content_key", counts.content_key}, {"sets", counts.sets},
                                 {"records", counts.records}, {"batches", counts.batches}};
    const auto w = witness_step(ctx, a);
    print_result(ctx, t, deleted, choice.keep, {receipt, env}, scrubbed, w, false);
    if (w.error) return *w.error;
    return ok_status();
}

}  // namespace

void register_purge_command(CLI::App& app, Context& ctx, Action& action) {
    auto a = std::make_shared<PurgeArgs>();
    auto* purge = app.add_subcommand(
        "purge",
        "As the seller, delete this agent's copy of an accepted stage and sign a deletion receipt.\n"
        "Deletes the stage's chunks, its content key and its record sets (a set that a stage of another deal, not purged,\n"
        "also names is kept), then scrubs the database (secure_delete, WAL checkpoint, VACUUM) so that no deleted page\n"
        "survives in any file of the home. Keeps the manifest, receipts and key release as evidence. The stage then shows\n"
        "as purged in baton status. Purging a purged stage only scrubs again; a purge cut short completes when run again.\n"
        "Asks for confirmation on a terminal unless --yes.");
    purge->add_option("--deal", a->deal, "Deal id")->required();
    purge->add_option("--stage", a->stage, "Stage name (as in baton plan show); it must be accepted")->required();
    purge->add_option("--witness", a->witness,
                      "Submit the deletion receipt to the deal's witness at HOST:PORT now (otherwise: at the next "
                      "baton push --witness)");
    purge->add_flag("--yes", a->yes, "Do not ask for confirmation");
    purge->callback([&ctx, &action, a] { action = [&ctx, a] { return run_purge(ctx, *a); }; });
}

}  // namespace baton::agent
