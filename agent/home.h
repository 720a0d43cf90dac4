// An agent's home directory:
//   identity.key  the identity key file (certs/keyfile.h), mode 0600
//   baton.db      the SQLite database (storage/db.h), mode 0600
// The directory itself is mode 0700.
#pragma once

#include <string>

#include "agent/context.h"
#include "certs/keyfile.h"
#include "certs/types.h"
#include "certs/verifier.h"
#include "storage/db.h"

namespace baton::agent {

struct InitOptions {
    std::string name;
    std::string contact;
    bool no_passphrase = false;
    crypto::ArgonCost cost = crypto::argon_default_cost();
};

class Home {
public:
    // Creates a new home at `dir`: refuses (conflict) if it exists and is not empty. The home is
    // built in a temporary directory and renamed into place, so a failure leaves nothing behind.
    static Result<Home> create(const std::string& dir, const InitOptions& options, const SecretBytes* passphrase);

    // Opens an existing home. Refuses, and records the refusal in the audit chain, a key file
    // that is readable by others or truncated. Fails (conflict) if there is no home at `dir`.
    static Result<Home> open(const std::string& dir);

    const std::string& dir() const { return dir_; }
    const certs::Identity& identity() const { return identity_; }
    storage::Database& db() { return db_; }

    // Unlocks the private keys with the context's passphrase. A wrong passphrase is recorded in
    // the audit chain (the only change it makes to the home).
    Result<certs::AgentKeys> unlock(const Context& ctx);

    // Appends an audit event now.
    Status audit(std::string_view event, std::string_view detail);

    // The trust store for verifying peers: anchors and installed revocation lists.
    Result<certs::TrustStore> trust_store();

private:
    Home(std::string dir, certs::Identity id, storage::Database db)
        : dir_(std::move(dir)), identity_(std::move(id)), db_(std::move(db)) {}

    std::string dir_;
    certs::Identity identity_;
    storage::Database db_;
};

std::string key_file_path(const std::string& dir);
std::string database_path(const std::string& dir);

}  // namespace baton::agent
