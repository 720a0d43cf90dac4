#include "agent/inbound_export.h"

#include <unistd.h>

#include "agent/export_file.h"
#include "agent/plan_view.h"
#include "storage/handover_store.h"

namespace baton::agent {

namespace {

// The stages of `deal`'s plan (if this agent is its buyer) that name `set`.
Result<std::vector<InboundSet>> holding(Home& home, std::string_view set, const std::string& deal) {
    BATON_ASSIGN(auto lp, load_plan(home, deal));
    std::vector<InboundSet> found;
    if (lp.stored.role != "buyer") return found;
    for (uint32_t i = 0; i < lp.plan.stages.size(); ++i)
        for (const auto& s : lp.plan.stages[i].sets)
            if (s == set) found.push_back({deal, i, lp.plan.stages[i].name, s});
    return found;
}

std::string label(const InboundSet& in) { return stage_label(in.deal, in.stage_number, in.stage); }

// The stored manifest of an accepted stage, and the set's place in it.
struct AcceptedSet {
    handover::Manifest manifest;
    uint32_t index = 0;
};

Result<AcceptedSet> accepted_set(Home& home, const InboundSet& in) {
    BATON_ASSIGN(auto row, storage::find_stage(home.db(), in.deal, in.stage_number));
    const std::string state = row ? row->state : "not received yet";
    if (!row || row->state != "accepted")
        return conflict_error(label(in) + " is " + state + ", not accepted: nothing exported");
    if (!row->manifest) return verify_error(label(in) + " is stored without its manifest");
    auto env = handover::decode_signed(*row->manifest);
    if (!env) return verify_error(label(in) + ": stored manifest: " + env.error().message());
    auto m = handover::open_manifest(*env);
    if (!m) return verify_error(label(in) + ": stored manifest: " + m.error().message());
    for (uint32_t i = 0; i < m->sets.size(); ++i)
        if (m->sets[i].name == in.set) return AcceptedSet{std::move(m).value(), i};
    return verify_error(label(in) + ": the stored manifest has no set " + in.set);
}

// Writes the set to `out`, checking the record count against the manifest before the file is
// renamed into place.
Result<uint64_t> write_set(Home& home, const crypto::Key32& key, const InboundSet& in, const AcceptedSet& acc,
                           records::Format format, const std::string& out) {
    const auto& summary = acc.manifest.sets[acc.index];
    const storage::CheckSet check{summary.name, summary.schema_json, summary.columns};
    BATON_ASSIGN(auto reader, storage::StageSetReader::open(home.db(), key, in.deal, in.stage_number, check, acc.index,
                                                            acc.manifest.chunk_size));
    uint64_t seen = 0;
    auto next = [&](std::vector<records::FieldValue>& row) -> Result<bool> {
        BATON_ASSIGN(bool more, reader.next(row));
        if (more) ++seen;
        else if (seen != summary.records)
            return verify_error(label(in) + ": set " + in.set + " holds " + std::to_string(seen) +
                                " records; its manifest says " + std::to_string(summary.records));
        return more;
    };
    return write_export_file(out, format, reader.columns(), next);
}

void print_exported(Context& ctx, const InboundSet& in, const AcceptedSet& acc, uint64_t records, records::Format format,
                    const std::string& out) {
    nlohmann::json j{{"name", in.set},
                     {"records", records},
                     {"fields", acc.manifest.sets[acc.index].columns},
                     {"deal", in.deal},
                     {"stage", {{"number", in.stage_number + 1}, {"name", in.stage}}},
                     {"merkle_root", to_hex(acc.manifest.merkle_root)},
                     {"out", out},
                     {"format", format_name(format)}};
    ctx.out.result(j, "Exported " + std::to_string(records) + " records of set " + in.set + " received in " + label(in) +
                          " to " + out + "\nrecord count checked against the seller's manifest\n");
}

}  // namespace

Result<std::optional<InboundSet>> find_inbound_set(Home& home, std::string_view set, std::string_view deal) {
    std::vector<std::string> deals = deal.empty() ? storage::list_plan_deals(home.db()) : std::vector<std::string>{std::string(deal)};
    std::vector<InboundSet> found;
    for (const auto& d : deals) {
        BATON_ASSIGN(auto in, holding(home, set, d));
        found.insert(found.end(), in.begin(), in.end());
    }
    if (found.empty() && !deal.empty())
        return conflict_error("deal " + std::string(deal) + " brings no set '" + std::string(set) +
                              "' to this agent (see baton plan show --deal " + std::string(deal) + ")");
    if (found.empty()) return std::optional<InboundSet>();
    if (found.size() > 1) {
        std::string names;
        for (const auto& f : found) names += (names.empty() ? "" : ", ") + f.deal;
        return conflict_error("set " + std::string(set) + " was received in several deals (" + names +
                              "); say which with --deal");
    }
    return std::optional<InboundSet>(found.front());
}

Status export_inbound_set(Context& ctx, Home& home, const InboundSet& in, records::Format format, const std::string& out) {
    BATON_TRY(accepted_set(home, in));  // refuse before asking for a passphrase
    BATON_ASSIGN(auto keys, home.unlock(ctx));
    // The audit row and the file go together: the row commits only once the file is in place.
    BATON_ASSIGN(auto tx, storage::Transaction::begin(home.db()));
    BATON_ASSIGN(const auto acc, accepted_set(home, in));
    BATON_ASSIGN(const uint64_t records, write_set(home, keys.storage_key, in, acc, format, out));
    BATON_TRY(home.audit("export", "set " + in.set + " received in " + label(in) + ": " + std::to_string(records) +
                                       " records to " + out + " (" + format_name(format) + "), merkle root " +
                                       to_hex(acc.manifest.merkle_root)));
    if (auto committed = tx.commit(); !committed) {
        ::unlink(out.c_str());
        return committed.error();
    }
    print_exported(ctx, in, acc, records, format, out);
    return ok_status();
}

}  // namespace baton::agent
