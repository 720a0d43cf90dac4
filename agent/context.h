// What every command gets: the global options (--home, --json, --passphrase-file) and the
// Output they select.
#pragma once

#include <optional>
#include <string>

#include "agent/output.h"
#include "core/secret.h"

namespace baton::agent {

struct Context {
    std::string home_option;
    std::string passphrase_file;
    bool json = false;
    Output out;

    // The home directory: --home, else $BATON_HOME, else ~/.baton. Fails (usage) if none can
    // be determined.
    Result<std::string> home_dir() const;

    // The passphrase from --passphrase-file (one trailing newline removed), else
    // $BATON_PASSPHRASE, else a prompt on the terminal (asked twice when `confirm`). Returns
    // nullopt when none is available. Fails (bad_input) on an unreadable or empty file.
    Result<std::optional<SecretBytes>> passphrase(bool confirm) const;
};

}  // namespace baton::agent
