// Helpers shared by the handover_store.h implementation files (not part of its interface).
#pragma once

#include <string>
#include <string_view>

#include "storage/handover_store.h"

namespace baton::storage {

// "deal D, stage N", for messages.
std::string stage_label(std::string_view deal, uint32_t stage_number);

// The stage row. Fails (conflict) when there is none.
Result<StageRow> require_stage(Database& db, std::string_view deal, uint32_t stage_number);

}  // namespace baton::storage
