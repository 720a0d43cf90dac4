#include "agent/log.h"

#include "core/time.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace baton::agent {

namespace {

bool g_json = false;

spdlog::level::level_enum to_spdlog(LogLevel l) {
    switch (l) {
        case LogLevel::debug: return spdlog::level::debug;
        case LogLevel::info: return spdlog::level::info;
        case LogLevel::warn: return spdlog::level::warn;
        case LogLevel::error: return spdlog::level::err;
    }
    return spdlog::level::info;
}

const char* level_name(LogLevel l) {
    switch (l) {
        case LogLevel::debug: return "debug";
        case LogLevel::info: return "info";
        case LogLevel::warn: return "warn";
        case LogLevel::error: return "error";
    }
    return "info";
}

}  // namespace

void init_logging(bool json) {
    g_json = json;
    auto logger = spdlog::stderr_logger_mt("baton");
    // JSON lines carry their own time stamp in the object; text lines get a readable prefix.
    logger->set_pattern(json ? "%v" : "%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v", spdlog::pattern_time_type::utc);
    logger->flush_on(spdlog::level::debug);
    spdlog::set_default_logger(logger);
}

void log_event(LogLevel level, const std::string& event, const std::string& message, const nlohmann::json& fields) {
    if (g_json) {
        nlohmann::json j = fields;
        j["time"] = format_time(now_unix());
        j["level"] = level_name(level);
        j["event"] = event;
        j["message"] = message;
        spdlog::log(to_spdlog(level), "{}", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        return;
    }
    std::string extra;
    for (const auto& [k, v] : fields.items()) extra += " " + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
    spdlog::log(to_spdlog(level), "{}: {}{}", event, message, extra);
}

}  // namespace baton::agent
