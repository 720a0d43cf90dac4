#include "agent/home.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "certs/codec.h"
#include "certs/fingerprint.h"
#include "core/file.h"
#include "storage/audit.h"
#include "storage/credentials.h"

namespace baton::agent {

namespace {

constexpr size_t kMaxKeyFile = 32 * 1024;

std::string octal(mode_t m) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m));
    return buf;
}

// Records why the key could not be used, in the home's own audit chain, if the database opens.
void audit_refusal(const std::string& dir, const std::string& why) {
    auto db = storage::Database::open(database_path(dir), false);
    if (db) (void)storage::append_audit(*db, now_unix(), "key.refused", why);
}

Status build_home(const std::string& dir, const InitOptions& o, const SecretBytes* passphrase) {
    BATON_TRY(make_private_dir(dir, 0700));
    certs::AgentKeys keys{crypto::ed25519_generate(), crypto::random_secret<32>()};
    auto id = certs::make_identity(keys.identity, o.name, o.contact, now_unix());
    BATON_ASSIGN(auto file, certs::encode_key_file(id, keys, passphrase, o.cost));
    BATON_TRY(write_file_atomic(key_file_path(dir), file, 0600, true));
    sodium_memzero(file.data(), file.size());
    BATON_ASSIGN(auto db, storage::Database::open(database_path(dir), true));
    ::chmod(database_path(dir).c_str(), 0600);
    return storage::append_audit(db, now_unix(), "init",
                                 "created identity " + o.name + " " + certs::fingerprint(id.key) +
                                     (passphrase ? " (key sealed with a passphrase)" : " (key NOT sealed)"));
}

void remove_tree(const std::string& dir) {
    for (const char* f : {"/identity.key", "/baton.db", "/baton.db-wal", "/baton.db-shm"}) ::unlink((dir + f).c_str());
    ::rmdir(dir.c_str());
}

}  // namespace

std::string key_file_path(const std::string& dir) { return dir + "/identity.key"; }
std::string database_path(const std::string& dir) { return dir + "/baton.db"; }

Result<Home> Home::create(const std::string& dir, const InitOptions& o, const SecretBytes* passphrase) {
    if (o.name.empty() || o.name.size() > certs::kMaxNameBytes) return usage_error("--name must be 1 to 256 bytes");
    if (o.contact.size() > certs::kMaxContactBytes) return usage_error("--contact must be at most 512 bytes");
    if (path_exists(key_file_path(dir)) || path_exists(database_path(dir)))
        return conflict_error("a Baton home already exists at " + dir + "; refusing to overwrite it");
    const bool existed = path_exists(dir);
    BATON_TRY(make_private_dir(dir, 0700));  // refuses a non-empty directory
    const std::string staging = dir + ".init-" + std::to_string(::getpid());
    auto built = build_home(staging, o, passphrase);
    if (built && ::rename(staging.c_str(), dir.c_str()) != 0) built = io_error("cannot move the new home into " + dir);
    if (!built) {
        remove_tree(staging);
        if (!existed) ::rmdir(dir.c_str());
        return built.error();
    }
    return open(dir);
}

Result<Home> Home::open(const std::string& dir) {
    const std::string key_path = key_file_path(dir);
    if (!path_exists(key_path) || !path_exists(database_path(dir)))
        return conflict_error("no Baton home at " + dir + " (run baton init, or give --home)");
    BATON_ASSIGN(mode_t mode, file_mode(key_path));
    if (mode & 077) {
        std::string why = "identity key file " + key_path + " is readable by others (mode " + octal(mode) +
                          "); run: chmod 600 " + key_path;
        audit_refusal(dir, why);
        return auth_error(why);
    }
    auto file = read_file(key_path, kMaxKeyFile);
    if (!file) return file.error();
    auto id = certs::key_file_identity(*file);
    if (!id) {
        std::string why = key_path + ": " + id.error().message();
        audit_refusal(dir, why);
        return input_error(why);
    }
    BATON_ASSIGN(auto db, storage::Database::open(database_path(dir), false));
    return Home(dir, std::move(id).value(), std::move(db));
}

Result<certs::AgentKeys> Home::unlock(const Context& ctx) {
    BATON_ASSIGN(auto file, read_secret_file(key_file_path(dir_), kMaxKeyFile));
    BATON_ASSIGN(bool sealed, certs::key_file_is_sealed(file.view()));
    std::optional<SecretBytes> pass;
    if (sealed) {
        BATON_ASSIGN(pass, ctx.passphrase(false));
        if (!pass) return usage_error("the identity key is sealed: give --passphrase-file FILE or set BATON_PASSPHRASE");
    }
    auto keys = certs::unlock_key_file(file.view(), pass ? &*pass : nullptr);
    if (!keys) {
        (void)audit("key.refused", keys.error().message());
        return keys.error();
    }
    return keys;
}

Status Home::audit(std::string_view event, std::string_view detail) {
    return storage::append_audit(db_, now_unix(), event, detail);
}

Result<certs::TrustStore> Home::trust_store() {
    certs::TrustStore store;
    BATON_ASSIGN(auto anchors, storage::trust_anchors(db_));
    for (const auto& a : anchors) {
        if (a.authority.size() != 32) return verify_error("trust anchor for deal " + a.deal + " is corrupt");
        certs::TrustAnchor t{a.deal, {}, a.name};
        std::copy(a.authority.begin(), a.authority.end(), t.authority.begin());
        store.anchors.push_back(std::move(t));
    }
    BATON_ASSIGN(auto crls, storage::revocation_lists(db_));
    for (const auto& c : crls) {
        auto crl = certs::decode_revocation_list(c.envelope);
        if (!crl) return verify_error("stored revocation list for deal " + c.deal + ": " + crl.error().message());
        store.crls.push_back(std::move(crl).value());
    }
    return store;
}

}  // namespace baton::agent
