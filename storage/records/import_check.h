// The pure part of `baton import`: read a file, map its columns to the schema, check every
// record, hand acceptable rows and refused records to the caller, and build the import report.
// The caller (storage/agent) owns the transaction: with the default all-or-nothing policy it
// stores the accepted rows only when report.ok(); with --rejects it stores them anyway and
// writes the refused records to the rejects file.
//
// Fatal problems (the file cannot be read as a whole: see record_reader.h; or its columns do not
// match the schema; or a RowSink call fails) come back as an Error; the caller stores nothing.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "storage/records/record_reader.h"
#include "storage/records/validator.h"

namespace baton::records {

class RowSink {
public:
    virtual ~RowSink() = default;
    // An acceptable row (no errors; its warnings were reported), values in schema field order.
    // Views are valid during the call only.
    virtual Status accept(const Record& record, std::span<const FieldValue> row) = 0;
    // A refused record with all its problems. `row` is empty when the reader could not split or
    // decode it (record.problem is set), else the values in schema field order.
    virtual Status reject(const Record& record, std::span<const FieldValue> row, std::span<const Problem> problems) = 0;
};

struct ImportOptions {
    Format format = Format::csv;
    ReaderOptions reader;
    size_t max_reported = 1000;  // problems kept in the report (all are counted)
};

struct ImportReport {
    std::string file;
    Format format = Format::csv;
    ResolvedEncoding encoding;
    uint64_t records = 0;
    uint64_t accepted = 0;
    uint64_t rejected = 0;
    ImportStats stats;
    std::vector<Problem> problems;  // the first max_reported, errors and warnings, in file order
    uint64_t problems_total = 0;

    bool ok() const { return rejected == 0; }
};

// Reads all of `source` as `file`. REQUIRES: `validator` was made for `schema`.
Result<ImportReport> check_import(ByteSource& source, std::string file, const Schema& schema, Validator& validator,
                                  RowSink& sink, const ImportOptions& options = {});

// The report for people: one line per problem ("file:line: field 'f': reason"), then totals,
// problems by kind and nulls per field.
std::string report_text(const ImportReport& report, const Schema& schema);

// The same as one JSON object (for --json).
std::string report_json(const ImportReport& report, const Schema& schema);

}  // namespace baton::records
