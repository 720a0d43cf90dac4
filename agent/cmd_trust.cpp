// baton trust add | crl.
#include "agent/commands.h"
#include "agent/files.h"
#include "agent/home.h"
#include "certs/fingerprint.h"
#include "storage/credentials.h"

namespace baton::agent {

namespace {

struct AddArgs {
    std::string deal, authority, fingerprint;
};

Status run_add(Context& ctx, const AddArgs& a) {
    BATON_TRY(certs::check_deal_id(a.deal));
    BATON_ASSIGN(auto authority, read_identity_file(a.authority));
    const std::string fp = certs::fingerprint(authority.key);
    if (!a.fingerprint.empty()) {
        BATON_ASSIGN(auto typed, certs::normalize_fingerprint(a.fingerprint));
        if (typed != fp)
            return auth_error(a.authority + ": fingerprint is " + fp + ", not the " + typed +
                              " you were given: do not trust this file");
    }
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    BATON_ASSIGN(auto tx, storage::Transaction::begin(home.db()));
    BATON_TRY(storage::add_trust_anchor(home.db(), {a.deal, Bytes(authority.key.begin(), authority.key.end()),
                                                    authority.name, authority.envelope}, now_unix()));
    BATON_TRY(home.audit("trust.add", "deal " + a.deal + " trusts authority " + authority.name + " " + fp));
    BATON_TRY(tx.commit());
    nlohmann::json j{{"deal", a.deal}, {"authority", authority.name}, {"fingerprint", fp},
                     {"fingerprint_checked", !a.fingerprint.empty()}};
    TextBlock t;
    t.line("deal", a.deal).line("authority", authority.name).line("fingerprint", fp);
    if (a.fingerprint.empty()) t.note("Compare this fingerprint with the authority out of band (by phone).");
    ctx.out.result(j, t.str());
    return ok_status();
}

Status run_crl(Context& ctx, const std::string& file) {
    BATON_ASSIGN(auto crl, read_revocation_file(file));
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    BATON_ASSIGN(auto trust, home.trust_store());
    if (!trust.trusts(crl.deal, crl.issuer_key))
        return auth_error(file + ": revocation list for deal " + crl.deal + " is from " +
                          certs::fingerprint(crl.issuer_key) + ", an authority not trusted for that deal");
    BATON_ASSIGN(auto tx, storage::Transaction::begin(home.db()));
    BATON_TRY(storage::put_revocation_list(home.db(), {crl.deal, Bytes(crl.issuer_key.begin(), crl.issuer_key.end()),
                                                       static_cast<int64_t>(crl.number), crl.envelope}, now_unix()));
    BATON_TRY(home.audit("trust.crl", "deal " + crl.deal + " revocation list " + std::to_string(crl.number) + " with " +
                                          std::to_string(crl.revoked_serials.size()) + " revoked serials"));
    BATON_TRY(tx.commit());
    nlohmann::json j{{"deal", crl.deal}, {"number", crl.number}, {"revoked_serials", crl.revoked_serials}};
    TextBlock t;
    t.line("deal", crl.deal).line("list number", std::to_string(crl.number));
    t.line("revoked", std::to_string(crl.revoked_serials.size()) + " certificate(s)").note("Installed.");
    ctx.out.result(j, t.str());
    return ok_status();
}

}  // namespace

void register_trust_commands(CLI::App& app, Context& ctx, Action& action) {
    auto* trust = app.add_subcommand("trust", "Choose the authorities and revocation lists this agent trusts");
    trust->require_subcommand(1);

    auto aa = std::make_shared<AddArgs>();
    auto* add = trust->add_subcommand("add", "Trust an authority's certificates for a deal");
    add->add_option("--deal", aa->deal, "Deal id")->required();
    add->add_option("--authority", aa->authority, "The authority's public identity file")->required();
    add->add_option("--fingerprint", aa->fingerprint, "The fingerprint the authority told you; refused if different");
    add->callback([&ctx, &action, aa] { action = [&ctx, aa] { return run_add(ctx, *aa); }; });

    auto file = std::make_shared<std::string>();
    auto* crl = trust->add_subcommand("crl", "Install a revocation list from a trusted authority");
    crl->add_option("FILE", *file, "Revocation list file")->required();
    crl->callback([&ctx, &action, file] { action = [&ctx, file] { return run_crl(ctx, *file); }; });
}

}  // namespace baton::agent
