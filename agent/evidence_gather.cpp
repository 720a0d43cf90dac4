#include "agent/evidence_gather.h"

#include <algorithm>
#include <map>

#include "agent/plan_view.h"
#include "certs/types.h"
#include "storage/credentials.h"
#include "storage/handover_store.h"
#include "storage/witness_store.h"

namespace baton::agent {

namespace {

// Certificates in the verifier's order: seller, buyer, then the witness when the plan names one.
Status add_certificates(Home& home, const LoadedPlan& lp, evidence::EvidenceFile& f) {
    std::map<std::string, Bytes> by_role;
    BATON_ASSIGN(auto peers, storage::peer_certificates(home.db(), lp.plan.deal));
    for (auto& c : peers) by_role[c.role] = std::move(c.envelope);
    BATON_ASSIGN(auto own, storage::own_certificates(home.db()));
    for (auto& c : own)
        if (c.deal == lp.plan.deal) by_role[c.role] = std::move(c.envelope);  // our own, as installed
    std::vector<std::string> roles{"seller", "buyer"};
    if (lp.plan.witness) roles.push_back("witness");
    for (const auto& r : roles)
        if (auto it = by_role.find(r); it != by_role.end()) f.certificates.push_back(it->second);
    return ok_status();
}

// The revocation lists of the authorities this home trusts for the deal, by number.
Status add_revocation_lists(Home& home, std::string_view deal, evidence::EvidenceFile& f) {
    BATON_ASSIGN(auto anchors, storage::trust_anchors(home.db()));
    BATON_ASSIGN(auto lists, storage::revocation_lists(home.db()));
    std::sort(lists.begin(), lists.end(), [](const auto& a, const auto& b) { return a.number < b.number; });
    for (auto& l : lists) {
        const bool trusted = std::any_of(anchors.begin(), anchors.end(),
                                         [&](const auto& a) { return a.deal == deal && a.authority == l.issuer_key; });
        if (l.deal == deal && trusted) f.revocation_lists.push_back(std::move(l.envelope));
    }
    return ok_status();
}

int receipt_rank(const std::string& kind) {
    static const std::vector<std::string> order{"delivered", "verified", "rejected", "accepted", "purged"};
    return static_cast<int>(std::find(order.begin(), order.end(), kind) - order.begin());
}

Status add_stages(Home& home, std::string_view deal, evidence::EvidenceFile& f) {
    BATON_ASSIGN(auto rows, storage::list_stages(home.db(), deal));
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.stage_number < b.stage_number; });
    for (const auto& row : rows) {
        if (row.manifest) f.manifests.push_back(*row.manifest);
        BATON_ASSIGN(auto receipts, storage::load_receipts(home.db(), deal, row.stage_number));
        std::stable_sort(receipts.begin(), receipts.end(),
                         [](const auto& a, const auto& b) { return receipt_rank(a.first) < receipt_rank(b.first); });
        for (auto& r : receipts) f.receipts.push_back(std::move(r.second));
        BATON_ASSIGN(auto release, storage::find_key_release(home.db(), deal, row.stage_number));
        if (release) f.key_releases.push_back(std::move(release->statement));  // never the sealed key
    }
    return ok_status();
}

Status add_log(Home& home, std::string_view deal, evidence::EvidenceFile& f) {
    BATON_ASSIGN(auto leaves, storage::indexed_log_leaves(home.db(), deal));
    for (auto& [index, leaf] : leaves) {
        if (index != f.log_leaves.size())
            return conflict_error("the witness log of deal " + std::string(deal) + " held here lacks leaf " +
                                  std::to_string(f.log_leaves.size() + 1) + "; let baton push --witness finish first");
        f.log_leaves.push_back(std::move(leaf));
    }
    BATON_ASSIGN(f.checkpoints, storage::checkpoints(home.db(), deal));
    BATON_ASSIGN(auto refused, storage::refused_statements(home.db(), deal));
    for (auto& [index, envelope] : refused) f.refused.push_back({index, std::move(envelope)});
    std::sort(f.refused.begin(), f.refused.end(),
              [](const auto& a, const auto& b) { return a.refusal_index < b.refusal_index; });
    return ok_status();
}

}  // namespace

Result<evidence::EvidenceFile> gather_evidence(Home& home, std::string_view deal) {
    BATON_TRY(certs::check_deal_id(deal));
    BATON_ASSIGN(auto lp, load_plan(home, deal));
    evidence::EvidenceFile f;
    f.deal = std::string(deal);
    f.plan = lp.stored.plan;
    f.countersign = lp.stored.countersign;
    BATON_TRY(add_certificates(home, lp, f));
    BATON_TRY(add_revocation_lists(home, deal, f));
    BATON_TRY(add_stages(home, deal, f));
    BATON_TRY(add_log(home, deal, f));
    return f;
}

}  // namespace baton::agent
