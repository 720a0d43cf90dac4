// The witnessed handover tests' world (docs/witness.md): HandoverWorld's authority, seller, buyer
// and witness, a two-stage plan (customers; transactions) naming the witness, the witness's
// `baton serve` on a fixed port (so that it can be killed and restarted where push expects it),
// and readers for the logs in the agents' databases (the witness's log, the seller's mirror, the
// buyer's checkpoints) with the protocol's own checks: replay by the log rules, checkpoint
// signature and root.
#pragma once

#include "protocol/handover/statements.h"
#include "protocol/witness/checkpoint.h"
#include "protocol/witness/log.h"
#include "tests/handover/handover_world.h"

namespace baton::handover_testing {

inline const std::vector<std::string> kWitnessedStages{"customers", "transactions"};

// What one agent holds of a deal's witness log.
struct HeldLog {
    std::vector<std::pair<int64_t, Bytes>> leaves, checkpoints, refused;
};

class WitnessWorld : public HandoverWorld {
public:
    explicit WitnessWorld(std::string deal_id) : HandoverWorld(std::move(deal_id)) {}

    // Sample data, imported; the plan of two stages naming the witness.
    void prepare_witnessed_deal(const Sample& s, bool manual_accept = false) const {
        generate(s);
        import_all();
        std::vector<std::string> args{"plan", "create", "--deal", deal, "--buyer", sb.path("buyer.id"), "--witness",
                                      sb.path("witness.id")};
        for (const auto& st : kWitnessedStages) args.insert(args.end(), {"--stage", st + ":" + st});
        if (manual_accept) args.push_back("--manual-accept");
        ok("seller", args);
    }

    // The witness's `baton serve --listen 127.0.0.1:PORT`, once it says it listens.
    std::unique_ptr<Proc> witness_serve(uint16_t port) const {
        auto p = std::make_unique<Proc>(sb, "witness-serve",
                                        std::vector<std::string>{BATON_BIN, "--home", sb.home("witness"), "serve",
                                                                 "--listen", "127.0.0.1:" + std::to_string(port)});
        const bool up = eventually([&] { return p->out().find("listening on") != std::string::npos || !p->running(); }, 15s);
        INFO(p->describe());
        REQUIRE(up);
        REQUIRE(p->running());
        return p;
    }

    std::string db(const std::string& party) const { return sb.home(party) + "/baton.db"; }

    HeldLog held(const std::string& party) const {
        HeldLog h;
        h.leaves = blob_rows(db(party), "SELECT idx, envelope FROM witness_leaves WHERE deal = ? ORDER BY idx", deal);
        h.checkpoints = blob_rows(db(party), "SELECT tree_size, envelope FROM witness_checkpoints WHERE deal = ? ORDER BY tree_size", deal);
        h.refused = blob_rows(db(party), "SELECT refusal_index, envelope FROM witness_refused WHERE deal = ? ORDER BY refusal_index", deal);
        return h;
    }
};

// Replays `log` by the witness log rules and checks its latest checkpoint: signed by the plan's
// witness, for the plan, over exactly these leaves. Returns the replayed log.
inline witness::WitnessLog verify_log(const HeldLog& log, const std::string& deal) {
    REQUIRE_FALSE(log.leaves.empty());
    auto plan_env = handover::decode_signed(log.leaves[0].second);
    REQUIRE(plan_env);
    auto plan = handover::open_plan(*plan_env);
    REQUIRE(plan);
    REQUIRE(plan->witness);
    witness::WitnessLog replayed(deal, plan->witness->key);
    for (size_t i = 0; i < log.leaves.size(); ++i) {
        REQUIRE(log.leaves[i].first == static_cast<int64_t>(i));
        const Status st = replayed.replay(log.leaves[i].second);
        INFO("leaf " << i << ": " << (st ? "" : st.error().message()));
        REQUIRE(st);
    }
    REQUIRE_FALSE(log.checkpoints.empty());
    auto cp_env = handover::decode_signed(log.checkpoints.back().second);
    REQUIRE(cp_env);
    auto cp = witness::open_plan_checkpoint(*cp_env, *plan, handover::statement_hash(*plan_env));
    INFO((cp ? "" : cp.error().message()));
    REQUIRE(cp);
    CHECK(cp->tree_size == replayed.size());
    CHECK(cp->root == replayed.checkpoint(0).root);
    // Every leaf is in it by an inclusion proof, and every earlier checkpoint is its prefix.
    for (uint64_t i = 0; i < replayed.size(); ++i)
        CHECK(witness::check_includes(*cp, i, log.leaves[i].second, replayed.inclusion_proof(i).value()));
    for (const auto& [size, bytes] : log.checkpoints) {
        auto earlier = witness::open_plan_checkpoint(handover::decode_signed(bytes).value(), *plan,
                                                     handover::statement_hash(*plan_env));
        REQUIRE(earlier);
        CHECK(earlier->tree_size == static_cast<uint64_t>(size));
        CHECK(witness::check_extends(*cp, witness::head_of(*earlier), replayed.consistency_proof(earlier->tree_size).value()));
    }
    return replayed;
}

}  // namespace baton::handover_testing
