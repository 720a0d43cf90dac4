// baton cert issue | install | show | verify | revoke.
#include "agent/commands.h"
#include "agent/files.h"
#include "agent/home.h"
#include "certs/codec.h"
#include "certs/fingerprint.h"
#include "storage/credentials.h"

namespace baton::agent {

namespace {

constexpr int64_t kSecondsPerDay = 86400;
constexpr int kMaxDays = 3660;  // ten years: a deal certificate that outlives that is a mistake

struct IssueArgs {
    std::string subject, role, deal, jurisdiction = "CN", not_before, not_after, out;
    int days = 90;
};

struct VerifyArgs {
    std::string file, authority, deal, role, crl;
};

nlohmann::json cert_json(const certs::Certificate& c) {
    return {{"serial", c.serial},
            {"subject", {{"name", c.subject_name}, {"contact", c.subject_contact}, {"fingerprint", certs::fingerprint(c.subject_key)}}},
            {"role", certs::role_name(c.role)},
            {"deal", c.deal},
            {"jurisdiction", c.jurisdiction},
            {"not_before", format_time(c.not_before)},
            {"not_after", format_time(c.not_after)},
            {"issuer", {{"name", c.issuer_name}, {"fingerprint", certs::fingerprint(c.issuer_key)}}}};
}

TextBlock cert_text(const certs::Certificate& c) {
    TextBlock t;
    t.line("serial", std::to_string(c.serial)).line("subject", c.subject_name);
    t.line("subject key", certs::fingerprint(c.subject_key)).line("role", certs::role_name(c.role));
    t.line("deal", c.deal).line("jurisdiction", c.jurisdiction);
    t.line("valid", format_time(c.not_before) + " to " + format_time(c.not_after));
    t.line("issuer", c.issuer_name + " " + certs::fingerprint(c.issuer_key));
    return t;
}

Result<std::pair<UnixTime, UnixTime>> validity(const IssueArgs& a) {
    if (a.days < 1 || a.days > kMaxDays) return usage_error("--days must be between 1 and " + std::to_string(kMaxDays));
    UnixTime nb = now_unix();
    if (!a.not_before.empty()) {
        BATON_ASSIGN(nb, parse_time(a.not_before, "--not-before"));
    }
    UnixTime na = nb + a.days * kSecondsPerDay;
    if (!a.not_after.empty()) {
        BATON_ASSIGN(na, parse_time(a.not_after, "--not-after"));
    }
    if (na <= nb) return usage_error("--not-after must be later than --not-before");
    return std::make_pair(nb, na);
}

Status run_issue(Context& ctx, const IssueArgs& a) {
    BATON_ASSIGN(auto role, certs::parse_role(a.role));
    BATON_TRY(certs::check_deal_id(a.deal));
    BATON_ASSIGN(auto window, validity(a));
    BATON_ASSIGN(auto subject, read_identity_file(a.subject));
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    BATON_ASSIGN(auto keys, home.unlock(ctx));
    BATON_ASSIGN(auto tx, storage::Transaction::begin(home.db()));
    BATON_ASSIGN(int64_t serial, storage::next_serial(home.db()));
    certs::CertificateRequest req{static_cast<uint64_t>(serial), subject, role, a.deal, a.jurisdiction,
                                  window.first, window.second};
    BATON_ASSIGN(auto cert, certs::issue_certificate(keys.identity, home.identity().name, req));
    BATON_TRY(storage::record_issued(home.db(), {serial, a.deal, a.role, subject.name, Bytes(subject.key.begin(), subject.key.end()),
                                                 window.second, false}, now_unix()));
    BATON_TRY(home.audit("cert.issue", "serial " + std::to_string(serial) + " " + a.role + " for deal " + a.deal +
                                           " to " + subject.name + " " + certs::fingerprint(subject.key)));
    BATON_TRY(tx.commit());  // before the file: a serial is never handed out twice
    BATON_TRY(write_armored(a.out, kCertificateLabel, cert.envelope));
    auto j = cert_json(cert);
    j["out"] = a.out;
    ctx.out.result(j, cert_text(cert).note("Certificate written to " + a.out).str());
    return ok_status();
}

Status run_install(Context& ctx, const std::string& file) {
    BATON_ASSIGN(auto cert, read_certificate_file(file));
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    if (cert.subject_key != home.identity().key)
        return input_error(file + ": certificate is for " + cert.subject_name + " " + certs::fingerprint(cert.subject_key) +
                           ", not for this agent " + certs::fingerprint(home.identity().key));
    if (!crypto::verify_in_context(cert.issuer_key, certs::kCertificateContext, cert.body, cert.signature))
        return auth_error(file + ": certificate signature does not match its body (altered or corrupt)");
    BATON_ASSIGN(auto trust, home.trust_store());
    if (!trust.trusts(cert.deal, cert.issuer_key))
        ctx.out.warn("the issuer " + cert.issuer_name + " is not yet trusted for deal " + cert.deal +
                     "; run baton trust add --deal " + cert.deal + " --authority FILE");
    BATON_ASSIGN(auto tx, storage::Transaction::begin(home.db()));
    BATON_TRY(storage::put_own_certificate(home.db(), {cert.deal, certs::role_name(cert.role), static_cast<int64_t>(cert.serial), cert.envelope},
                                           Bytes(cert.issuer_key.begin(), cert.issuer_key.end()), cert.not_after, now_unix()));
    BATON_TRY(home.audit("cert.install", "serial " + std::to_string(cert.serial) + " " + certs::role_name(cert.role) +
                                             " for deal " + cert.deal + " from " + cert.issuer_name + " " +
                                             certs::fingerprint(cert.issuer_key)));
    BATON_TRY(tx.commit());
    ctx.out.result(cert_json(cert), cert_text(cert).note("Installed.").str());
    return ok_status();
}

Status run_show(Context& ctx, const std::string& file) {
    BATON_ASSIGN(auto cert, read_certificate_file(file));
    ctx.out.result(cert_json(cert), cert_text(cert).str());
    return ok_status();
}

Status run_verify(Context& ctx, const VerifyArgs& a) {
    BATON_ASSIGN(auto cert, read_certificate_file(a.file));
    BATON_ASSIGN(auto authority, read_identity_file(a.authority));
    certs::Expectation want{a.deal.empty() ? cert.deal : a.deal, std::nullopt, std::nullopt, now_unix()};
    if (!a.role.empty()) {
        BATON_ASSIGN(want.role, certs::parse_role(a.role));
    }
    certs::TrustStore trust;
    trust.anchors.push_back({want.deal, authority.key, authority.name});
    if (!a.crl.empty()) {
        BATON_ASSIGN(auto crl, read_revocation_file(a.crl));
        if (crl.issuer_key != authority.key)
            return verify_error(a.crl + ": revocation list was not issued by " + authority.name);
        trust.crls.push_back(std::move(crl));
    }
    auto verdict = certs::verify_certificate(cert, trust, want);
    if (!verdict.ok()) return Error(ErrorKind::verify_failed, verdict.error().message());
    auto j = cert_json(cert);
    j["verdict"] = "accepted";
    ctx.out.result(j, cert_text(cert).note("Certificate accepted for deal " + want.deal + ".").str());
    return ok_status();
}

Status run_revoke(Context& ctx, const std::string& deal, int64_t serial, const std::string& out) {
    BATON_TRY(certs::check_deal_id(deal));
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    BATON_ASSIGN(auto keys, home.unlock(ctx));
    BATON_ASSIGN(auto tx, storage::Transaction::begin(home.db()));
    BATON_TRY(storage::mark_revoked(home.db(), deal, serial, now_unix()));
    BATON_ASSIGN(auto serials, storage::revoked_serials(home.db(), deal));
    BATON_ASSIGN(int64_t number, storage::next_revocation_number(home.db(), deal));
    auto crl = certs::issue_revocation_list(keys.identity, deal, static_cast<uint64_t>(number), now_unix(), serials);
    BATON_TRY(home.audit("cert.revoke", "serial " + std::to_string(serial) + " for deal " + deal +
                                            "; revocation list " + std::to_string(number)));
    BATON_TRY(tx.commit());  // revoking again re-issues a newer list if the write below fails
    BATON_TRY(write_armored(out, kRevocationLabel, crl.envelope));
    nlohmann::json j{{"deal", deal}, {"number", number}, {"revoked_serials", serials}, {"out", out}};
    TextBlock t;
    t.line("deal", deal).line("list number", std::to_string(number));
    std::string list;
    for (auto s : serials) list += (list.empty() ? "" : ", ") + std::to_string(s);
    t.line("revoked", list).note("Revocation list written to " + out + "; give it to every party (baton trust crl).");
    ctx.out.result(j, t.str());
    return ok_status();
}

}  // namespace

void register_cert_commands(CLI::App& app, Context& ctx, Action& action) {
    auto* cert = app.add_subcommand("cert", "Issue, install, inspect, verify and revoke deal certificates");
    cert->require_subcommand(1);

    auto ia = std::make_shared<IssueArgs>();
    auto* issue = cert->add_subcommand("issue", "As an authority, certify an identity for a role in a deal");
    issue->add_option("--subject", ia->subject, "The subject's public identity file")->required();
    issue->add_option("--role", ia->role, "seller, buyer or witness")->required();
    issue->add_option("--deal", ia->deal, "Deal id, e.g. D-2026-001")->required();
    issue->add_option("--days", ia->days, "Validity in days from --not-before (default 90)");
    issue->add_option("--not-before", ia->not_before, "Start of validity, YYYY-MM-DD[THH:MM:SSZ] (default now)");
    issue->add_option("--not-after", ia->not_after, "End of validity, YYYY-MM-DD[THH:MM:SSZ]");
    issue->add_option("--jurisdiction", ia->jurisdiction, "ISO 3166-1 alpha-2 code (default CN)");
    issue->add_option("--out", ia->out, "Certificate file to write")->required();
    issue->callback([&ctx, &action, ia] { action = [&ctx, ia] { return run_issue(ctx, *ia); }; });

    auto install_file = std::make_shared<std::string>();
    auto* install = cert->add_subcommand("install", "Install a certificate issued to this agent");
    install->add_option("FILE", *install_file, "Certificate file")->required();
    install->callback([&ctx, &action, install_file] { action = [&ctx, install_file] { return run_install(ctx, *install_file); }; });

    auto show_file = std::make_shared<std::string>();
    auto* show = cert->add_subcommand("show", "Print a certificate's fields");
    show->add_option("FILE", *show_file, "Certificate file")->required();
    show->callback([&ctx, &action, show_file] { action = [&ctx, show_file] { return run_show(ctx, *show_file); }; });

    auto va = std::make_shared<VerifyArgs>();
    auto* verify = cert->add_subcommand("verify", "Check a certificate against an authority, now");
    verify->add_option("FILE", va->file, "Certificate file")->required();
    verify->add_option("--authority", va->authority, "The authority's public identity file")->required();
    verify->add_option("--deal", va->deal, "Deal the certificate must be for (default: the one it names)");
    verify->add_option("--role", va->role, "Role the certificate must certify");
    verify->add_option("--crl", va->crl, "A revocation list from the authority");
    verify->callback([&ctx, &action, va] { action = [&ctx, va] { return run_verify(ctx, *va); }; });

    auto deal = std::make_shared<std::string>();
    auto serial = std::make_shared<int64_t>(0);
    auto out = std::make_shared<std::string>();
    auto* revoke = cert->add_subcommand("revoke", "As an authority, revoke a certificate and write a revocation list");
    revoke->add_option("--deal", *deal, "Deal id")->required();
    revoke->add_option("--serial", *serial, "Serial of the certificate to revoke")->required()->check(CLI::PositiveNumber);
    revoke->add_option("--out", *out, "Revocation list file to write")->required();
    revoke->callback([&ctx, &action, deal, serial, out] {
        action = [&ctx, deal, serial, out] { return run_revoke(ctx, *deal, *serial, *out); };
    });
}

}  // namespace baton::agent
