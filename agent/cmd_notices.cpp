// baton notices: the buyer's PIPL Art. 22 notice batch (DESIGN §3 step 5): for each customer
// received in an accepted stage of a deal, the contact details received and the recipient's (this
// agent's) legal name and contact, as one CSV file to hand to a mailing or SMS system.
//
// Which sets and fields count: agent/notice_fields.h. Records are read from the accepted stages'
// chunks as received, as `baton export` reads them (storage::StageSetReader), and each set's count
// is checked against its manifest. Stages that are not accepted contribute nothing.
//
// CSV (RFC 4180, UTF-8 without BOM, CRLF, header row), one row per record of a customer set:
//   deal, stage, record_set, customer_key, <contact fields: the union over the sets, in order of
//   first appearance>, reachable_through, contact_notes, recipient_name, recipient_contact,
//   transferor_name, purpose
// A contact field named like a fixed column is written as "field:NAME". Values are exactly as
// received (as export writes them); a set without a given contact field leaves it empty.
// The file is written beside FILE and renamed into place only when complete (mode 0600); the
// "notices" audit row (counts only, never a value) commits with it.
#include <unistd.h>

#include <algorithm>
#include <map>

#include "agent/commands.h"
#include "agent/export_file.h"
#include "agent/home.h"
#include "agent/notice_fields.h"
#include "agent/plan_view.h"
#include "certs/codec.h"
#include "storage/records/utf8.h"

namespace baton::agent {

namespace {

constexpr size_t kMaxTextOption = 1024;  // --purpose, --recipient-name, --recipient-contact

constexpr const char* kDefaultPurpose =
    "Your personal information was transferred to the recipient named here because of a merger, division, "
    "dissolution, declaration of bankruptcy or a similar reason (PIPL Art. 22). The recipient continues to fulfil "
    "the transferor's obligations as personal information handler and will ask for your consent again before it "
    "changes the original purpose or method of processing.";

struct NoticesArgs {
    std::string deal, out, format = "csv", purpose = kDefaultPurpose, recipient_name, recipient_contact;
};

// One customer set of an accepted stage.
struct Source {
    uint32_t stage_number = 0;
    std::string stage;
    uint32_t set_index = 0;               // in the manifest
    handover::SetSummary summary;
    uint32_t chunk_size = 0;
    NoticeSet fields;
    std::vector<size_t> out_columns;      // per contact field: its column in the CSV
};

struct NoticePlan {
    LoadedPlan lp;
    std::vector<Source> sources;
    std::vector<std::string> included, skipped;  // stage names (skipped: "name (state)")
    std::vector<std::string> sets_without_contacts;
    std::vector<std::string> contact_columns;    // the union, as written in the header
};

const std::vector<std::string> kLeading{"deal", "stage", "record_set", "customer_key"};
const std::vector<std::string> kTrailing{"reachable_through", "contact_notes", "recipient_name",
                                         "recipient_contact", "transferor_name", "purpose"};

std::string column_name(const std::string& field) {
    for (const auto* fixed : {&kLeading, &kTrailing})
        if (std::find(fixed->begin(), fixed->end(), field) != fixed->end()) return "field:" + field;
    return field;
}

Result<handover::Manifest> stored_manifest(const storage::StageRow& row, const std::string& label) {
    if (!row.manifest) return verify_error(label + " is stored without its manifest");
    auto env = handover::decode_signed(*row.manifest);
    if (!env) return verify_error(label + ": stored manifest: " + env.error().message());
    auto m = handover::open_manifest(*env);
    if (!m) return verify_error(label + ": stored manifest: " + m.error().message());
    return std::move(m).value();
}

Status add_stage(NoticePlan& p, uint32_t n, const handover::Manifest& m) {
    const std::string label = stage_label(p.lp.plan.deal, n, p.lp.plan.stages[n].name);
    for (uint32_t i = 0; i < m.sets.size(); ++i) {
        auto fields = notice_set(m.sets[i]);
        if (!fields) return fields.error().context(label);
        if (!fields->customers()) {
            p.sets_without_contacts.push_back(m.sets[i].name);
            continue;
        }
        Source s{n, p.lp.plan.stages[n].name, i, m.sets[i], m.chunk_size, std::move(fields).value(), {}};
        for (const auto& f : s.fields.fields) {
            const std::string col = column_name(f.name);
            auto it = std::find(p.contact_columns.begin(), p.contact_columns.end(), col);
            if (it == p.contact_columns.end()) it = p.contact_columns.insert(p.contact_columns.end(), col);
            s.out_columns.push_back(kLeading.size() + static_cast<size_t>(it - p.contact_columns.begin()));
        }
        p.sources.push_back(std::move(s));
    }
    return ok_status();
}

// The deal's accepted stages and their customer sets. Fails (conflict) when this agent is not the
// buyer or no stage is accepted.
Result<NoticePlan> plan_notices(Home& home, const std::string& deal) {
    BATON_TRY(certs::check_deal_id(deal));
    NoticePlan p;
    BATON_ASSIGN(p.lp, load_plan(home, deal));
    if (p.lp.stored.role != "buyer")
        return conflict_error("this agent is the " + p.lp.stored.role + " of deal " + deal +
                              ": only the buyer (the recipient) writes the notices");
    for (uint32_t n = 0; n < p.lp.plan.stages.size(); ++n) {
        const std::string& name = p.lp.plan.stages[n].name;
        BATON_ASSIGN(auto row, storage::find_stage(home.db(), deal, n));
        if (!row || row->state != "accepted") {
            p.skipped.push_back(name + " (" + (row ? row->state : std::string("pending")) + ")");
            continue;
        }
        BATON_ASSIGN(auto m, stored_manifest(*row, stage_label(deal, n, name)));
        BATON_TRY(add_stage(p, n, m));
        p.included.push_back(name);
    }
    if (p.included.empty())
        return conflict_error("no stage of deal " + deal + " is accepted yet: there is nobody to notify (see baton status)");
    return p;
}

// Counts for the result and the audit row; never values.
struct Tally {
    uint64_t rows = 0, unreachable = 0;
    std::map<std::string, uint64_t> notes;  // "mobile: masked" -> rows
};

// Gives the CSV rows of every source in turn.
class RowSource {
public:
    RowSource(Home& home, const crypto::Key32& key, const NoticePlan& p, const std::vector<std::string>& fixed_tail)
        : home_(home), key_(key), plan_(p), tail_(fixed_tail),
          width_(kLeading.size() + p.contact_columns.size() + kTrailing.size()) {}

