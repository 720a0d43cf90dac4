#include "protocol/handover/rules.h"

namespace baton::handover {

namespace {

std::string hex32(const Digest32& d) { return to_hex(d).substr(0, 16); }

Status check_signer(const Signed& s, const PublicKey& expected, std::string_view who, std::string_view what) {
    if (s.signer != expected) return auth_error(std::string(what) + " is not signed by the " + std::string(who));
    return check_signature(s);
}

}  // namespace

Result<Plan> check_proposed_plan(const Signed& plan, const PublicKey& session_peer, const PublicKey& own_key,
                                 std::string_view deal) {
    if (plan.kind != StatementKind::plan) return input_error("expected a plan statement");
    BATON_TRY(check_signer(plan, session_peer, "seller of this session", "plan"));
    BATON_ASSIGN(Plan p, open_plan(plan));
    if (p.seller.key != session_peer) return auth_error("plan: the seller named in the plan is not the session's peer");
    if (p.buyer.key != own_key) return auth_error("plan: this agent is not the buyer named in the plan");
    if (p.deal != deal) return input_error("plan: it is for deal " + p.deal + ", the session is for " + std::string(deal));
    return p;
}

Result<Countersign> check_countersign(const Signed& countersign, const Plan& plan, const Digest32& plan_hash) {
    if (countersign.kind != StatementKind::countersign) return input_error("expected a countersignature");
    BATON_TRY(check_signer(countersign, plan.buyer.key, "plan's buyer", "countersignature"));
    BATON_ASSIGN(Countersign c, open_countersign(countersign));
    if (c.deal != plan.deal || c.plan_hash != plan_hash)
        return input_error("countersignature: it is for another plan (" + hex32(c.plan_hash) + ")");
    return c;
}

Result<Manifest> check_manifest(const Signed& manifest, const Plan& plan, const Digest32& plan_hash) {
    if (manifest.kind != StatementKind::manifest) return input_error("expected a manifest");
    BATON_TRY(check_signer(manifest, plan.seller.key, "plan's seller", "manifest"));
    BATON_ASSIGN(Manifest m, open_manifest(manifest));
    if (m.deal != plan.deal || m.plan_hash != plan_hash) return input_error("manifest: it is for another plan");
    if (m.stage_number >= plan.stages.size())
        return input_error("manifest: stage number " + std::to_string(m.stage_number) + " is not in the plan");
    const PlanStage& st = plan.stages[m.stage_number];
    if (m.stage != st.name) return input_error("manifest: stage " + std::to_string(m.stage_number) + " is '" + st.name +
                                               "' in the plan, not '" + m.stage + "'");
    if (m.sets.size() != st.sets.size()) return input_error("manifest: stage " + st.name + " has the wrong sets");
    for (size_t i = 0; i < st.sets.size(); ++i)
        if (m.sets[i].name != st.sets[i])
            return input_error("manifest: stage " + st.name + " set " + std::to_string(i) + " is '" + m.sets[i].name +
                               "', the plan says '" + st.sets[i] + "'");
    return m;
}

Result<Receipt> check_receipt(const Signed& receipt, const Plan& plan, const Digest32& plan_hash,
                              const Signed& manifest) {
    if (receipt.kind != StatementKind::receipt) return input_error("expected a receipt");
    BATON_TRY(check_signer(receipt, plan.buyer.key, "plan's buyer", "receipt"));
    BATON_ASSIGN(Receipt r, open_receipt(receipt));
    BATON_ASSIGN(Manifest m, open_manifest(manifest));
    if (r.deal != plan.deal || r.plan_hash != plan_hash) return input_error("receipt: it is for another plan");
    if (r.stage_number != m.stage_number || r.manifest_hash != statement_hash(manifest) ||
        r.merkle_root != m.merkle_root)
        return input_error("receipt: it is for another manifest of stage " + r.stage);
    return r;
}

Result<KeyRelease> check_key_release(const Signed& release, const Plan& plan, const Signed& manifest,
                                     ByteView sealed_key) {
    if (release.kind != StatementKind::key_release) return input_error("expected a key release");
    BATON_TRY(check_signer(release, plan.seller.key, "plan's seller", "key release"));
    BATON_ASSIGN(KeyRelease k, open_key_release(release));
    BATON_ASSIGN(Manifest m, open_manifest(manifest));
    if (k.deal != plan.deal || k.stage_number != m.stage_number || k.manifest_hash != statement_hash(manifest))
        return input_error("key release: it is for another manifest");
    if (k.sealed_key_hash != crypto::blake2b_256(sealed_key))
        return auth_error("key release: the sealed key is not the one the statement commits to");
    return k;
}

Receipt make_receipt(ReceiptKind kind, const Manifest& m, const Signed& manifest, std::string reason_code,
                     std::string reason_detail, UnixTime now) {
    Receipt r;
    r.deal = m.deal;
    r.plan_hash = m.plan_hash;
    r.stage_number = m.stage_number;
    r.stage = m.stage;
    r.kind = kind;
    r.manifest_hash = statement_hash(manifest);
    r.merkle_root = m.merkle_root;
    r.reason_code = std::move(reason_code);
    r.reason_detail = std::move(reason_detail);
    r.signed_at = now;
    return r;
}

KeyRelease make_key_release(const Manifest& m, const Signed& manifest, ByteView sealed_key, UnixTime now) {
    KeyRelease k;
    k.deal = m.deal;
    k.stage_number = m.stage_number;
    k.stage = m.stage;
    k.manifest_hash = statement_hash(manifest);
    k.sealed_key_hash = crypto::blake2b_256(sealed_key);
    k.released_at = now;
    return k;
}

namespace {

std::optional<Verdict> compare_set(const SetSummary& want, const ComputedSet& got) {
    if (want.records != got.records)
        return Verdict{"count_mismatch", "set " + want.name + ": the manifest says " + std::to_string(want.records) +
                                             " records, the data holds " + std::to_string(got.records)};
    for (const auto& t : want.totals) {
        std::string found = "(none)";
        for (const auto& g : got.totals)
            if (g.field == t.field) found = g.sum;
        if (found != t.sum)
            return Verdict{"total_mismatch", "set " + want.name + " field " + t.field + ": the manifest's total is " +
                                                 t.sum + ", the data's is " + found};
    }
    if (got.totals.size() != want.totals.size())
        return Verdict{"total_mismatch", "set " + want.name + ": the data has totals the manifest does not list"};
    return std::nullopt;
}

}  // namespace

std::optional<Verdict> compare_with_manifest(const Manifest& m, const ComputedStage& c) {
    if (!c.failure_code.empty()) return Verdict{c.failure_code, c.failure_detail};
    if (c.sets.size() != m.sets.size())
        return Verdict{"count_mismatch", "the data holds " + std::to_string(c.sets.size()) + " sets, the manifest " +
                                             std::to_string(m.sets.size())};
    for (size_t i = 0; i < m.sets.size(); ++i)
        if (auto v = compare_set(m.sets[i], c.sets[i])) return v;
    if (c.plaintext_bytes != m.plaintext_bytes)
        return Verdict{"size_mismatch", "the data is " + std::to_string(c.plaintext_bytes) + " bytes, the manifest says " +
                                            std::to_string(m.plaintext_bytes)};
    if (c.plaintext_digest != m.plaintext_digest)
        return Verdict{"digest_mismatch", "the records' digest " + hex32(c.plaintext_digest) +
                                              " differs from the manifest's " + hex32(m.plaintext_digest)};
    return std::nullopt;
}

}  // namespace baton::handover
