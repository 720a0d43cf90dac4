// Writers for `baton export`: CSV (RFC 4180) and JSON Lines, in UTF-8, giving back exactly the
// text that was imported.
//
// CSV: a header row, then one record per row, CRLF line ends (RFC 4180; LF on request). A field
// is quoted only when it holds a comma, a quote, CR or LF (or is the file's first field and
// starts with U+FEFF, which would read back as a byte order mark); quotes inside are doubled.
// Null is an empty field. Nothing is added or escaped otherwise — formula-like text such as =SUM(A1) is
// written as is, because the export must equal the import (open it in a spreadsheet with care).
//
// JSON Lines: one object per record, keys in column order, LF line ends. Values are JSON strings
// (escaping only '"', '\', and control characters), null for null; a column flagged numeric
// writes a value that is a valid JSON number as a bare number, text exactly as stored.
//
// Both buffer up to 64 KiB and write it to the sink; finish() writes the rest. A failed write
// leaves the writer dead (every later call fails).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "storage/records/byte_io.h"
#include "storage/records/record_reader.h"

namespace baton::records {

class RecordWriter {
public:
    virtual ~RecordWriter() = default;
    // Writes one record: values by column. REQUIRES: values.size() == the number of columns.
    // Fails (io) as the sink does.
    virtual Status write(std::span<const FieldValue> values) = 0;
    // Writes out everything buffered. Fails (io) as the sink does.
    virtual Status finish() = 0;
};

class BufferedWriter : public RecordWriter {
public:
    Status finish() override;

protected:
    explicit BufferedWriter(ByteSink& sink) : sink_(sink) {}
    // Sends the buffer to the sink once it holds 64 KiB.
    Status maybe_flush();
    std::string buf_;

private:
    ByteSink& sink_;
    std::optional<Error> dead_;
};

class CsvWriter final : public BufferedWriter {
public:
    // Buffers the header row. REQUIRES: `sink` outlives the writer; columns non-empty.
    CsvWriter(ByteSink& sink, std::span<const std::string> columns, std::string line_end = "\r\n");
    Status write(std::span<const FieldValue> values) override;

private:
    void field(std::string_view v, bool force_quotes = false);
    std::string line_end_;
};

class JsonlWriter final : public BufferedWriter {
public:
    // `numeric`: per column, whether JSON-number-shaped values are written as numbers (empty:
    // none are). REQUIRES: `sink` outlives the writer; numeric empty or one flag per column.
    JsonlWriter(ByteSink& sink, std::span<const std::string> columns, std::vector<bool> numeric = {});
    Status write(std::span<const FieldValue> values) override;

private:
    std::vector<std::string> keys_;  // column names, already JSON-encoded with quotes
    std::vector<bool> numeric_;
};

// Appends `v` as a JSON string literal (with quotes) to `out`.
void append_json_string(std::string& out, std::string_view v);

}  // namespace baton::records
