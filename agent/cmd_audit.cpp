// baton audit [--verify] [--limit N].
#include "agent/commands.h"
#include "agent/home.h"
#include "storage/audit.h"

namespace baton::agent {

namespace {

Status run_audit(Context& ctx, bool verify, int64_t limit) {
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    if (verify) {
        BATON_ASSIGN(auto v, storage::verify_audit(home.db()));
        if (!v.ok())
            return verify_error("audit chain broken at row " + std::to_string(v.first_bad_seq) + ": " + v.problem);
        ctx.out.result({{"verified", true}, {"rows", v.rows}},
                       "Audit chain intact: " + std::to_string(v.rows) + " rows.");
        return ok_status();
    }
    BATON_ASSIGN(auto rows, storage::read_audit(home.db(), limit));
    nlohmann::json j = nlohmann::json::array();
    std::string text;
    for (const auto& r : rows) {
        j.push_back({{"seq", r.seq}, {"at", format_time(r.at)}, {"event", r.event}, {"detail", r.detail}});
        text += std::to_string(r.seq) + "  " + format_time(r.at) + "  " + r.event + "  " + r.detail + "\n";
    }
    ctx.out.result({{"events", j}}, text.empty() ? "No audit events." : text);
    return ok_status();
}

}  // namespace

void register_audit_commands(CLI::App& app, Context& ctx, Action& action) {
    auto verify = std::make_shared<bool>(false);
    auto limit = std::make_shared<int64_t>(50);
    auto* audit = app.add_subcommand("audit", "Show the hash-chained audit log, or verify it");
    audit->add_flag("--verify", *verify, "Check every row's hash link; exit 6 naming the first bad row");
    audit->add_option("--limit", *limit, "How many of the newest events to show (default 50)")->check(CLI::PositiveNumber);
    audit->callback([&ctx, &action, verify, limit] {
        action = [&ctx, verify, limit] { return run_audit(ctx, *verify, *limit); };
    });
}

}  // namespace baton::agent
