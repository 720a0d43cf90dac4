// The parties of the session end-to-end tests, built once per test run with the real CLI: an
// authority (sealed key) and a seller, a buyer and a witness certified by it for deal D-1, each
// trusting it for D-1. Tests add the odd parties they need (an expired buyer, a rogue authority)
// under names of their own.
//
// Parties' keys are stored without a passphrase, so that `serve` and `ping` start without an
// Argon2id unlock — which also keeps the server's memory high-water mark about the server alone.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "cli_harness.h"
#include "serve_harness.h"

namespace baton::cli_testing {

inline const std::string kDeal = "D-1";

class SessionWorld {
public:
    SessionWorld() {
        sb.init("authority");
        for (const char* p : {"seller", "buyer", "witness"}) {
            create(p);
            certify(p, p);
        }
    }

    Sandbox sb;

    // A fresh home for `party` (its key unsealed), its identity exported to <party>.id, trusting
    // `authority` for `deal`.
    void create(const std::string& party, const std::string& authority = "authority",
                const std::string& deal = kDeal) const {
        sb.ok({"--home", sb.home(party), "init", "--name", party, "--kdf", "interactive", "--no-passphrase"});
        sb.ok({"--home", sb.home(party), "id", "--export", sb.path(party + ".id")});
        trust(party, authority, deal);
    }

    void trust(const std::string& party, const std::string& authority, const std::string& deal) const {
        sb.ok({"--home", sb.home(party), "trust", "add", "--deal", deal, "--authority", sb.path(authority + ".id")});
    }

    // `authority` certifies `party` for `role` in `deal` and the party installs it; returns the file.
    std::string certify(const std::string& party, const std::string& role, const std::string& deal = kDeal,
                        const std::vector<std::string>& extra = {}, const std::string& authority = "authority") const {
        const std::string file = sb.issue(authority, party, role, deal, extra);
        sb.ok({"--home", sb.home(party), "cert", "install", file});
        return file;
    }

    Run ping(const std::string& from, const ServeProcess& to, const std::string& deal = kDeal) const {
        return sb.run({"--home", sb.home(from), "ping", "--deal", deal, "--to", to.address(), "--timeout", "10"});
    }

    std::string database(const std::string& party) const { return sb.home(party) + "/baton.db"; }
};

inline const SessionWorld& session_world() {
    static const SessionWorld w;
    return w;
}

// The fingerprint `baton id` shows for a party.
inline std::string fingerprint_of(const SessionWorld& w, const std::string& party) {
    return parse_json(w.sb.ok({"--home", w.sb.home(party), "--json", "id"}))["fingerprint"];
}

}  // namespace baton::cli_testing
