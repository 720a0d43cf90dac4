// Wall-clock time as Unix seconds (UTC), and its ISO 8601 text form. Time is always passed in as
// a value to layers below agent/, so tests can fix it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace baton {

using UnixTime = int64_t;

UnixTime now_unix();

// "2026-11-24T14:09:30Z".
std::string format_time(UnixTime t);

// Parses "YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM:SSZ". Fails (bad_input) naming `what`
// on anything else, including impossible dates such as 2026-02-30.
Result<UnixTime> parse_time(std::string_view text, std::string_view what);

}  // namespace baton
