#include "agent/evidence_view.h"

#include "agent/output.h"
#include "certs/fingerprint.h"

namespace baton::agent {

namespace {

using evidence::Verification;

nlohmann::json cert_json(const certs::Certificate& c) {
    return {{"serial", c.serial},
            {"subject", c.subject_name},
            {"role", certs::role_name(c.role)},
            {"jurisdiction", c.jurisdiction},
            {"not_before", format_time(c.not_before)},
            {"not_after", format_time(c.not_after)},
            {"issuer", c.issuer_name},
            {"issuer_fingerprint", certs::fingerprint(c.issuer_key)}};
}

nlohmann::json stage_json(const evidence::StageView& s) {
    nlohmann::json receipts = nlohmann::json::array();
    for (const auto& r : s.receipts) {
        nlohmann::json j{{"kind", handover::receipt_kind_name(r.kind)}, {"signed_at", format_time(r.signed_at)},
                         {"hash", to_hex(r.hash)}};
        if (!r.reason.empty()) j["reason"] = r.reason;
        receipts.push_back(j);
    }
    nlohmann::json sets = nlohmann::json::array();
    if (s.manifest)
        for (const auto& set : s.manifest->sets) sets.push_back({{"name", set.name}, {"records", set.records}});
    return {{"number", s.number + 1},
            {"name", s.name},
            {"state", s.state},
            {"records", stage_records(s)},
            {"sets", sets},
            {"manifest_hash", s.manifest ? nlohmann::json(to_hex(s.manifest_hash)) : nlohmann::json()},
            {"prepared_at", s.manifest ? nlohmann::json(format_time(s.manifest->prepared_at)) : nlohmann::json()},
            {"key_released_at", s.key_released_at ? nlohmann::json(format_time(*s.key_released_at)) : nlohmann::json()},
            {"receipts", receipts}};
}

std::string parties_text(const Verification& v, const AuthorityView& a) {
    std::vector<std::vector<std::string>> rows{{"role", "name", "fingerprint", "certificate"}};
    for (const auto& p : v.parties) {
        std::string cert = "(none valid in the file)";
        if (p.certificate)
            cert = "serial " + std::to_string(p.certificate->serial) + ", valid " + format_time(p.certificate->not_before) +
                   " to " + format_time(p.certificate->not_after);
        rows.push_back({p.role, p.name, certs::fingerprint(p.key), cert});
    }
    rows.push_back({"authority", a.name, certs::fingerprint(a.key), "(given)"});
    return "parties:\n" + text_table(rows);
}

std::string stages_text(const Verification& v) {
    using K = handover::ReceiptKind;
    std::vector<std::vector<std::string>> rows{{"#", "stage", "records", "state", "prepared", "delivered", "verified", "accepted"}};
    std::string notes;
    for (const auto& s : v.stages) {
        rows.push_back({std::to_string(s.number + 1), s.name, std::to_string(stage_records(s)), s.state,
                        s.manifest ? format_time(s.manifest->prepared_at) : "-", receipt_time(s, K::delivered),
                        receipt_time(s, K::verified), receipt_time(s, K::accepted)});
        for (auto& c : rows.back())
            if (c.empty()) c = "-";
        for (const auto& r : s.receipts) {
            if (r.kind == K::rejected) notes += "  stage " + std::to_string(s.number + 1) + " rejected: " + r.reason + "\n";
            if (r.kind == K::purged)
                notes += "  stage " + std::to_string(s.number + 1) + " purged by the seller at " + format_time(r.signed_at) + "\n";
        }
    }
    return "stages:\n" + text_table(rows) + notes;
}

std::string log_text(const Verification& v) {
    if (!v.plan || !v.plan->witness) return "witness log: none (the plan names no witness)\n";
    std::string t = "witness log: " + std::to_string(v.log_leaves) + " leaves, " + std::to_string(v.checkpoints.size()) +
                    " checkpoints";
    if (!v.checkpoints.empty()) {
        const auto& c = v.checkpoints.back();
        t += "; last: size " + std::to_string(c.tree_size) + ", root " + to_hex(c.root).substr(0, 16) + "..., " +
             format_time(c.signed_at);
    }
    t += "\n";
    for (const auto& r : v.refusals)
        t += "  refused (leaf " + std::to_string(r.leaf_index + 1) + ", " + r.refused_kind + "): " + r.reason_code + ": " +
             r.reason_detail + "\n";
    return t;
}

std::string checks_text(const Verification& v) {
    std::string t = "checks:\n";
    for (const auto& c : v.checks) t += std::string(c.passed ? "  ok    " : "  FAIL  ") + c.name + ": " + c.message + "\n";
    return t;
}

}  // namespace

uint64_t stage_records(const evidence::StageView& s) {
    uint64_t n = 0;
    if (s.manifest)
        for (const auto& set : s.manifest->sets) n += set.records;
    return n;
}

std::string receipt_time(const evidence::StageView& s, handover::ReceiptKind kind) {
    for (const auto& r : s.receipts)
        if (r.kind == kind) return format_time(r.signed_at);
    return "";
}

std::string verdict_text(const Verification& v) {
    const auto fails = v.failures();
    if (v.ok()) return "VERIFIED: all " + std::to_string(v.checks.size()) + " checks hold";
    std::string names;
    for (const auto& f : fails) names += (names.empty() ? "" : ", ") + f.name;
    return "FAILED: " + std::to_string(fails.size()) + " of " + std::to_string(v.checks.size()) + " checks failed (" +
           names + ")";
}

nlohmann::json verification_json(const Verification& v, const AuthorityView& a) {
    nlohmann::json parties = nlohmann::json::array();
    for (const auto& p : v.parties)
        parties.push_back({{"role", p.role}, {"name", p.name}, {"fingerprint", certs::fingerprint(p.key)},
                           {"certificate", p.certificate ? cert_json(*p.certificate) : nlohmann::json()}});
    nlohmann::json stages = nlohmann::json::array();
    for (const auto& s : v.stages) stages.push_back(stage_json(s));
    nlohmann::json checkpoints = nlohmann::json::array();
    for (const auto& c : v.checkpoints)
        checkpoints.push_back({{"tree_size", c.tree_size}, {"root", to_hex(c.root)}, {"signed_at", format_time(c.signed_at)}});
    nlohmann::json refusals = nlohmann::json::array();
    for (const auto& r : v.refusals)
        refusals.push_back({{"leaf", r.leaf_index}, {"reason_code", r.reason_code}, {"reason_detail", r.reason_detail},
                            {"refused_kind", r.refused_kind}, {"signed_at", format_time(r.signed_at)}});
    nlohmann::json checks = nlohmann::json::array();
    for (const auto& c : v.checks) checks.push_back({{"name", c.name}, {"passed", c.passed}, {"message", c.message}});
    return {{"deal", v.deal},
            {"verified", v.ok()},
            {"verdict", verdict_text(v)},
            {"authority", {{"name", a.name}, {"fingerprint", certs::fingerprint(a.key)}}},
            {"plan_hash", v.plan ? nlohmann::json(to_hex(v.plan_hash)) : nlohmann::json()},
            {"plan_created_at", v.plan ? nlohmann::json(format_time(v.plan->created_at)) : nlohmann::json()},
            {"countersigned_at", v.countersign ? nlohmann::json(format_time(v.countersign->signed_at)) : nlohmann::json()},
            {"parties", parties},
            {"stages", stages},
            {"log", {{"leaves", v.log_leaves}, {"checkpoints", checkpoints}, {"refusals", refusals}}},
            {"checks", checks}};
}

std::string verification_text(const Verification& v, const AuthorityView& a) {
    std::string t = "deal " + (v.deal.empty() ? std::string("(unreadable)") : v.deal) + "\n";
    if (v.plan) {
        t += "plan: hash " + to_hex(v.plan_hash) + ", created " + format_time(v.plan->created_at) + ", " +
             (v.countersign ? "countersigned " + format_time(v.countersign->signed_at) : std::string("not countersigned")) +
             ", acceptance " + (v.plan->manual_accept ? "manual" : "automatic") + "\n";
        t += parties_text(v, a) + stages_text(v) + log_text(v);
    }
    return t + checks_text(v) + verdict_text(v);
}

}  // namespace baton::agent
