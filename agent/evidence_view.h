// How `baton verify` shows a verification (protocol/evidence/verify.h): readable text — parties
// with fingerprints, stages with record counts and times, the witness log, each check and its
// result — or one JSON object. `baton report` renders the same facts as HTML (report_html.h).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "protocol/evidence/verify.h"

namespace baton::agent {

// The authority the file was checked against, as its identity file or trust anchor names it.
struct AuthorityView {
    std::string name;
    crypto::PublicKey key{};
};

// Records handed over in a stage (the manifest's counts; 0 without a manifest).
uint64_t stage_records(const evidence::StageView& s);
// When a stage reached `kind`, or "" if it did not.
std::string receipt_time(const evidence::StageView& s, handover::ReceiptKind kind);
// "VERIFIED: all 17 checks hold" / "FAILED: 2 of 17 checks failed (receipts, closure)".
std::string verdict_text(const evidence::Verification& v);

nlohmann::json verification_json(const evidence::Verification& v, const AuthorityView& authority);
std::string verification_text(const evidence::Verification& v, const AuthorityView& authority);

}  // namespace baton::agent
