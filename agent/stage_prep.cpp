#include "agent/stage_prep.h"

#include "agent/plan_view.h"
#include "storage/handover_store.h"

namespace baton::agent {

namespace {

constexpr std::string_view kPseudonymKeyContext = "baton-pseudonym-key-v1";

// The stage's sets with the plan's masking rules for each.
std::vector<storage::PrepareSet> prepare_sets(const handover::Plan& plan, const handover::PlanStage& stage) {
    std::vector<storage::PrepareSet> sets;
    for (const auto& name : stage.sets) {
        storage::PrepareSet s{name, {}};
        for (const auto& m : plan.masks)
            if (m.set == name) s.rules.push_back({m.field, m.rule});
        sets.push_back(std::move(s));
    }
    return sets;
}

handover::SetSummary set_summary(const storage::PreparedSet& p) {
    handover::SetSummary s{p.name, p.schema_json, p.columns, p.records, {}, {}};
    for (const auto& t : p.totals) s.totals.push_back({t.field, t.sum});
    for (const auto& m : p.masks) s.masks.push_back({m.name, m.rule});
    return s;
}

handover::Manifest manifest_of(const handover::Plan& plan, const crypto::Digest32& plan_hash, uint32_t number,
                               const storage::PreparedStage& p, UnixTime now) {
    handover::Manifest m;
    m.deal = plan.deal;
    m.plan_hash = plan_hash;
    m.stage_number = number;
    m.stage = plan.stages[number].name;
    m.chunk_size = p.chunk_size;
    m.chunk_count = p.chunk_count;
    m.ciphertext_bytes = p.ciphertext_bytes;
    m.plaintext_bytes = p.plaintext_bytes;
    m.merkle_root = p.merkle_root;
    m.plaintext_digest = p.plaintext_digest;
    for (const auto& s : p.sets) m.sets.push_back(set_summary(s));
    m.prepared_at = now;
    return m;
}

StagePrepared summary_of(const handover::Manifest& m, const crypto::Digest32& manifest_hash, bool now) {
    StagePrepared s;
    s.stage_number = m.stage_number;
    s.stage = m.stage;
    s.prepared_now = now;
    for (const auto& set : m.sets) s.records += set.records;
    s.chunk_size = m.chunk_size;
    s.chunk_count = m.chunk_count;
    s.ciphertext_bytes = m.ciphertext_bytes;
    s.plaintext_bytes = m.plaintext_bytes;
    s.merkle_root = m.merkle_root;
    s.manifest_hash = manifest_hash;
    return s;
}

std::string stage_label(const handover::Plan& plan, uint32_t number) {
    return agent::stage_label(plan.deal, number, plan.stages[number].name);
}

// The summary of a stage prepared earlier, from its stored manifest.
Result<StagePrepared> stored_summary(const handover::Plan& plan, const storage::StageRow& row) {
    if (!row.manifest) return conflict_error(stage_label(plan, row.stage_number) + " is stored without its manifest");
    auto env = handover::decode_signed(*row.manifest);
    if (!env) return verify_error(stage_label(plan, row.stage_number) + ": stored manifest: " + env.error().message());
    auto m = handover::open_manifest(*env);
    if (!m) return verify_error(stage_label(plan, row.stage_number) + ": stored manifest: " + m.error().message());
    return summary_of(*m, handover::statement_hash(*env), false);
}

std::string audit_detail(const handover::Plan& plan, const StagePrepared& s) {
    return "deal " + plan.deal + " stage " + std::to_string(s.stage_number + 1) + " (" + s.stage +
           "): " + std::to_string(s.records) + " records, " + std::to_string(s.chunk_count) + " chunks, root " +
           to_hex(s.merkle_root);
}

struct PrepareJob {
    Home& home;
    const certs::AgentKeys& keys;
    const handover::Plan& plan;
    crypto::Digest32 plan_hash;
    const Secret<32>& pseudonym_key;
    const ProgressFn& progress;
    uint32_t chunk_size;
};

// Prepares stage `number` in one transaction: chunks, manifest, audit row — unless it has a
// stage row already (looked up inside the transaction, so a concurrent preparation is found).
Result<StagePrepared> prepare_one(const PrepareJob& job, uint32_t number) {
    const auto& stage = job.plan.stages[number];
    storage::PrepareRequest req;
    req.deal = job.plan.deal;
    req.stage_number = number;
    req.stage = stage.name;
    req.sets = prepare_sets(job.plan, stage);
    req.chunk_size = job.chunk_size;
    req.pseudonym_key = &job.pseudonym_key;
    auto report = [&](uint64_t done, uint64_t total, uint64_t bytes) {
        if (job.progress) job.progress({number, stage.name, done, total, bytes, nullptr});
    };
    const UnixTime now = now_unix();
    BATON_ASSIGN(auto tx, storage::Transaction::begin(job.home.db()));
    BATON_ASSIGN(const auto row, storage::find_stage(job.home.db(), job.plan.deal, number));
    if (row) return stored_summary(job.plan, *row);
    auto prepared = storage::prepare_stage(job.home.db(), job.keys.storage_key, req, report, now);
    if (!prepared) return prepared.error().context(stage_label(job.plan, number));
    const auto manifest = manifest_of(job.plan, job.plan_hash, number, *prepared, now);
    const auto env = handover::sign_manifest(manifest, job.keys.identity);
    BATON_TRY(storage::save_manifest(job.home.db(), job.plan.deal, number, handover::encode_signed(env)));
    StagePrepared s = summary_of(manifest, handover::statement_hash(env), true);
    BATON_TRY(job.home.audit("stage.prepared", audit_detail(job.plan, s)));
    BATON_TRY(tx.commit());
    return s;
}

Result<std::optional<uint32_t>> only_index(const handover::Plan& plan, const std::optional<std::string>& only) {
    if (!only) return std::optional<uint32_t>();
    for (uint32_t i = 0; i < plan.stages.size(); ++i)
        if (plan.stages[i].name == *only) return std::optional<uint32_t>(i);
    std::string names;
    for (const auto& s : plan.stages) names += (names.empty() ? "" : ", ") + s.name;
    return conflict_error("the plan of deal " + plan.deal + " has no stage '" + *only + "' (stages: " + names + ")");
}

}  // namespace

Secret<32> derive_pseudonym_key(const crypto::Key32& storage_key, std::string_view deal) {
    Bytes input = to_bytes(kPseudonymKeyContext);
    input.push_back(0x00);
    append(input, as_bytes(deal));
    Bytes out = crypto::blake2b(input, 32, storage_key.view());
    Secret<32> key(std::span<const uint8_t, 32>(out.data(), 32));
    wipe_bytes(out);
    return key;
}

Result<std::vector<StagePrepared>> prepare_stages(Home& home, const certs::AgentKeys& keys, const handover::Plan& plan,
                                                  const handover::Signed& plan_env,
                                                  std::optional<std::string> only_stage, const ProgressFn& progress,
                                                  uint32_t chunk_size) {
    if (plan.seller.key != keys.identity.public_key)
        return conflict_error("this agent is not the seller of deal " + plan.deal + ": only the seller prepares stages");
    BATON_ASSIGN(const auto only, only_index(plan, only_stage));
    const Secret<32> pseudonym_key = derive_pseudonym_key(keys.storage_key, plan.deal);
    const PrepareJob job{home, keys, plan, handover::statement_hash(plan_env), pseudonym_key, progress, chunk_size};
    std::vector<StagePrepared> done;
    for (uint32_t i = 0; i < plan.stages.size(); ++i) {
        if (only && *only != i) continue;
        BATON_ASSIGN(auto s, prepare_one(job, i));
        if (progress) progress({i, s.stage, s.records, s.records, s.ciphertext_bytes, &s});
        done.push_back(std::move(s));
    }
    return done;
}

}  // namespace baton::agent
