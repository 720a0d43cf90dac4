#include "storage/records/import_check.h"

#include <nlohmann/json.hpp>

namespace baton::records {

namespace {

void keep_problem(ImportReport& report, const Problem& p, size_t cap) {
    ++report.problems_total;
    if (report.problems.size() < cap) report.problems.push_back(p);
}

}  // namespace

Result<ImportReport> check_import(ByteSource& source, std::string file, const Schema& schema, Validator& validator,
                                  RowSink& sink, const ImportOptions& options) {
    ImportReport report;
    report.file = file;
    report.format = options.format;
    BATON_ASSIGN(auto reader, open_reader(options.format, source, file, schema.field_names(), options.reader));
    report.encoding = reader->encoding();
    BATON_ASSIGN(ColumnMap map, map_columns(schema, reader->columns(), file));
    Record record;
    std::vector<FieldValue> row;
    std::vector<Problem> problems;
    for (;;) {
        BATON_ASSIGN(bool got, reader->next(record));
        if (!got) break;
        ++report.records;
        problems.clear();
        row.clear();
        bool ok = false;
        if (record.problem) {
            validator.count_reader_problem(*record.problem);
            problems.push_back(*record.problem);
        } else {
            map_row(map, record, row);
            ok = validator.check_row(record.line, row, problems);
            for (Problem& p : problems) p.offset = record.offset;  // the validator knows lines only
        }
        for (const Problem& p : problems) keep_problem(report, p, options.max_reported);
        if (ok) {
            ++report.accepted;
            BATON_TRY(sink.accept(record, row));
        } else {
            ++report.rejected;
            BATON_TRY(sink.reject(record, row, problems));
        }
    }
    report.stats = validator.stats();
    return report;
}

std::string report_text(const ImportReport& r, const Schema& schema) {
    std::string out;
    for (const Problem& p : r.problems) out += format_problem(r.file, p) + "\n";
    if (r.problems_total > r.problems.size())
        out += "... and " + std::to_string(r.problems_total - r.problems.size()) + " more problems\n";
    out += r.file + ": " + std::to_string(r.records) + " records (" + std::string(encoding_name(r.encoding.encoding)) +
           "), " + std::to_string(r.accepted) + " acceptable, " + std::to_string(r.rejected) + " refused\n";
    for (const auto& [k, n] : r.stats.errors_by_kind) out += "  errors   " + k + ": " + std::to_string(n) + "\n";
    for (const auto& [k, n] : r.stats.warnings_by_kind) out += "  warnings " + k + ": " + std::to_string(n) + "\n";
    for (size_t i = 0; i < schema.fields.size() && i < r.stats.nulls.size(); ++i)
        if (r.stats.nulls[i])
            out += "  nulls    " + schema.fields[i].name + ": " + std::to_string(r.stats.nulls[i]) + "\n";
    return out;
}

std::string report_json(const ImportReport& r, const Schema& schema) {
    nlohmann::ordered_json j;
    j["file"] = r.file;
    j["set"] = schema.set;
    j["format"] = r.format == Format::csv ? "csv" : "jsonl";
    j["encoding"] = std::string(encoding_name(r.encoding.encoding));
    j["records"] = r.records;
    j["accepted"] = r.accepted;
    j["rejected"] = r.rejected;
    j["errors_by_kind"] = r.stats.errors_by_kind;
    j["warnings_by_kind"] = r.stats.warnings_by_kind;
    nlohmann::ordered_json nulls = nlohmann::ordered_json::object();
    for (size_t i = 0; i < schema.fields.size() && i < r.stats.nulls.size(); ++i)
        nulls[schema.fields[i].name] = r.stats.nulls[i];
    j["nulls"] = nulls;
    j["problems_total"] = r.problems_total;
    j["problems"] = nlohmann::ordered_json::array();
    for (const Problem& p : r.problems) {
        j["problems"].push_back({{"line", p.line},
                                 {"offset", p.offset},
                                 {"field", p.field},
                                 {"kind", p.kind},
                                 {"severity", p.severity == Severity::error ? "error" : "warning"},
                                 {"message", p.message}});
    }
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);  // paths may not be UTF-8
}

}  // namespace baton::records
