// `baton report`: one self-contained HTML page for auditors (DESIGN §3 step 6). No external
// assets (no scripts, images, fonts or links to load), UTF-8, inline CSS with print styles.
// Shows the verification result first, then parties and fingerprints, the plan, a timeline of
// the stages, record counts, the masking applied to each field, receipts, witness checkpoints and
// refusals, and every check. Every value from the evidence is HTML-escaped.
#pragma once

#include <string>
#include <string_view>

#include "agent/evidence_view.h"

namespace baton::agent {

// &, <, >, " and ' as entities; invalid UTF-8 bytes as U+FFFD.
std::string html_escape(std::string_view text);

std::string render_report(const evidence::Verification& v, const AuthorityView& authority, UnixTime generated_at);

}  // namespace baton::agent
