#include "core/time.h"

#include <cstdio>
#include <ctime>

namespace baton {

UnixTime now_unix() { return static_cast<UnixTime>(std::time(nullptr)); }

std::string format_time(UnixTime t) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    if (!gmtime_r(&tt, &tm)) return "(time out of range)";
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

namespace {

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

}  // namespace

Result<UnixTime> parse_time(std::string_view text, std::string_view what) {
    auto bad = [&] {
        return input_error(std::string(what) + ": '" + std::string(text.substr(0, 40)) +
                           "' is not a date (YYYY-MM-DD) or time (YYYY-MM-DDTHH:MM:SSZ)");
    };
    int y, mo, d, h = 0, mi = 0, s = 0;
    if (!(text.size() == 10 || text.size() == 20)) return bad();
    if (!digits(text, 0, 4, y) || text[4] != '-' || !digits(text, 5, 2, mo) || text[7] != '-' ||
        !digits(text, 8, 2, d))
        return bad();
    if (text.size() == 20 && (text[10] != 'T' || !digits(text, 11, 2, h) || text[13] != ':' ||
                              !digits(text, 14, 2, mi) || text[16] != ':' || !digits(text, 17, 2, s) ||
                              text[19] != 'Z'))
        return bad();
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return bad();
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    std::time_t t = timegm(&tm);
    std::tm back{};
    gmtime_r(&t, &back);
    if (back.tm_mday != d || back.tm_mon != mo - 1) return bad();  // 2026-02-30 normalises away
    return static_cast<UnixTime>(t);
}

}  // namespace baton
