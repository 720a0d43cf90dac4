// baton: the command-line entry point. Hardens the process before anything else, parses the
// command line, runs the chosen command, and maps its result to a stable exit code.
#include <google/protobuf/stubs/logging.h>
#include <sys/stat.h>

#include <iostream>

#include "agent/commands.h"
#include "agent/log.h"
#include "core/harden.h"

int main(int argc, char** argv) {
    using namespace baton;
    if (auto hardened = harden_process(); !hardened) {
        std::cerr << "baton: error: " << hardened.error().message() << "\n";
        return exit_code(ErrorKind::internal);
    }
    ::umask(077);
    // Parsing hostile input is expected to fail; protobuf must not print its own complaints.
    google::protobuf::SetLogHandler([](google::protobuf::LogLevel, const char*, int, const std::string&) {});  // everything an agent writes in its home is private

    agent::Context ctx;
    agent::Action action;
    CLI::App app{"baton: hands customer records from one company to another, securely, in stages, with proof"};
    app.set_version_flag("--version", "baton 0.1.0");
    app.require_subcommand(1);
    app.add_option("--home", ctx.home_option, "Agent home directory (default $BATON_HOME, else ~/.baton)");
    app.add_flag("--json", ctx.json, "Machine-readable output: one JSON object (or event) per line");
    app.add_option("--passphrase-file", ctx.passphrase_file, "File holding the identity key passphrase");
    app.fallthrough();  // global options may also follow the subcommand
    agent::register_identity_commands(app, ctx, action);
    agent::register_cert_commands(app, ctx, action);
    agent::register_trust_commands(app, ctx, action);
    agent::register_audit_commands(app, ctx, action);
    agent::register_session_commands(app, ctx, action);
    agent::register_record_commands(app, ctx, action);
    agent::register_plan_commands(app, ctx, action);
    agent::register_handover_commands(app, ctx, action);
    agent::register_push_command(app, ctx, action);
    agent::register_purge_command(app, ctx, action);
    agent::register_notices_command(app, ctx, action);
    agent::register_evidence_commands(app, ctx, action);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? 0 : exit_code(ErrorKind::usage);
    }
    ctx.out.set_json(ctx.json);
    agent::init_logging(ctx.json);
    if (!action) return exit_code(ErrorKind::usage);
    Status st = action();
    if (!st) {
        ctx.out.error(st.error());
        return exit_code(st.error().kind());
    }
    return 0;
}
