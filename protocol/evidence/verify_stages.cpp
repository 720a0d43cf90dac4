// Manifests, receipts and key releases, and the order in which a stage may move:
//   delivered -> verified -> accepted [-> purged]  or  [delivered [-> verified]] -> rejected,
// a key release between delivered and verified, and no stage moving before the previous one was
// accepted (docs/handover.md "Session flow").
#include "protocol/evidence/verify_internal.h"
#include "protocol/handover/rules.h"

namespace baton::evidence::detail {

namespace {

std::string stage_text(const handover::Plan& p, uint32_t n) {
    return "stage " + std::to_string(n + 1) + (n < p.stages.size() ? " " + p.stages[n].name : "");
}

void init_stage_views(State& s) {
    const auto& p = *s.plan();
    s.out.stages.clear();
    for (uint32_t i = 0; i < p.stages.size(); ++i)
        s.out.stages.push_back({i, p.stages[i].name, p.stages[i].sets, std::nullopt, {}, {}, std::nullopt, "pending"});
}

// A receipt checked against its stage's manifest and signer; nullopt (after c.fail) otherwise.
std::optional<handover::Receipt> check_one_receipt(State& s, Check& c, size_t i) {
    const auto& p = *s.plan();
    const std::string what = item("receipt", i);
    auto env = handover::decode_signed(s.file.receipts[i]);
    if (!env) return c.fail(what + ": " + env.error().message()), std::nullopt;
    if (env->kind != handover::StatementKind::receipt)
        return c.fail(what + ": is a " + std::string(handover::statement_context(env->kind))), std::nullopt;
    auto r = handover::open_receipt(*env);
    if (!r) return c.fail(what + ": " + r.error().message()), std::nullopt;
    const std::string label = what + " (" + stage_text(p, r->stage_number) + ", " + std::string(receipt_kind_name(r->kind)) + ")";
    const bool purged = r->kind == handover::ReceiptKind::purged;
    const auto& want = purged ? p.seller.key : p.buyer.key;
    if (env->signer != want)
        return c.fail(label + ": signed by " + signer_role(p, env->signer) + ", not the plan's " +
                      (purged ? "seller" : "buyer")), std::nullopt;
    if (r->deal != p.deal || r->plan_hash != s.out.plan_hash) return c.fail(label + ": for another plan"), std::nullopt;
    if (r->stage_number >= s.manifest_envs.size() || !s.manifest_envs[r->stage_number])
        return c.fail(label + ": no valid manifest of that stage in the file"), std::nullopt;
    const auto& m = *s.out.stages[r->stage_number].manifest;
    if (r->stage != m.stage || r->manifest_hash != s.out.stages[r->stage_number].manifest_hash || r->merkle_root != m.merkle_root)
        return c.fail(label + ": for another manifest than the file's"), std::nullopt;
    return std::move(r).value();
}

}  // namespace

void check_manifests(State& s) {
    if (!s.plan()) return s.skip("manifests", "the plan did not open");
    init_stage_views(s);
    Check c("manifests");
    int64_t last = -1;
    for (size_t i = 0; i < s.file.manifests.size(); ++i) {
        const std::string what = item("manifest", i);
        auto env = handover::decode_signed(s.file.manifests[i]);
        if (!env) { c.fail(what + ": " + env.error().message()); continue; }
        auto m = handover::check_manifest(*env, *s.plan(), s.out.plan_hash);  // signer: the plan's seller
        if (!m) { c.fail(what + ": " + m.error().message()); continue; }
        if (static_cast<int64_t>(m->stage_number) <= last) {
            c.fail(what + ": " + stage_text(*s.plan(), m->stage_number) + " out of order or twice");
            continue;
        }
        last = m->stage_number;
        auto& st = s.out.stages[m->stage_number];
        st.manifest_hash = handover::statement_hash(*env);
        st.manifest = std::move(m).value();
        st.state = "offered";
        s.manifest_envs[st.number] = std::move(env).value();
    }
    c.set_ok_message(std::to_string(s.file.manifests.size()) + " manifest(s), each signed by the seller for a planned stage "
                     "with the plan's sets, in stage order");
    s.add(c);
}

void check_receipts(State& s) {
    if (!s.plan()) return s.skip("receipts", "the plan did not open");
    Check c("receipts");
    std::pair<uint32_t, int> last{0, -1};
    s.receipt_views.assign(s.file.receipts.size(), std::nullopt);
    for (size_t i = 0; i < s.file.receipts.size(); ++i) {
        auto r = check_one_receipt(s, c, i);
        if (!r) continue;
        const std::pair<uint32_t, int> key{r->stage_number, receipt_rank(r->kind)};
        if (key <= last) {
            c.fail(item("receipt", i) + ": out of order or a second " + std::string(receipt_kind_name(r->kind)) +
                   " receipt for " + stage_text(*s.plan(), r->stage_number));
            continue;
        }
        last = key;
        auto& st = s.out.stages[r->stage_number];
        std::string reason = r->reason_code.empty() ? "" : r->reason_code + ": " + r->reason_detail;
        const auto hash = handover::statement_hash(handover::decode_signed(s.file.receipts[i]).value());  // decoded above
        st.receipts.push_back({r->kind, r->signed_at, reason, hash});
        st.state = std::string(receipt_kind_name(r->kind));
        s.receipt_views[i] = std::move(r);
    }
    c.set_ok_message(std::to_string(s.file.receipts.size()) + " receipt(s), each for the file's manifest of its stage, "
                     "signed by the buyer (purged: by the seller), in stage and sequence order");
    s.add(c);
}

void check_key_releases(State& s) {
    if (!s.plan()) return s.skip("key_releases", "the plan did not open");
    Check c("key_releases");
    const auto& p = *s.plan();
    int64_t last = -1;
    for (size_t i = 0; i < s.file.key_releases.size(); ++i) {
        const std::string what = item("key release", i);
        auto env = handover::decode_signed(s.file.key_releases[i]);
        if (!env) { c.fail(what + ": " + env.error().message()); continue; }
        if (env->kind != handover::StatementKind::key_release) { c.fail(what + ": not a key release"); continue; }
        if (env->signer != p.seller.key) {
            c.fail(what + ": signed by " + signer_role(p, env->signer) + ", not the plan's seller");
            continue;
        }
        auto k = handover::open_key_release(*env);
        if (!k) { c.fail(what + ": " + k.error().message()); continue; }
        if (k->deal != p.deal) { c.fail(what + ": for deal " + k->deal); continue; }
        if (k->stage_number >= s.manifest_envs.size() || !s.manifest_envs[k->stage_number]) {
            c.fail(what + ": no valid manifest of " + stage_text(p, k->stage_number) + " in the file");
            continue;
        }
        auto& st = s.out.stages[k->stage_number];
        if (k->manifest_hash != st.manifest_hash || k->stage != st.name) { c.fail(what + ": for another manifest"); continue; }
        if (static_cast<int64_t>(k->stage_number) <= last) { c.fail(what + ": out of order or twice"); continue; }
        last = k->stage_number;
        st.key_released_at = k->released_at;
    }
    c.set_ok_message(std::to_string(s.file.key_releases.size()) + " key release(s), each signed by the seller for the "
                     "file's manifest of its stage");
    s.add(c);
}

namespace {

// How far the seller's and the buyer's clocks may disagree before their times contradict.
constexpr UnixTime kClockSkew = 600;

const ReceiptView* find(const StageView& st, handover::ReceiptKind k) {
    for (const auto& r : st.receipts)
        if (r.kind == k) return &r;
    return nullptr;
}

void check_one_stage(const StageView& st, const StageView* previous, Check& c) {
    using K = handover::ReceiptKind;
    const std::string label = "stage " + std::to_string(st.number + 1) + " " + st.name;
    const auto* d = find(st, K::delivered);
    const auto* v = find(st, K::verified);
    const auto* rj = find(st, K::rejected);
    const auto* a = find(st, K::accepted);
    const auto* pg = find(st, K::purged);
    if (v && !d) c.fail(label + ": verified without a delivered receipt");
    if (v && !st.key_released_at) c.fail(label + ": verified without a key release");
    if (st.key_released_at && !d) c.fail(label + ": key released before a delivered receipt");
    if (a && !v) c.fail(label + ": accepted without a verified receipt");
    if (a && rj) c.fail(label + ": both accepted and rejected");
    if (pg && !a) c.fail(label + ": purged without an accepted receipt");
    // Times never go back along the sequence. One signer's times are compared exactly; the
    // seller's with the buyer's allow kClockSkew, since they come from two machines' clocks.
    UnixTime t = 0;
    for (const auto& r : st.receipts) {
        if (r.kind == K::purged) continue;
        if (r.signed_at < t)
            c.fail(label + ": the " + std::string(receipt_kind_name(r.kind)) + " receipt is dated before the one it follows");
        t = std::max(t, r.signed_at);
    }
    // The seller's time t1 is later / earlier than the buyer's receipt r2 by more than the skew.
    auto later_than = [](std::optional<UnixTime> t1, const ReceiptView* r2) {
        return t1 && r2 && *t1 > r2->signed_at + kClockSkew;
    };
    auto earlier_than = [](std::optional<UnixTime> t1, const ReceiptView* r2) {
        return t1 && r2 && *t1 + kClockSkew < r2->signed_at;
    };
    if (st.manifest && later_than(st.manifest->prepared_at, d)) c.fail(label + ": delivered before the manifest was made");
    if (earlier_than(st.key_released_at, d)) c.fail(label + ": key released before delivery");
    if (later_than(st.key_released_at, v)) c.fail(label + ": verified before the key release");
    if (pg && a && pg->signed_at + kClockSkew < a->signed_at) c.fail(label + ": purged before it was accepted");
    const bool moved = !st.receipts.empty() || st.key_released_at;
    if (moved && previous && !find(*previous, K::accepted))
        c.fail(label + ": moved before stage " + std::to_string(previous->number + 1) + " " + previous->name + " was accepted");
}

}  // namespace

void check_stage_sequence(State& s) {
    if (!s.plan()) return s.skip("stage_sequence", "the plan did not open");
    Check c("stage_sequence", "every stage moved delivered -> key release -> verified -> accepted (-> purged) or to a "
                              "rejection, and only after the previous stage was accepted");
    for (size_t i = 0; i < s.out.stages.size(); ++i)
        check_one_stage(s.out.stages[i], i ? &s.out.stages[i - 1] : nullptr, c);
    s.add(c);
}

}  // namespace baton::evidence::detail
