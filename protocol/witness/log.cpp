// The witness log's rules (log.h).
#include "protocol/witness/log.h"

#include <algorithm>

namespace baton::witness {

using namespace baton::handover;

struct WitnessLog::Checked {
    StatementKind kind = StatementKind::plan;
    std::optional<Plan> plan;
    uint32_t stage = 0;
    Digest32 manifest_hash{}, merkle_root{};
    ReceiptKind receipt = ReceiptKind::delivered;
};

namespace {

const merkle::Hasher& hasher() { return merkle::blake2b_256_hasher(); }

Judgement refuse(const char* code, std::string detail) {
    return Judgement{Verdict::refuse, 0, false, code, std::move(detail)};
}

Judgement invalid(const char* code, std::string detail) {
    return Judgement{Verdict::invalid, 0, false, code, std::move(detail)};
}

Judgement accept() { return Judgement{Verdict::append, 0, false, {}, {}}; }

Digest32 to_digest(const Bytes& b) {
    Digest32 d{};
    std::copy_n(b.begin(), std::min(b.size(), d.size()), d.begin());
    return d;
}

std::string short_hex(const Digest32& d) { return to_hex(d).substr(0, 16); }

}  // namespace

WitnessLog::WitnessLog(std::string deal, const PublicKey& witness) : deal_(std::move(deal)), witness_(witness) {}

std::optional<uint64_t> WitnessLog::index_of(ByteView envelope) const {
    auto it = leaves_.find(crypto::blake2b_256(envelope));
    if (it == leaves_.end()) return std::nullopt;
    return it->second;
}

Judgement WitnessLog::judge(ByteView envelope) const {
    Checked unused;
    return decide(envelope, unused);
}

Judgement WitnessLog::decide(ByteView envelope, Checked& out) const {
    if (size() >= kMaxLogLeaves)
        return invalid(reason::log_full, "the log of deal " + deal_ + " holds " + std::to_string(kMaxLogLeaves) + " leaves");
    const Digest32 env_hash = crypto::blake2b_256(envelope);
    if (auto it = leaves_.find(env_hash); it != leaves_.end()) return Judgement{Verdict::duplicate, it->second, false, {}, {}};
    if (auto it = refused_.find(env_hash); it != refused_.end())
        return Judgement{Verdict::duplicate, it->second, true, {}, {}};
    auto s = decode_signed(envelope);
    const bool canonical = s && encode_signed(*s) == Bytes(envelope.begin(), envelope.end());
    if (!plan_) {
        if (!s) return invalid(reason::plan_first, "the first statement must be the plan: " + s.error().message());
        if (!canonical) return invalid(reason::plan_first, "the plan's envelope is not in canonical form");
        out.kind = StatementKind::plan;
        return judge_plan(*s, out);
    }
    if (!s) return refuse(reason::malformed_statement, s.error().message());
    if (!canonical) return refuse(reason::malformed_statement, "the envelope is not in canonical form");
    if (s->kind == StatementKind::checkpoint || s->kind == StatementKind::refusal)
        return refuse(reason::not_submittable, "only the witness signs a " + std::string(statement_context(s->kind)));
    if (!check_signature(*s)) return refuse(reason::bad_signature, std::string(statement_context(s->kind)) + ": signature does not verify");
    out.kind = s->kind;
    return judge_logged(*s, env_hash, out);
}

Judgement WitnessLog::judge_plan(const Signed& s, Checked& out) const {
    if (s.kind != StatementKind::plan)
        return invalid(reason::plan_first, "the first statement must be the plan, not a " + std::string(statement_context(s.kind)));
    auto plan = open_plan(s);
    if (!plan) return invalid(reason::plan_first, "the plan does not open: " + plan.error().message());
    if (plan->deal != deal_) return invalid(reason::plan_first, "the plan is for deal " + plan->deal + ", not " + deal_);
    if (!plan->witness || plan->witness->key != witness_)
        return invalid(reason::not_the_witness, "the plan of deal " + deal_ + " does not name this agent as its witness");
    out.plan = std::move(plan).value();
    return accept();
}

Judgement WitnessLog::judge_logged(const Signed& s, const Digest32& env_hash, Checked& out) const {
    switch (s.kind) {
        case StatementKind::plan:
            return refuse(reason::second_plan, "the log holds plan " + short_hex(plan_hash_) + " already");
        case StatementKind::countersign: return judge_countersign(s, env_hash);
        case StatementKind::manifest: return judge_manifest(s, out);
        case StatementKind::receipt: return judge_receipt(s, env_hash, out);
        case StatementKind::key_release: return judge_key_release(s, env_hash, out);
        case StatementKind::checkpoint:
        case StatementKind::refusal: break;
    }
    return refuse(reason::not_submittable, "statement kind not submittable");
}

Judgement WitnessLog::judge_countersign(const Signed& s, const Digest32&) const {
    if (s.signer != plan_->buyer.key) return refuse(reason::wrong_signer, "a countersignature must be the plan's buyer's");
    auto c = open_countersign(s);
    if (!c) return refuse(reason::malformed_statement, c.error().message());
    if (c->deal != deal_) return refuse(reason::wrong_plan, "countersignature for deal " + c->deal);
    if (c->plan_hash != plan_hash_)
        return refuse(reason::countersign_mismatch, "countersignature of plan " + short_hex(c->plan_hash) +
                                                        ", the logged plan is " + short_hex(plan_hash_));
    if (countersign_) return refuse(reason::conflicting_countersign, "the log holds another countersignature");
    return accept();
}

Judgement WitnessLog::judge_manifest(const Signed& s, Checked& out) const {
    if (s.signer != plan_->seller.key) return refuse(reason::wrong_signer, "a manifest must be the plan's seller's");
    auto m = open_manifest(s);
    if (!m) return refuse(reason::malformed_statement, m.error().message());
    if (m->deal != deal_ || m->plan_hash != plan_hash_) return refuse(reason::wrong_plan, "manifest of another plan");
    if (!countersign_) return refuse(reason::plan_not_agreed, "a manifest before the buyer's countersignature");
    if (m->stage_number >= plan_->stages.size() || plan_->stages[m->stage_number].name != m->stage)
        return refuse(reason::unknown_stage, "stage " + std::to_string(m->stage_number) + " '" + m->stage + "' is not in the plan");
    const auto& sets = plan_->stages[m->stage_number].sets;
    bool same_sets = sets.size() == m->sets.size();
    for (size_t i = 0; same_sets && i < sets.size(); ++i) same_sets = sets[i] == m->sets[i].name;
    if (!same_sets) return refuse(reason::unknown_stage, "manifest of stage " + m->stage + " has other sets than the plan");
    const auto& facts = stages_[m->stage_number];
    if (facts.manifest_hash)
        return refuse(reason::conflicting_manifest, "stage " + m->stage + " has a logged manifest (" +
                                                        short_hex(*facts.manifest_hash) + ") already");
    out.stage = m->stage_number;
    out.manifest_hash = statement_hash(s);
    out.merkle_root = m->merkle_root;
    return accept();
}

Judgement WitnessLog::judge_receipt(const Signed& s, const Digest32&, Checked& out) const {
    auto r = open_receipt(s);
    if (!r) return refuse(reason::malformed_statement, r.error().message());
    const bool purged = r->kind == ReceiptKind::purged;
    if (s.signer != (purged ? plan_->seller.key : plan_->buyer.key))
        return refuse(reason::wrong_signer, std::string("a ") + std::string(receipt_kind_name(r->kind)) +
                                                " receipt must be the plan's " + (purged ? "seller's" : "buyer's"));
    if (r->deal != deal_ || r->plan_hash != plan_hash_) return refuse(reason::wrong_plan, "receipt of another plan");
    if (r->stage_number >= plan_->stages.size() || plan_->stages[r->stage_number].name != r->stage)
        return refuse(reason::unknown_stage, "stage " + std::to_string(r->stage_number) + " '" + r->stage + "' is not in the plan");
    const auto& facts = stages_[r->stage_number];
    const std::string what = std::string(receipt_kind_name(r->kind)) + " receipt of stage " + r->stage;
    if (!facts.manifest_hash) return refuse(reason::stage_not_offered, what + ": the log holds no manifest for the stage");
    if (r->manifest_hash != *facts.manifest_hash || r->merkle_root != facts.merkle_root)
        return refuse(reason::manifest_mismatch, what + " names manifest " + short_hex(r->manifest_hash) +
                                                     ", the logged one is " + short_hex(*facts.manifest_hash));
    if (facts.receipts.contains(r->kind)) return refuse(reason::conflicting_receipt, what + ": another one is logged");
    const bool accepted = facts.receipts.contains(ReceiptKind::accepted);
    if ((r->kind == ReceiptKind::accepted && facts.receipts.contains(ReceiptKind::rejected)) ||
        (r->kind == ReceiptKind::rejected && accepted))
        return refuse(reason::conflicting_receipt,
                      what + ": the stage was " + (accepted ? "accepted" : "rejected") + " already");
    if (purged && !accepted) return refuse(reason::not_accepted, what + ": the stage is not accepted in the log");
    out.stage = r->stage_number;
    out.receipt = r->kind;
    return accept();
}

Judgement WitnessLog::judge_key_release(const Signed& s, const Digest32&, Checked& out) const {
    if (s.signer != plan_->seller.key) return refuse(reason::wrong_signer, "a key release must be the plan's seller's");
    auto k = open_key_release(s);
    if (!k) return refuse(reason::malformed_statement, k.error().message());
    if (k->deal != deal_) return refuse(reason::wrong_plan, "key release for deal " + k->deal);
    if (k->stage_number >= plan_->stages.size() || plan_->stages[k->stage_number].name != k->stage)
        return refuse(reason::unknown_stage, "stage " + std::to_string(k->stage_number) + " '" + k->stage + "' is not in the plan");
    const auto& facts = stages_[k->stage_number];
    const std::string what = "key release of stage " + k->stage;
    if (!facts.manifest_hash) return refuse(reason::stage_not_offered, what + ": the log holds no manifest for the stage");
    if (k->manifest_hash != *facts.manifest_hash) return refuse(reason::manifest_mismatch, what + " names another manifest");
    if (facts.key_release) return refuse(reason::conflicting_key_release, what + ": another one is logged");
    if (!facts.receipts.contains(ReceiptKind::delivered))
        return refuse(reason::not_delivered, what + ": the log holds no delivered receipt for the stage");
    out.stage = k->stage_number;
    return accept();
}

uint64_t WitnessLog::push_leaf(ByteView envelope, const Digest32& env_hash) {
    leaf_hashes_.push_back(merkle::leaf_hash(hasher(), envelope));
    const uint64_t index = leaf_hashes_.size() - 1;
    leaves_.emplace(env_hash, index);
    return index;
}

Result<uint64_t> WitnessLog::append(ByteView envelope) {
    Checked c;
    const Judgement j = decide(envelope, c);
    if (j.verdict != Verdict::append) {
        if (j.verdict == Verdict::duplicate) return conflict_error("the statement is logged already");
        return conflict_error(j.reason_code + ": " + j.reason_detail);
    }
    const Digest32 env_hash = crypto::blake2b_256(envelope);
    switch (c.kind) {
        case StatementKind::plan:
            plan_hash_ = crypto::blake2b_256(decode_signed(envelope).value().body);
            plan_ = std::move(c.plan);
            stages_.assign(plan_->stages.size(), StageFacts{});
            break;
        case StatementKind::countersign: countersign_ = env_hash; break;
        case StatementKind::manifest:
            stages_[c.stage].manifest_hash = c.manifest_hash;
            stages_[c.stage].merkle_root = c.merkle_root;
            break;
        case StatementKind::receipt: stages_[c.stage].receipts[c.receipt] = env_hash; break;
        case StatementKind::key_release: stages_[c.stage].key_release = env_hash; break;
        case StatementKind::checkpoint:
        case StatementKind::refusal: return internal_error("witness log: a witness statement judged appendable");
    }
    return push_leaf(envelope, env_hash);
}

Result<uint64_t> WitnessLog::add_refusal(ByteView refusal_envelope) {
    if (!plan_) return input_error("witness log: a refusal before the plan");
    if (size() >= kMaxLogLeaves) return conflict_error("witness log: the log is full");
    BATON_ASSIGN(Signed s, decode_signed(refusal_envelope));
    if (encode_signed(s) != Bytes(refusal_envelope.begin(), refusal_envelope.end()))
        return input_error("witness log: the refusal's envelope is not in canonical form");
    BATON_ASSIGN(Refusal r, open_refusal(s, witness_));
    if (r.deal != deal_) return input_error("witness log: a refusal for deal " + r.deal);
    if (refused_.contains(r.statement_hash) || leaves_.contains(r.statement_hash))
        return conflict_error("witness log: statement " + short_hex(r.statement_hash) + " is refused or logged already");
    const uint64_t index = push_leaf(refusal_envelope, crypto::blake2b_256(refusal_envelope));
    refused_.emplace(r.statement_hash, index);
    return index;
}

Status WitnessLog::replay(ByteView leaf) {
    const uint64_t index = size();
    auto s = decode_signed(leaf);
    Result<uint64_t> added = (s && s->kind == StatementKind::refusal) ? add_refusal(leaf) : append(leaf);
    if (!added) return added.error().context("witness log leaf " + std::to_string(index));
    return ok_status();
}

Checkpoint WitnessLog::checkpoint(UnixTime now) const {
    Checkpoint c;
    c.deal = deal_;
    c.plan_hash = plan_hash_;
    c.tree_size = size();
    c.root = to_digest(merkle::root(hasher(), leaf_hashes_).value());
    c.signed_at = now;
    return c;
}

Result<merkle::Proof> WitnessLog::inclusion_proof(uint64_t index) const {
    return merkle::inclusion_proof(hasher(), leaf_hashes_, index);
}

Result<merkle::Proof> WitnessLog::consistency_proof(uint64_t size1) const {
    if (size1 == 0 || size1 == size()) return merkle::Proof{};
    return merkle::consistency_proof(hasher(), leaf_hashes_, size1);
}

}  // namespace baton::witness
