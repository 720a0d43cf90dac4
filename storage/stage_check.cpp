// handover_store.h: the buyer's check of a stage: decrypt, decode, check every value against the
// schema as sent, and count, total and digest what was received.
#include <unordered_set>

#include "storage/batch_pipeline.h"
#include "storage/decimal_sum.h"
#include "storage/handover_rows.h"
#include "storage/stage_chunks.h"
#include "storage/records/value_checks.h"
#include "storage/stage_schema.h"

namespace baton::storage {

namespace {

// One set's running check.
struct SetTally {
    ReceivedSet received;
    std::vector<size_t> decimal_fields;
    std::vector<DecimalSum> sums;
    std::vector<std::unordered_set<std::string_view>> enums;  // per field; empty unless enum
    std::vector<bool> identifying;
    uint64_t records = 0;
};

SetTally make_tally(ReceivedSet received) {
    SetTally t{std::move(received), {}, {}, {}, {}, 0};
    const auto& fields = t.received.schema.fields;
    t.enums.resize(fields.size());
    for (size_t i = 0; i < fields.size(); ++i) {
        const records::FieldDef& f = fields[i];
        t.identifying.push_back(f.in_primary_key || f.unique || f.references.has_value());
        for (const std::string& v : f.values) t.enums[i].insert(v);
        if (f.type != records::FieldType::decimal) continue;
        t.decimal_fields.push_back(i);
        t.sums.emplace_back(f.scale);
    }
    return t;
}

// The first problem of one value of field f, as "kind: message"; empty when it is acceptable.
// Birth dates are not compared with today: the seller's import did that, and the check must not
// depend on the buyer's clock.
std::string value_problem(const SetTally& t, size_t f, const FieldValue& v) {
    const records::FieldDef& def = t.received.schema.fields[f];
    if (!v) return def.is_required() ? "required_missing: a required field is null" : "";
    std::vector<records::Finding> findings;
    records::check_value(def, *v, {records::CivilDate{9999, 12, 31}, t.identifying[f]}, findings);
    for (const auto& finding : findings)
        if (finding.severity == records::Severity::error) return std::string(finding.kind) + ": " + finding.message;
    if (def.type == records::FieldType::enumeration && !t.enums[f].count(*v))
        return "not_in_enum: not one of the schema's values";
    return "";
}

class Checker {
public:
    explicit Checker(StageCheck& out) : out_(out) {}

    // Parses the sets' schemas; false (with the failure recorded) when one is invalid.
    bool start(const std::vector<CheckSet>& sets);
    // Checks one decoded batch; false (with the failure recorded) on the first problem.
    bool batch(const StageBatch& b);
    void finish(const std::vector<CheckSet>& sets);
    bool fail(std::string_view code, std::string detail) {
        out_.ok = false;
        out_.code = std::string(code);
        out_.detail = std::move(detail);
        return false;
    }

private:
    bool record(SetTally& t, const std::string& set, const std::vector<FieldValue>& row);

    StageCheck& out_;
    std::vector<SetTally> tallies_;
    uint32_t current_ = 0;  // sets come in order: a batch never goes back to an earlier set
    std::vector<FieldValue> row_;
};

bool Checker::start(const std::vector<CheckSet>& sets) {
    tallies_.reserve(sets.size());  // the enum sets view strings of the schemas: never copied
    for (const CheckSet& s : sets) {
        auto received = parse_received_set(s);
        if (!received) return fail(fault::schema_invalid, received.error().message());
        tallies_.push_back(make_tally(std::move(received).value()));
    }
    return true;
}

bool Checker::batch(const StageBatch& b) {
    if (b.set() >= tallies_.size())
        return fail(fault::unknown_set, "a batch names set " + std::to_string(b.set()) + " of " +
                                            std::to_string(tallies_.size()));
    if (b.set() < current_) return fail(fault::batch_malformed, "a batch of set " + std::to_string(b.set()) +
                                                                    " follows one of set " + std::to_string(current_));
    current_ = b.set();
    SetTally& t = tallies_[current_];
    const std::string& name = t.received.schema.set;
    if (!b.fields_are(t.received.schema.fields.size()))
        return fail(fault::batch_malformed, "set " + name + ": a record of the wrong number of fields (after record " +
                                                std::to_string(t.records) + ")");
    for (uint32_t i = 0; i < b.records(); ++i) {
        b.record(i, row_);
        if (!record(t, name, row_)) return false;
    }
    return true;
}

bool Checker::record(SetTally& t, const std::string& set, const std::vector<FieldValue>& row) {
    ++t.records;
    for (size_t f = 0; f < row.size(); ++f) {
        const std::string problem = value_problem(t, f, row[f]);
        if (!problem.empty())
            return fail(fault::schema_violation, "set " + set + ", record " + std::to_string(t.records) + ", field '" +
                                                     t.received.schema.fields[f].name + "': " + problem);
    }
    for (size_t k = 0; k < t.decimal_fields.size(); ++k) {
        const FieldValue& v = row[t.decimal_fields[k]];
        if (v && !t.sums[k].add(*v))  // check_value accepted it, so this is our bug
            return fail(fault::schema_violation, "set " + set + ", record " + std::to_string(t.records) +
                                                     ": a decimal value that cannot be summed");
    }
    return true;
}

void Checker::finish(const std::vector<CheckSet>& sets) {
    for (size_t i = 0; i < tallies_.size(); ++i) {
        const SetTally& t = tallies_[i];
        PreparedSet s{sets[i].name, sets[i].schema_json, sets[i].columns, t.records, {}, {}};
        for (size_t k = 0; k < t.decimal_fields.size(); ++k)
            s.totals.push_back({t.received.schema.fields[t.decimal_fields[k]].name, t.sums[k].text()});
        out_.sets.push_back(std::move(s));
    }
}

// Feeds every batch of the stage to the checker (decoded on a second thread), then records the
// digest.
Status run_check(StagePlaintextReader& reader, Checker& checker, StageCheck& out) {
    BatchPipeline pipeline(reader);
    for (;;) {
        const StageBatch* batch = nullptr;
        BATON_ASSIGN(auto step, pipeline.next(batch));
        if (step == BatchPipeline::Step::fault) {
            checker.fail(pipeline.fault().code, pipeline.fault().detail);
            break;
        }
        if (step == BatchPipeline::Step::end || !checker.batch(*batch)) break;
    }
    pipeline.finish();
    out.plaintext_bytes = reader.plaintext_bytes();
    out.plaintext_digest = reader.plaintext_digest();
    return ok_status();
}

}  // namespace

Result<StageCheck> check_stage(Database& db, std::string_view deal, uint32_t stage_number,
                               const crypto::Key32& content_key, uint32_t chunk_size,
                               const std::vector<CheckSet>& sets) {
    if (chunk_size < kMinChunkSize || chunk_size > kMaxChunkSize)
        return input_error("chunk size " + std::to_string(chunk_size) + " is out of range");
    BATON_ASSIGN(auto row, require_stage(db, deal, stage_number));
    if (row.chunk_count == 0) return verify_error(stage_label(deal, stage_number) + " has no chunks");
    StageCheck out;
    Checker checker(out);
    if (!checker.start(sets)) return out;
    BATON_ASSIGN(auto reader, StagePlaintextReader::open(db, deal, stage_number, content_key, chunk_size, row.chunk_count));
    BATON_TRY(run_check(reader, checker, out));
    if (out.ok) checker.finish(sets);
    return out;
}

}  // namespace baton::storage
