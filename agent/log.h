// Logging for long-running commands (serve, ping, push). Lines go to stderr through spdlog:
// readable text on a terminal, or with --json one JSON object per line:
//   {"time":"2026-11-24T14:09:30.123Z","level":"info","event":"session.refused","peer":"7QH4-M2XA",...}
// Every session line names its peer: by fingerprint once the handshake revealed it, by address
// before. Never pass a secret or a record value to a log call.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace baton::agent {

enum class LogLevel { debug, info, warn, error };

// Sets up the process-wide logger. Call once, early in main.
void init_logging(bool json);

// One event: `event` is a stable dotted name ("session.established"), `message` is for people,
// `fields` are extra key/values (peer, deal, reason, ...).
void log_event(LogLevel level, const std::string& event, const std::string& message,
               const nlohmann::json& fields = nlohmann::json::object());

}  // namespace baton::agent
