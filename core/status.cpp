#include "core/status.h"

namespace baton {

const char* kind_name(ErrorKind k) {
    switch (k) {
        case ErrorKind::internal: return "internal";
        case ErrorKind::usage: return "usage";
        case ErrorKind::bad_input: return "bad_input";
        case ErrorKind::auth: return "auth";
        case ErrorKind::unreachable: return "unreachable";
        case ErrorKind::verify_failed: return "verify_failed";
        case ErrorKind::io: return "io";
        case ErrorKind::conflict: return "conflict";
    }
    return "internal";
}

}  // namespace baton
