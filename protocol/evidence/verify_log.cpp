// The witness log (docs/witness.md): leaf 0 is the plan; the leaves are exactly the file's
// statements (plus the witness's refusals); every checkpoint is signed by the plan's witness and
// its root is the RFC 9162 BLAKE2b-256 root of the first tree_size leaves; checkpoints grow
// consistently; the last covers every leaf; every acceptance is covered; every refusal comes
// with the statement it refused.
#include <map>
#include <set>

#include "core/merkle.h"
#include "protocol/evidence/verify_internal.h"

namespace baton::evidence::detail {

namespace {

const merkle::Hasher& H() { return merkle::blake2b_256_hasher(); }

struct Log {
    std::vector<Bytes> leaf_hashes;
    std::map<uint64_t, handover::Refusal> refusals;  // by leaf index
    struct Point {
        uint64_t size;
        Bytes root;
    };
    std::vector<Point> checkpoints;                  // those that opened and matched
};

void check_no_log(State& s) {
    Check c("log", "the plan names no witness and the file holds no witness log");
    if (!s.file.log_leaves.empty() || !s.file.checkpoints.empty() || !s.file.refused.empty())
        c.fail("the plan names no witness, but the file holds log leaves, checkpoints or refused statements");
    s.add(c);
}

// Leaf 0 is the plan; refusal leaves open under the witness's key; no checkpoint is a leaf.
void check_leaves(State& s, Log& log) {
    Check c("log_leaves");
    const auto& p = *s.plan();
    const auto& leaves = s.file.log_leaves;
    if (leaves.empty())
        c.fail(s.file.checkpoints.empty() ? "the plan names a witness but the file holds no log leaves"
                                          : "the file holds checkpoints but no log leaves (a buyer keeps only the checkpoints: "
                                            "write the evidence from the seller's home, which mirrors the log)");
    else if (leaves[0] != s.file.plan) c.fail("log leaf 1 is not the plan");
    for (size_t i = 0; i < leaves.size(); ++i) {
        log.leaf_hashes.push_back(merkle::leaf_hash(H(), leaves[i]));
        auto env = handover::decode_signed(leaves[i]);
        if (!env) { c.fail(item("log leaf", i) + ": " + env.error().message()); continue; }
        if (env->kind == handover::StatementKind::checkpoint) c.fail(item("log leaf", i) + ": a checkpoint is never a leaf");
        if (env->kind != handover::StatementKind::refusal) continue;
        auto r = handover::open_refusal(*env, p.witness->key);
        if (!r) { c.fail(item("log leaf", i) + ": refusal: " + r.error().message()); continue; }
        if (r->deal != p.deal) { c.fail(item("log leaf", i) + ": refusal for deal " + r->deal); continue; }
        log.refusals[i] = std::move(r).value();
    }
    c.set_ok_message(std::to_string(leaves.size()) + " leaves, the plan first");
    s.add(c);
}

// Every statement of the file is a leaf, and every leaf (other than a refusal) is in the file.
void check_membership(State& s, const Log& log) {
    Check c("log_membership");
    const auto& f = s.file;
    std::set<Bytes> leaves(f.log_leaves.begin(), f.log_leaves.end());
    std::set<Bytes> refused;
    for (const auto& r : f.refused) refused.insert(r.envelope);
    std::set<Bytes> statements;
    auto need = [&](const std::string& what, const Bytes& b) {
        statements.insert(b);
        if (!leaves.count(b) && !refused.count(b)) c.fail(what + " is not in the witness log");
    };
    need("the plan", f.plan);
    if (f.countersign) need("the countersignature", *f.countersign);
    for (size_t i = 0; i < f.manifests.size(); ++i) need(item("manifest", i), f.manifests[i]);
    for (size_t i = 0; i < f.receipts.size(); ++i) need(item("receipt", i), f.receipts[i]);
    for (size_t i = 0; i < f.key_releases.size(); ++i) need(item("key release", i), f.key_releases[i]);
    for (size_t i = 0; i < f.log_leaves.size(); ++i)
        if (!log.refusals.count(i) && !statements.count(f.log_leaves[i]))
            c.fail(item("log leaf", i) + " is not among the file's statements");
    c.set_ok_message("every statement of the file is a leaf of the log, every leaf is a statement of the file or a refusal");
    s.add(c);
}

void check_one_checkpoint(State& s, Log& log, size_t i, Check& c) {
    const auto& p = *s.plan();
    const std::string what = item("checkpoint", i);
    auto env = handover::decode_signed(s.file.checkpoints[i]);
    if (!env) return c.fail(what + ": " + env.error().message());
    auto cp = handover::open_checkpoint(*env, p.witness->key);
    if (!cp) return c.fail(what + ": " + cp.error().message());
    s.out.checkpoints.push_back({cp->tree_size, cp->root, cp->signed_at});
    if (cp->deal != p.deal || cp->plan_hash != s.out.plan_hash) return c.fail(what + ": for another deal or plan");
    // The witness signs a checkpoint after every submission, each adding one leaf: the file holds
    // one per tree size, in order, so none can be left out unnoticed.
    if (cp->tree_size != i + 1)
        return c.fail(what + ": tree size " + std::to_string(cp->tree_size) + ", expected " + std::to_string(i + 1) +
                      " (a checkpoint per leaf, in order: one is missing, added or moved)");
    if (cp->tree_size > log.leaf_hashes.size())
        return c.fail(what + ": tree size " + std::to_string(cp->tree_size) + " exceeds the " +
                      std::to_string(log.leaf_hashes.size()) + " leaves of the file");
    auto root = merkle::root(H(), std::span<const Bytes>(log.leaf_hashes.data(), cp->tree_size));
    if (!root || !std::equal(root->begin(), root->end(), cp->root.begin(), cp->root.end()))
        return c.fail(what + ": its root is not the root of the first " + std::to_string(cp->tree_size) + " leaves");
    log.checkpoints.push_back({cp->tree_size, std::move(root).value()});
}

void check_checkpoints(State& s, Log& log) {
    Check c("checkpoints");
    if (s.file.checkpoints.empty()) c.fail("the plan names a witness but the file holds no checkpoint");
    for (size_t i = 0; i < s.file.checkpoints.size(); ++i) check_one_checkpoint(s, log, i, c);
    c.set_ok_message(std::to_string(s.file.checkpoints.size()) + " checkpoint(s), one per tree size, each signed by "
                     "the witness, its root the root of the leaves it covers");
    s.add(c);
}

// Consecutive checkpoints: the smaller tree is a prefix of the larger (RFC 9162 consistency
// proofs); every leaf is included in the last checkpoint (inclusion proofs).
void check_proofs(State& s, const Log& log) {
    Check c("log_proofs");
    const auto& pts = log.checkpoints;
    for (size_t i = 1; i < pts.size(); ++i) {
        const auto span2 = std::span<const Bytes>(log.leaf_hashes.data(), pts[i].size);
        auto proof = merkle::consistency_proof(H(), span2, pts[i - 1].size);
        if (!proof || !merkle::verify_consistency(H(), pts[i - 1].size, pts[i].size, *proof, pts[i - 1].root, pts[i].root))
            c.fail("checkpoints of sizes " + std::to_string(pts[i - 1].size) + " and " + std::to_string(pts[i].size) +
                   " are not consistent");
    }
    if (!pts.empty()) {
        const auto& last = pts.back();
        const auto span = std::span<const Bytes>(log.leaf_hashes.data(), last.size);
        for (uint64_t i = 0; i < last.size; ++i) {
            auto proof = merkle::inclusion_proof(H(), span, i);
            if (!proof || !merkle::verify_inclusion(H(), i, last.size, log.leaf_hashes[i], *proof, last.root))
                c.fail(item("log leaf", i) + " is not included in the checkpoint of size " + std::to_string(last.size));
        }
    }
    c.set_ok_message(std::to_string(pts.size() > 1 ? pts.size() - 1 : 0) + " consistency proof(s) between checkpoints and " +
                     std::to_string(pts.empty() ? 0 : pts.back().size) + " inclusion proof(s) verified");
    s.add(c);
}

void check_coverage(State& s, const Log& log) {
    Check c("log_coverage");
    const size_t n = s.file.log_leaves.size();
    if (log.checkpoints.empty() || log.checkpoints.back().size != n)
        c.fail("the last valid checkpoint covers " + std::to_string(log.checkpoints.empty() ? 0 : log.checkpoints.back().size) +
               " of the " + std::to_string(n) + " leaves");
    c.set_ok_message("the last checkpoint covers all " + std::to_string(n) + " leaves");
    s.add(c);
}

// Every acceptance (and deletion receipt) is in a leaf below some valid checkpoint's tree size.
void check_closure(State& s, const Log& log) {
    Check c("closure");
    std::map<Bytes, uint64_t> index;
    for (size_t i = 0; i < s.file.log_leaves.size(); ++i) index.emplace(s.file.log_leaves[i], i);
    const uint64_t covered = log.checkpoints.empty() ? 0 : log.checkpoints.back().size;
    size_t closed = 0;
    for (size_t i = 0; i < s.file.receipts.size(); ++i) {
        const auto& r = s.receipt_views[i];
        if (!r || (r->kind != handover::ReceiptKind::accepted && r->kind != handover::ReceiptKind::purged)) continue;
        const std::string what = item("receipt", i) + " (stage " + std::to_string(r->stage_number + 1) + " " + r->stage +
                                 ", " + std::string(receipt_kind_name(r->kind)) + ")";
        auto it = index.find(s.file.receipts[i]);
        if (it == index.end()) c.fail(what + " is not in the log");
        else if (it->second >= covered) c.fail(what + " is leaf " + std::to_string(it->second + 1) + ", past every checkpoint");
        else ++closed;
    }
    c.set_ok_message(std::to_string(closed) + " acceptance and deletion receipt(s), each covered by a witness checkpoint");
    s.add(c);
}

void check_refusals(State& s, const Log& log) {
    Check c("refusals");
    std::map<uint64_t, const RefusedStatement*> refused;
    for (const auto& r : s.file.refused) refused[r.refusal_index] = &r;
    for (const auto& [i, refusal] : log.refusals) {
        RefusalView view{i, refusal.reason_code, refusal.reason_detail, refusal.signed_at, ""};
        auto it = refused.find(i);
        if (it == refused.end()) {
            c.fail(item("log leaf", i) + " is a refusal without the statement it refused");
        } else if (auto env = handover::decode_signed(it->second->envelope); !env) {
            c.fail("the statement refused at " + item("log leaf", i) + ": " + env.error().message());
        } else {
            view.refused_kind = std::string(handover::statement_context(env->kind));
            if (handover::envelope_hash(*env) != refusal.statement_hash || handover::encode_signed(*env) != it->second->envelope)
                c.fail("the statement kept for the refusal at " + item("log leaf", i) + " is not the one it refused");
        }
        s.out.refusals.push_back(std::move(view));
    }
    for (const auto& r : s.file.refused)
        if (!log.refusals.count(r.refusal_index))
            c.fail("a refused statement names log leaf " + std::to_string(r.refusal_index + 1) + ", which is no refusal");
    c.set_ok_message(std::to_string(log.refusals.size()) + " refusal(s) by the witness, each with the statement it refused");
    s.add(c);
}

}  // namespace

void check_log(State& s) {
    if (!s.plan()) return s.skip("log", "the plan did not open");
    if (!s.plan()->witness) return check_no_log(s);
    Log log;
    s.out.log_leaves = s.file.log_leaves.size();
    check_leaves(s, log);
    check_membership(s, log);
    check_checkpoints(s, log);
    check_proofs(s, log);
    check_coverage(s, log);
    check_closure(s, log);
    check_refusals(s, log);
}

}  // namespace baton::evidence::detail
