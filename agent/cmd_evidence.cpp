// baton evidence, baton verify, baton report (DESIGN §3 steps 5-6, docs/evidence.md): write a
// deal's evidence file from this home; check an evidence file offline against an authority's
// public identity; render the deal as one self-contained HTML page for auditors.
//
// evidence and report sign the file with this agent's identity key (its producer signature), so
// that nothing can be left out of it later unnoticed. verify reads nothing but its two files and
// exits 0 only when every check holds, else 6 (verify_failed: "verification failed") after
// printing every check; a file that does not decode fails with that same code and the "format"
// check.
#include "agent/commands.h"
#include "agent/evidence_gather.h"
#include "agent/evidence_view.h"
#include "agent/files.h"
#include "agent/home.h"
#include "agent/report_html.h"
#include "certs/fingerprint.h"
#include "core/file.h"
#include "storage/credentials.h"

namespace baton::agent {

namespace {

struct EvidenceArgs {
    std::string deal, out, authority;
};

// The deal's evidence from the home, signed by this agent as its producer, encoded and checked to
// be readable by verify.
Result<Bytes> evidence_bytes(Context& ctx, Home& home, const std::string& deal) {
    BATON_ASSIGN(auto file, gather_evidence(home, deal));
    BATON_ASSIGN(const auto keys, home.unlock(ctx));
    evidence::sign_evidence(file, keys.identity);
    Bytes bytes = evidence::encode_evidence(file);
    if (auto back = evidence::decode_evidence(bytes); !back)
        return input_error("the evidence of deal " + deal + " does not fit the evidence file format: " + back.error().message());
    return bytes;
}

Status run_evidence(Context& ctx, const EvidenceArgs& a) {
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    BATON_ASSIGN(auto bytes, evidence_bytes(ctx, home, a.deal));
    BATON_ASSIGN(const auto file, evidence::decode_evidence(bytes));
    BATON_TRY(write_file_atomic(a.out, bytes, 0644));
    BATON_TRY(home.audit("evidence.write", "deal " + a.deal + " to " + a.out + " (" + std::to_string(bytes.size()) + " bytes)"));
    nlohmann::json j{{"deal", a.deal}, {"out", a.out}, {"bytes", bytes.size()},
                     {"certificates", file.certificates.size()}, {"revocation_lists", file.revocation_lists.size()},
                     {"manifests", file.manifests.size()}, {"receipts", file.receipts.size()},
                     {"key_releases", file.key_releases.size()}, {"log_leaves", file.log_leaves.size()},
                     {"checkpoints", file.checkpoints.size()}, {"refused", file.refused.size()}};
    TextBlock t;
    t.line("deal", a.deal).line("written", a.out + " (" + std::to_string(bytes.size()) + " bytes)");
    t.line("certificates", std::to_string(file.certificates.size()))
        .line("statements", std::to_string(file.manifests.size()) + " manifests, " + std::to_string(file.receipts.size()) +
                                " receipts, " + std::to_string(file.key_releases.size()) + " key releases")
        .line("witness log", std::to_string(file.log_leaves.size()) + " leaves, " + std::to_string(file.checkpoints.size()) +
                                 " checkpoints, " + std::to_string(file.refused.size()) + " refused statements");
    t.note("Anyone can check it offline: baton verify " + a.out + " --authority AUTHORITY.id");
    ctx.out.result(j, t.str());
    return ok_status();
}

Status verdict_status(const evidence::Verification& v) {
    if (v.ok()) return ok_status();
    return verify_error("verification failed: " + verdict_text(v));
}

Status run_verify(Context& ctx, const EvidenceArgs& a) {
    BATON_ASSIGN(auto id, read_identity_file(a.authority));
    BATON_ASSIGN(auto bytes, read_file(a.out, evidence::kMaxEvidenceBytes + 1));
    const AuthorityView authority{id.name, id.key};
    const auto v = evidence::verify_evidence(bytes, id.key);
    auto j = verification_json(v, authority);
    j["file"] = a.out;
    ctx.out.result(j, "evidence file " + a.out + " (" + std::to_string(bytes.size()) + " bytes)\n" +
                          verification_text(v, authority));
    return verdict_status(v);
}

// The authority to check against: --authority, else the one authority this home trusts for the deal.
Result<AuthorityView> report_authority(Home& home, const EvidenceArgs& a) {
    if (!a.authority.empty()) {
        BATON_ASSIGN(auto id, read_identity_file(a.authority));
        return AuthorityView{id.name, id.key};
    }
    BATON_ASSIGN(auto anchors, storage::trust_anchors(home.db()));
    std::vector<AuthorityView> found;
    for (const auto& an : anchors)
        if (an.deal == a.deal && an.authority.size() == 32) {
            AuthorityView v{an.name, {}};
            std::copy(an.authority.begin(), an.authority.end(), v.key.begin());
            found.push_back(v);
        }
    if (found.size() != 1)
        return usage_error("this home trusts " + std::to_string(found.size()) + " authorities for deal " + a.deal +
                           ": give --authority ID_FILE");
    return found[0];
}

Status run_report(Context& ctx, const EvidenceArgs& a) {
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    BATON_ASSIGN(auto bytes, evidence_bytes(ctx, home, a.deal));
    BATON_ASSIGN(auto authority, report_authority(home, a));
    const auto v = evidence::verify_evidence(bytes, authority.key);
    const std::string html = render_report(v, authority, now_unix());
    BATON_TRY(write_file_atomic(a.out, as_bytes(html), 0644));
    BATON_TRY(home.audit("report.write", "deal " + a.deal + " to " + a.out + ": " + verdict_text(v)));
    nlohmann::json j{{"deal", a.deal}, {"out", a.out}, {"bytes", html.size()}, {"verified", v.ok()}, {"verdict", verdict_text(v)}};
    TextBlock t;
    t.line("deal", a.deal).line("report", a.out).line("verification", verdict_text(v));
    t.note("One self-contained page: open it in any browser, or print it.");
    ctx.out.result(j, t.str());
    return ok_status();  // the report is written either way; it shows the result
}

}  // namespace

void register_evidence_commands(CLI::App& app, Context& ctx, Action& action) {
    auto ea = std::make_shared<EvidenceArgs>();
    auto* ev = app.add_subcommand("evidence", "Write one file with everything needed to check a deal offline");
    ev->add_option("--deal", ea->deal, "Deal id")->required();
    ev->add_option("--out", ea->out, "Evidence file to write (replaced atomically)")->required();
    ev->footer("Holds the certificates, revocation lists, plan and countersignature, manifests, receipts, key releases "
               "(never the keys) and the witness log with its checkpoints. No record is in it. Signed with this agent's "
               "identity key (unlocked with --passphrase-file or BATON_PASSPHRASE when sealed), so that nothing can be "
               "left out later. Run it on the seller, which mirrors the witness log. Format: docs/evidence.md.");
    ev->callback([&ctx, &action, ea] { action = [&ctx, ea] { return run_evidence(ctx, *ea); }; });

    auto va = std::make_shared<EvidenceArgs>();
    auto* verify = app.add_subcommand("verify", "Check an evidence file offline against the deal's authority");
    verify->add_option("FILE", va->out, "Evidence file (from baton evidence)")->required();
    verify->add_option("--authority", va->authority, "The authority's public identity file")->required();
    verify->footer("Checks every certificate, signature, signer role, stage transition and, when the plan names a "
                   "witness, the witness log and its checkpoints. Prints each check; exits 0 only when every check "
                   "holds, 6 (verification failed) otherwise. Needs no home and no network.");
    verify->callback([&ctx, &action, va] { action = [&ctx, va] { return run_verify(ctx, *va); }; });

    auto ra = std::make_shared<EvidenceArgs>();
    auto* report = app.add_subcommand("report", "Render a deal as one self-contained HTML page for auditors");
    report->add_option("--deal", ra->deal, "Deal id")->required();
    report->add_option("--out", ra->out, "HTML file to write")->required();
    report->add_option("--authority", ra->authority,
                       "The authority's public identity file (default: the one this home trusts for the deal)");
    report->footer("Parties and fingerprints, the plan, a timeline of the stages, record counts, masking, receipts, "
                   "witness checkpoints and the verification result. No external assets; prints well.");
    report->callback([&ctx, &action, ra] { action = [&ctx, ra] { return run_report(ctx, *ra); }; });
}

}  // namespace baton::agent
