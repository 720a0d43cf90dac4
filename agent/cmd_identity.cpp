// baton init, baton id.
#include "agent/commands.h"
#include "agent/files.h"
#include "agent/home.h"
#include "certs/codec.h"
#include "certs/fingerprint.h"
#include "storage/credentials.h"

namespace baton::agent {

namespace {

struct InitArgs {
    std::string name, contact, kdf = "moderate";
    bool no_passphrase = false;
};

Result<crypto::ArgonCost> kdf_cost(const std::string& level) {
    if (level == "moderate") return crypto::argon_default_cost();
    if (level == "interactive") return crypto::ArgonCost{crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
    if (level == "sensitive") return crypto::ArgonCost{crypto_pwhash_OPSLIMIT_SENSITIVE, crypto_pwhash_MEMLIMIT_SENSITIVE};
    return usage_error("--kdf must be interactive, moderate or sensitive");
}

nlohmann::json identity_json(const certs::Identity& id) {
    return {{"name", id.name},
            {"contact", id.contact},
            {"fingerprint", certs::fingerprint(id.key)},
            {"public_key", to_hex(id.key)},
            {"created_at", format_time(id.created_at)}};
}

Status run_init(Context& ctx, const InitArgs& a) {
    BATON_ASSIGN(auto dir, ctx.home_dir());
    InitOptions o{a.name, a.contact, a.no_passphrase, {}};
    BATON_ASSIGN(o.cost, kdf_cost(a.kdf));
    std::optional<SecretBytes> pass;
    if (!a.no_passphrase) {
        BATON_ASSIGN(pass, ctx.passphrase(true));
        if (!pass)
            return usage_error("init needs a passphrase to seal the identity key: give --passphrase-file FILE, set "
                               "BATON_PASSPHRASE, or choose --no-passphrase");
    } else {
        ctx.out.warn("the identity key is stored WITHOUT a passphrase; anyone who can read " + key_file_path(dir) +
                     " can act as this agent");
    }
    BATON_ASSIGN(auto home, Home::create(dir, o, pass ? &*pass : nullptr));
    auto j = identity_json(home.identity());
    j["home"] = dir;
    j["key_sealed"] = !a.no_passphrase;
    TextBlock t;
    t.note("Created a Baton home at " + dir);
    t.line("name", home.identity().name).line("fingerprint", certs::fingerprint(home.identity().key));
    t.note("Read the fingerprint to your counterparties so they can check your identity file.");
    ctx.out.result(j, t.str());
    return ok_status();
}

Status run_id(Context& ctx, const std::string& export_path) {
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    const auto& id = home.identity();
    if (!export_path.empty()) BATON_TRY(write_armored(export_path, kIdentityLabel, id.envelope));
    BATON_ASSIGN(auto certs_, storage::own_certificates(home.db()));
    BATON_ASSIGN(auto anchors, storage::trust_anchors(home.db()));
    auto j = identity_json(id);
    TextBlock t;
    t.line("name", id.name).line("contact", id.contact.empty() ? "-" : id.contact);
    t.line("fingerprint", certs::fingerprint(id.key)).line("public key", to_hex(id.key));
    j["certificates"] = nlohmann::json::array();
    for (const auto& c : certs_) {
        auto cert = certs::decode_certificate(c.envelope);
        if (!cert) continue;
        j["certificates"].push_back({{"deal", cert->deal}, {"role", certs::role_name(cert->role)},
                                     {"serial", cert->serial}, {"not_after", format_time(cert->not_after)}});
        t.line("certificate", cert->deal + " " + certs::role_name(cert->role) + " (serial " +
                                  std::to_string(cert->serial) + ", until " + format_time(cert->not_after) + ")");
    }
    j["trusted_authorities"] = nlohmann::json::array();
    for (const auto& a : anchors) {
        crypto::PublicKey k{};
        if (a.authority.size() == k.size()) std::copy(a.authority.begin(), a.authority.end(), k.begin());
        j["trusted_authorities"].push_back({{"deal", a.deal}, {"name", a.name}, {"fingerprint", certs::fingerprint(k)}});
        t.line("trusts", a.deal + ": " + a.name + " " + certs::fingerprint(k));
    }
    if (!export_path.empty()) {
        j["exported_to"] = export_path;
        t.note("Public identity written to " + export_path);
    }
    ctx.out.result(j, t.str());
    return ok_status();
}

}  // namespace

void register_identity_commands(CLI::App& app, Context& ctx, Action& action) {
    auto init_args = std::make_shared<InitArgs>();
    auto* init = app.add_subcommand("init", "Create this agent's home: identity key, database, storage key");
    init->add_option("--name", init_args->name, "Legal or team name shown to counterparties")->required();
    init->add_option("--contact", init_args->contact, "Contact details (e-mail, phone)");
    init->add_flag("--no-passphrase", init_args->no_passphrase, "Store the identity key unsealed (not recommended)");
    init->add_option("--kdf", init_args->kdf, "Argon2id cost: interactive, moderate (default) or sensitive");
    init->callback([&ctx, &action, init_args] { action = [&ctx, init_args] { return run_init(ctx, *init_args); }; });

    auto export_path = std::make_shared<std::string>();
    auto* id = app.add_subcommand("id", "Show this agent's identity, certificates and trusted authorities");
    id->add_option("--export", *export_path, "Write the public identity file to FILE");
    id->callback([&ctx, &action, export_path] { action = [&ctx, export_path] { return run_id(ctx, *export_path); }; });
}

}  // namespace baton::agent