    const Tally& tally() const { return tally_; }

    Result<bool> next(std::vector<records::FieldValue>& out) {
        while (true) {
            if (!reader_) {
                if (current_ == plan_.sources.size()) return false;
                BATON_TRY(open(plan_.sources[current_]));
            }
            BATON_ASSIGN(bool more, reader_->next(row_));
            const Source& s = plan_.sources[current_];
            if (more) {
                ++seen_;
                fill(s, out);
                return true;
            }
            if (seen_ != s.summary.records)
                return verify_error(stage_label(plan_.lp.plan.deal, s.stage_number, s.stage) + ": set " + s.summary.name +
                                    " holds " + std::to_string(seen_) + " records; its manifest says " +
                                    std::to_string(s.summary.records));
            reader_.reset();
            ++current_;
        }
    }

private:
    Status open(const Source& s) {
        const storage::CheckSet check{s.summary.name, s.summary.schema_json, s.summary.columns};
        BATON_ASSIGN(auto r, storage::StageSetReader::open(home_.db(), key_, plan_.lp.plan.deal, s.stage_number, check,
                                                            s.set_index, s.chunk_size));
        reader_.emplace(std::move(r));
        seen_ = 0;
        return ok_status();
    }

    static std::string joined(const std::vector<std::string>& parts) {
        std::string s;
        for (const auto& p : parts) s += (s.empty() ? "" : "; ") + p;
        return s;
    }

    void fill(const Source& s, std::vector<records::FieldValue>& out) {
        NoticeRow r = notice_row(s.fields, row_);
        ++tally_.rows;
        if (r.reachable.empty()) ++tally_.unreachable;
        for (const auto& n : r.notes) ++tally_.notes[n];
        // Owned texts first (views below point into them; they live until the next call).
        key_text_ = std::move(r.key);
        reachable_ = joined(r.reachable);
        notes_ = joined(r.notes);
        out.assign(width_, records::FieldValue());
        out[0] = plan_.lp.plan.deal;
        out[1] = s.stage;
        out[2] = s.summary.name;
        out[3] = key_text_;
        for (size_t i = 0; i < r.values.size(); ++i) out[s.out_columns[i]] = r.values[i];
        const size_t t = kLeading.size() + plan_.contact_columns.size();
        out[t] = reachable_;
        out[t + 1] = notes_;
        for (size_t i = 0; i < tail_.size(); ++i) out[t + 2 + i] = tail_[i];
    }

