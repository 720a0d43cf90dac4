// Registration of the command-line commands. Each register_* adds its subcommands to `app`;
// when one of them is chosen, its callback stores the work to do in `action`, which main()
// runs after parsing and maps to an exit code (README "Exit codes").
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

#include "agent/context.h"

namespace baton::agent {

using Action = std::function<Status()>;

void register_identity_commands(CLI::App& app, Context& ctx, Action& action);  // init, id
void register_cert_commands(CLI::App& app, Context& ctx, Action& action);      // cert ...
void register_trust_commands(CLI::App& app, Context& ctx, Action& action);     // trust ...
void register_audit_commands(CLI::App& app, Context& ctx, Action& action);     // audit
void register_session_commands(CLI::App& app, Context& ctx, Action& action);   // serve, ping
void register_record_commands(CLI::App& app, Context& ctx, Action& action);    // import, sets, export
void register_plan_commands(CLI::App& app, Context& ctx, Action& action);      // plan ..., prepare
void register_handover_commands(CLI::App& app, Context& ctx, Action& action);  // status, accept, reject
void register_push_command(CLI::App& app, Context& ctx, Action& action);       // push
void register_purge_command(CLI::App& app, Context& ctx, Action& action);      // purge
void register_notices_command(CLI::App& app, Context& ctx, Action& action);    // notices
void register_evidence_commands(CLI::App& app, Context& ctx, Action& action);  // evidence, verify, report

}  // namespace baton::agent
