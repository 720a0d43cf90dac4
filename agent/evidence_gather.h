// Collecting a deal's evidence file (protocol/evidence/evidence_file.h) from an agent's home:
// this agent's certificate for the deal and the peers' as presented in the deal's sessions, the
// revocation lists of the deal's trusted authorities, the plan and countersignature, every
// manifest, receipt and key release, and the witness log (leaves, checkpoints, refused
// statements) the home holds or mirrors. Nothing is decoded beyond what ordering needs: the
// bytes go into the file exactly as stored, and the verifier judges them.
#pragma once

#include <string_view>

#include "agent/home.h"
#include "protocol/evidence/evidence_file.h"

namespace baton::agent {

// Fails: conflict when the deal has no plan in this home; bad_input for an invalid deal id;
// verify_failed for a stored plan that does not open; io as storage does.
Result<evidence::EvidenceFile> gather_evidence(Home& home, std::string_view deal);

}  // namespace baton::agent