    Home& home_;
    const crypto::Key32& key_;
    const NoticePlan& plan_;
    const std::vector<std::string>& tail_;  // recipient_name, recipient_contact, transferor_name, purpose
    size_t width_;
    size_t current_ = 0;
    std::optional<storage::StageSetReader> reader_;
    std::vector<records::FieldValue> row_;
    uint64_t seen_ = 0;
    std::string key_text_, reachable_, notes_;
    Tally tally_;
};

Status check_text_option(const std::string& what, const std::string& v) {
    if (v.size() > kMaxTextOption) return usage_error(what + " is at most " + std::to_string(kMaxTextOption) + " bytes");
    if (!records::utf8::is_valid(v)) return usage_error(what + " is not valid UTF-8");
    return ok_status();
}

// recipient_name, recipient_contact, transferor_name, purpose. Fails (usage) without a contact.
Result<std::vector<std::string>> fixed_tail(Home& home, const NoticesArgs& a, const NoticePlan& p) {
    std::vector<std::string> tail{a.recipient_name.empty() ? home.identity().name : a.recipient_name,
                                  a.recipient_contact.empty() ? home.identity().contact : a.recipient_contact,
                                  p.lp.plan.seller.name, a.purpose};
    if (tail[1].empty())
        return usage_error("this agent's identity has no contact, and PIPL Art. 22 notices must tell people how to reach "
                           "the recipient: give --recipient-contact TEXT");
    return tail;
}

std::string notes_text(const Tally& t) {
    std::string s;
    for (const auto& [note, n] : t.notes) s += (s.empty() ? "" : ", ") + note + " in " + std::to_string(n);
    return s;
}

std::string list_text(const std::vector<std::string>& parts) {
    std::string s;
    for (const auto& p : parts) s += (s.empty() ? "" : ", ") + p;
    return s.empty() ? "none" : s;
}

std::vector<std::string> header_of(const NoticePlan& p) {
    std::vector<std::string> header = kLeading;
    header.insert(header.end(), p.contact_columns.begin(), p.contact_columns.end());
    header.insert(header.end(), kTrailing.begin(), kTrailing.end());
    return header;
}

void print_notices(Context& ctx, const NoticesArgs& a, const NoticePlan& p, const Tally& t, const std::vector<std::string>& tail) {
    nlohmann::json notes = nlohmann::json::object();
    for (const auto& [note, n] : t.notes) notes[note] = n;
    nlohmann::json j{{"deal", a.deal},
                     {"out", a.out},
                     {"format", "csv"},
                     {"rows", t.rows},
                     {"unreachable", t.unreachable},
                     {"contact_notes", notes},
                     {"columns", header_of(p)},
                     {"stages_included", p.included},
                     {"stages_skipped", p.skipped},
                     {"sets_without_contact_fields", p.sets_without_contacts},
                     {"recipient", {{"name", tail[0]}, {"contact", tail[1]}}},
                     {"transferor", tail[2]}};
    TextBlock text;
    text.line("notices", std::to_string(t.rows) + " customer records of deal " + a.deal + " written to " + a.out);
    text.line("stages included", list_text(p.included));
    if (!p.skipped.empty()) text.line("stages not accepted", list_text(p.skipped) + ": nothing from them");
    text.line("contact fields", list_text(p.contact_columns));
    if (!p.sets_without_contacts.empty()) text.line("sets without contacts", list_text(p.sets_without_contacts));
    text.line("recipient", tail[0] + " (" + tail[1] + ")").line("transferor", tail[2]);
    if (t.rows > 0) text.line("reachable", std::to_string(t.rows - t.unreachable) + " of " + std::to_string(t.rows));
    ctx.out.result(j, text.str());
}

// Warnings about what the batch cannot do.
void warn_gaps(Context& ctx, const NoticePlan& p, const Tally& t) {
    if (p.sources.empty())
        ctx.out.warn("no set of the accepted stages has a contact field (baton notices --help says which count): the "
                     "notice file holds its header only");
    if (t.unreachable > 0)
        ctx.out.warn(std::to_string(t.unreachable) + " of " + std::to_string(t.rows) +
                     " customer records have no usable contact (" + notes_text(t) +
                     "): they cannot be notified through the data received; a masked, pseudonymized or dropped field "
                     "cannot be used to reach anyone");
}

Status run_notices(Context& ctx, const NoticesArgs& a) {
    if (a.format != "csv") return usage_error("--format: only csv is supported");
    BATON_TRY(check_text_option("--purpose", a.purpose));
    if (a.purpose.empty()) return usage_error("--purpose must not be empty");
    BATON_TRY(check_text_option("--recipient-name", a.recipient_name));
    BATON_TRY(check_text_option("--recipient-contact", a.recipient_contact));
    BATON_ASSIGN(auto dir, ctx.home_dir());
    BATON_ASSIGN(auto home, Home::open(dir));
    {  // refuse before asking for a passphrase
        BATON_ASSIGN(const NoticePlan early, plan_notices(home, a.deal));
        BATON_TRY(fixed_tail(home, a, early));
    }
    BATON_ASSIGN(auto keys, home.unlock(ctx));
    // The audit row and the file go together: the row commits only once the file is in place.
    BATON_ASSIGN(auto tx, storage::Transaction::begin(home.db()));
    BATON_ASSIGN(const NoticePlan p, plan_notices(home, a.deal));
    BATON_ASSIGN(const auto tail, fixed_tail(home, a, p));
    RowSource rows(home, keys.storage_key, p, tail);
    BATON_ASSIGN(const uint64_t written, write_export_file(a.out, records::Format::csv, header_of(p),
                                                           [&](std::vector<records::FieldValue>& row) { return rows.next(row); }));
    const Tally& t = rows.tally();
    BATON_TRY(home.audit("notices", "deal " + a.deal + ": " + std::to_string(written) + " notice rows from stages " +
                                        list_text(p.included) + " to " + a.out + ", " + std::to_string(t.unreachable) +
                                        " without a usable contact"));
    if (auto committed = tx.commit(); !committed) {
        ::unlink(a.out.c_str());
        return committed.error();
    }
    warn_gaps(ctx, p, t);
    print_notices(ctx, a, p, t, tail);
    return ok_status();
}

}  // namespace

void register_notices_command(CLI::App& app, Context& ctx, Action& action) {
    auto a = std::make_shared<NoticesArgs>();
    auto* cmd = app.add_subcommand(
        "notices",
        "As the buyer, write the PIPL Art. 22 notice batch of a deal as CSV: one row per customer received in an\n"
        "accepted stage, with the contact details received, the recipient's (this agent's) name and contact, the\n"
        "transferor (the seller), the stage and the purpose.\n"
        "Columns: deal, stage, record_set, customer_key, <contact fields>, reachable_through, contact_notes,\n"
        "recipient_name, recipient_contact, transferor_name, purpose (RFC 4180, UTF-8, CRLF, header row).\n"
        "Contact fields: fields of the schema as sent typed cn_mobile or email, or whose name contains name, addr,\n"
        "contact, phone, mobile, mail, 姓名, 名称, 地址, 电话, 手机, 联系, 邮箱 or 邮件 (ASCII case-insensitive), except\n"
        "identifiers (id, *_id) and, when matched by name only, primary key fields and references. Every record of a\n"
        "set with a contact field is one customer, keyed by the set's primary key. A record is reachable when a kept\n"
        "channel (any contact field but a name) holds a value; masked, pseudonymized, dropped and empty contact fields\n"
        "are named in contact_notes, counted, and warned about. Stages that are not accepted contribute nothing.\n"
        "The file is written atomically, mode 0600; the audit row holds counts only.");
    cmd->add_option("--deal", a->deal, "Deal id")->required();
    cmd->add_option("--out", a->out, "The CSV file to write (replaced atomically)")->required();
    cmd->add_option("--format", a->format, "csv (the only format)");
    cmd->add_option("--purpose", a->purpose, "The purpose text of every notice (default: a PIPL Art. 22 transfer notice)");
    cmd->add_option("--recipient-name", a->recipient_name, "The recipient's legal name (default: this agent's identity name)");
    cmd->add_option("--recipient-contact", a->recipient_contact,
                    "How people reach the recipient (default: this agent's identity contact; required when it has none)");
    cmd->callback([&ctx, &action, a] { action = [&ctx, a] { return run_notices(ctx, *a); }; });
}

}  // namespace baton::agent
