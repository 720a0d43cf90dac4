#include "core/harden.h"

#include <sodium.h>
#include <sys/prctl.h>
#include <sys/resource.h>

namespace baton {

Status harden_process() {
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (sodium_init() < 0) return internal_error("libsodium failed to initialise");
    return ok_status();
}

}  // namespace baton
