// baton export of a record set received in a handover (the buyer's side; DESIGN §3 step 4: "the
// stage's records become visible to baton export" once accepted). The records are read from the
// stage's chunks as received (storage::StageSetReader), never from a copy.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "agent/context.h"
#include "agent/home.h"
#include "storage/records/record_reader.h"

namespace baton::agent {

// A set named in a stage of a plan this agent received as the buyer.
struct InboundSet {
    std::string deal;
    uint32_t stage_number = 0;   // index in the plan
    std::string stage;
    std::string set;
};

// The inbound stage holding `set`: of deal `deal` when not empty, else of any deal this agent
// is the buyer of. Returns nullopt when none holds it and `deal` is empty. Fails (conflict)
// when `deal` is given and its plan does not bring `set` to this agent, or when several deals
// do and `deal` is empty (naming them); verify_failed or io as loading a plan does.
Result<std::optional<InboundSet>> find_inbound_set(Home& home, std::string_view set, std::string_view deal);

// Exports the set to `out` and prints the result, as `baton export` does for an imported set:
// the file is renamed into place only once complete and checked against the manifest's record
// count, and the "export" audit row commits only with it.
// Fails: conflict when the stage is not accepted ("stage 2 (transactions) of deal D is verified,
// not accepted: nothing exported"); verify_failed when the stored manifest or a chunk does not
// authenticate or the count differs; io as the file or the database does; auth as unlocking does.
Status export_inbound_set(Context& ctx, Home& home, const InboundSet& in, records::Format format,
                          const std::string& out);

}  // namespace baton::agent
