// Process hardening that must run before any secret exists.
#pragma once

#include "core/status.h"

namespace baton {

// Disables core dumps (RLIMIT_CORE = 0, PR_SET_DUMPABLE = 0) so a crash never writes key
// material to disk, then initialises libsodium. Call first thing in main().
// Fails (internal) only if libsodium cannot initialise.
Status harden_process();

}  // namespace baton
