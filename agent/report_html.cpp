#include "agent/report_html.h"

#include "certs/fingerprint.h"
#include "storage/records/utf8.h"

namespace baton::agent {

namespace {

using evidence::Verification;
using K = handover::ReceiptKind;

// Inline, print-friendly, no web fonts: the page must render the same offline, on paper.
constexpr std::string_view kStyle = R"css(
:root { --ok: #1b6e3a; --bad: #a4161a; --line: #d0d4da; --muted: #5b6470; }
* { box-sizing: border-box; }
body { font: 14px/1.45 "Noto Sans", "Noto Sans CJK SC", "DejaVu Sans", sans-serif; color: #1d2127; margin: 0 auto;
       max-width: 1100px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
.sub { color: var(--muted); margin: 0 0 16px; }
.verdict { padding: 14px 18px; border-radius: 6px; font-size: 18px; font-weight: bold; color: #fff; margin: 16px 0; }
.verdict.ok { background: var(--ok); } .verdict.bad { background: var(--bad); }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { border: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f1f3f5; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.mono { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; word-break: break-all; }
.fp { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; white-space: nowrap; }
.pass { color: var(--ok); font-weight: bold; } .fail { color: var(--bad); font-weight: bold; }
ol.timeline { list-style: none; padding: 0; margin: 0; }
ol.timeline li { border-left: 4px solid var(--line); padding: 4px 12px; margin: 0 0 10px; }
ol.timeline li.accepted, ol.timeline li.purged { border-color: var(--ok); }
ol.timeline li.rejected { border-color: var(--bad); }
.steps span { display: inline-block; margin: 2px 10px 2px 0; }
footer { color: var(--muted); margin-top: 32px; font-size: 12px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  .verdict { color: #000; background: none !important; border: 3px solid #000; }
  h2 { break-after: avoid; } table, li { break-inside: avoid; }
  th { background: none; }
}
)css";

class Html {
public:
    Html& raw(std::string_view s) { out_ += s; return *this; }
    Html& text(std::string_view s) { out_ += html_escape(s); return *this; }
    Html& tag(std::string_view name, std::string_view content, std::string_view cls = {}) {
        out_ += "<" + std::string(name) + (cls.empty() ? "" : " class=\"" + std::string(cls) + "\"") + ">";
        text(content);
        out_ += "</" + std::string(name) + ">";
        return *this;
    }
    // One table row of escaped cells (th for a header row).
    Html& row(const std::vector<std::string>& cells, bool header = false, const std::vector<std::string>& classes = {}) {
        raw("<tr>");
        for (size_t i = 0; i < cells.size(); ++i)
            tag(header ? "th" : "td", cells[i], i < classes.size() ? classes[i] : "");
        return raw("</tr>\n");
    }
    std::string str() && { return std::move(out_); }

private:
    std::string out_;
};

std::string or_dash(const std::string& s) { return s.empty() ? "—" : s; }

void verdict(Html& h, const Verification& v) {
    h.raw("<div class=\"verdict ").raw(v.ok() ? "ok" : "bad").raw("\" id=\"verdict\">");
    h.text("Verification result: " + verdict_text(v));
    h.raw("</div>\n");
}

void parties(Html& h, const Verification& v, const AuthorityView& a) {
    h.tag("h2", "Parties").raw("<table>\n").row({"Role", "Name", "Key fingerprint", "Certificate"}, true);
    for (const auto& p : v.parties) {
        std::string cert = "no valid certificate in the file";
        if (p.certificate)
            cert = "serial " + std::to_string(p.certificate->serial) + ", " + p.certificate->jurisdiction + ", valid " +
                   format_time(p.certificate->not_before) + " to " + format_time(p.certificate->not_after) + ", issued by " +
                   p.certificate->issuer_name;
        h.row({p.role, p.name, certs::fingerprint(p.key), cert}, false, {"", "", "fp", ""});
    }
    h.row({"authority", a.name, certs::fingerprint(a.key), "the issuer the evidence was checked against"}, false,
          {"", "", "fp", ""});
    h.raw("</table>\n");
    if (!v.producer.empty()) h.tag("p", "The evidence was written and signed by the " + v.producer + ".");
}

void plan(Html& h, const Verification& v) {
    h.tag("h2", "The plan");
    if (!v.plan) return void(h.tag("p", "The plan in the evidence could not be read."));
    const auto& p = *v.plan;
    h.raw("<table>\n");
    h.row({"Deal", p.deal}).row({"Plan hash", to_hex(v.plan_hash)}, false, {"", "mono"});
    h.row({"Created", format_time(p.created_at)});
    h.row({"Countersigned by the buyer", v.countersign ? format_time(v.countersign->signed_at) : "no"});
    h.row({"Acceptance", p.manual_accept ? "manual (the buyer's operator decides)" : "automatic (once verified)"});
    h.row({"Witness", p.witness ? p.witness->name : "none"});
    h.raw("</table>\n<table>\n").row({"Stage", "Record sets", "Masking in the plan"}, true);
    for (size_t i = 0; i < p.stages.size(); ++i) {
        std::string sets, masks;
        for (const auto& s : p.stages[i].sets) sets += (sets.empty() ? "" : ", ") + s;
        for (const auto& m : p.masks)
            for (const auto& s : p.stages[i].sets)
                if (m.set == s) masks += (masks.empty() ? "" : "; ") + m.set + "." + m.field + " = " + m.rule;
        h.row({std::to_string(i + 1) + ". " + p.stages[i].name, sets, or_dash(masks)});
    }
    h.raw("</table>\n");
}

void timeline(Html& h, const Verification& v) {
    h.tag("h2", "Timeline of the stages").raw("<ol class=\"timeline\">\n");
    for (const auto& s : v.stages) {
        h.raw("<li class=\"").text(s.state).raw("\">");
        h.tag("h3", "Stage " + std::to_string(s.number + 1) + ": " + s.name + " — " + s.state + ", " +
                        std::to_string(stage_records(s)) + " records");
        h.raw("<div class=\"steps\">");
        if (s.manifest) h.tag("span", "prepared " + format_time(s.manifest->prepared_at));
        for (const auto& r : s.receipts) {
            if (r.kind == K::verified && s.key_released_at) h.tag("span", "key released " + format_time(*s.key_released_at));
            h.tag("span", std::string(handover::receipt_kind_name(r.kind)) + " " + format_time(r.signed_at));
        }
        if (s.receipts.empty() && !s.manifest) h.tag("span", "not started");
        h.raw("</div>");
        for (const auto& r : s.receipts)
            if (!r.reason.empty()) h.tag("p", "Reason: " + r.reason, "fail");
        h.raw("</li>\n");
    }
    h.raw("</ol>\n");
}

void records(Html& h, const Verification& v) {
    h.tag("h2", "Records and masking").raw("<table>\n").row({"Stage", "Set", "Records", "Field", "Masking applied"}, true);
    for (const auto& s : v.stages) {
        if (!s.manifest) continue;
        for (const auto& set : s.manifest->sets)
            for (size_t i = 0; i < std::max<size_t>(1, set.masks.size()); ++i) {
                const bool first = i == 0;
                const std::string field = i < set.masks.size() ? set.masks[i].field : "";
                const std::string rule = i < set.masks.size() ? set.masks[i].rule : "";
                h.row({first ? std::to_string(s.number + 1) + ". " + s.name : "", first ? set.name : "",
                       first ? std::to_string(set.records) : "", or_dash(field), or_dash(rule)},
                      false, {"", "", "num", "", ""});
            }
    }
    h.raw("</table>\n");
}

void receipts(Html& h, const Verification& v) {
    h.tag("h2", "Receipts").raw("<table>\n").row({"Stage", "Receipt", "Signed", "By", "Statement hash"}, true);
    for (const auto& s : v.stages)
        for (const auto& r : s.receipts)
            h.row({std::to_string(s.number + 1) + ". " + s.name, std::string(handover::receipt_kind_name(r.kind)),
                   format_time(r.signed_at), r.kind == K::purged ? "seller" : "buyer", to_hex(r.hash)},
                  false, {"", "", "", "", "mono"});
    h.raw("</table>\n");
}

void witness(Html& h, const Verification& v) {
    h.tag("h2", "Witness log");
    if (!v.plan || !v.plan->witness) return void(h.tag("p", "The plan names no witness; there is no log."));
    h.tag("p", std::to_string(v.log_leaves) + " leaves, " + std::to_string(v.checkpoints.size()) + " signed checkpoints.");
    h.raw("<table>\n").row({"Tree size", "Root (BLAKE2b-256, RFC 9162)", "Signed by the witness"}, true);
    for (const auto& c : v.checkpoints)
        h.row({std::to_string(c.tree_size), to_hex(c.root), format_time(c.signed_at)}, false, {"num", "mono", ""});
    h.raw("</table>\n");
    if (v.refusals.empty()) return;
    h.tag("h3", "Statements the witness refused").raw("<table>\n").row({"Leaf", "Refused", "Reason", "Detail", "Signed"}, true);
    for (const auto& r : v.refusals)
        h.row({std::to_string(r.leaf_index + 1), r.refused_kind, r.reason_code, r.reason_detail, format_time(r.signed_at)});
    h.raw("</table>\n");
}

void checks(Html& h, const Verification& v) {
    h.tag("h2", "Checks").raw("<table>\n").row({"Check", "Result", "Detail"}, true);
    for (const auto& c : v.checks)
        h.row({c.name, c.passed ? "passed" : "FAILED", c.message}, false, {"mono", c.passed ? "pass" : "fail", ""});
    h.raw("</table>\n");
}

}  // namespace

std::string html_escape(std::string_view text) {
    std::string out;
    const bool valid = records::utf8::is_valid(text);
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default:
                if (!valid && c >= 0x80) out += "\xEF\xBF\xBD";
                else if (c < 0x20 && ch != '\n' && ch != '\t') out += "\xEF\xBF\xBD";
                else out += ch;
        }
    }
    return out;
}

std::string render_report(const Verification& v, const AuthorityView& authority, UnixTime generated_at) {
    Html h;
    const std::string title = "Baton handover report: deal " + (v.deal.empty() ? std::string("(unreadable)") : v.deal);
    h.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.tag("title", title).raw("\n<style>").raw(kStyle).raw("</style>\n</head>\n<body>\n");
    h.tag("h1", title);
    h.tag("p", "Generated " + format_time(generated_at) + " by baton report from the evidence held in this agent's home, "
               "verified offline against the authority below.", "sub");
    verdict(h, v);
    parties(h, v, authority);
    plan(h, v);
    timeline(h, v);
    records(h, v);
    receipts(h, v);
    witness(h, v);
    checks(h, v);
    h.raw("<footer>").text("Check it yourself: baton evidence --deal " + v.deal + " --out FILE, then baton verify FILE "
                           "--authority AUTHORITY.id").raw("</footer>\n</body>\n</html>\n");
    return std::move(h).str();
}

}  // namespace baton::agent
