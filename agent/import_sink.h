// Where `baton import` sends the rows that records::check_import() reads: acceptable rows to
// the record store, refused ones to the rejects file (--rejects) or nowhere.
//
// Rejects file (personal data: mode 0600), UTF-8, in the input's format, one entry per refused
// record, each with its line and every reason (never more than the file already held):
//   csv    header "_line,_problems,<schema fields>", CRLF line ends; a record the reader could
//          split has its values in schema field order; one it could not (wrong column count,
//          undecodable bytes) is written as "_line,_problems," followed by its raw bytes exactly
//          as they were in the input (so undecodable bytes stay undecodable).
//   jsonl  {"_line":N,"_problems":"...",<field>:<value>...}, or with "_raw" holding the line as
//          text, or "_raw_hex" when it is not valid UTF-8.
// The file is written under a temporary name and renamed into place by commit(); a failed import
// leaves no rejects file.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "storage/record_store.h"
#include "storage/records/byte_io.h"
#include "storage/records/import_check.h"

namespace baton::agent {

class RejectsFile {
public:
    // Creates `path`'s temporary twin and writes the header. Fails (io) naming the path.
    static Result<std::unique_ptr<RejectsFile>> create(const std::string& path, records::Format format,
                                                       std::vector<std::string> fields);
    ~RejectsFile();  // removes the temporary file unless committed

    Status write(const records::Record& record, std::span<const records::FieldValue> row,
                 std::span<const records::Problem> problems);
    // Flushes, syncs and renames the file into place.
    Status commit();

private:
    RejectsFile(std::string path, std::string tmp, records::Format format, std::unique_ptr<records::FileSink> sink)
        : path_(std::move(path)), tmp_(std::move(tmp)), format_(format), sink_(std::move(sink)) {}
    void append_csv(const records::Record& record, std::span<const records::FieldValue> row, const std::string& why);
    void append_jsonl(const records::Record& record, std::span<const records::FieldValue> row, const std::string& why);

    std::string path_, tmp_;
    records::Format format_;
    std::vector<std::string> fields_;
    std::unique_ptr<records::FileSink> sink_;
    std::string buf_;
    bool committed_ = false;
};

// Feeds acceptable rows to `writer` and refused records to `rejects` (may be null). Without a
// rejects file the import is all or nothing: after the first refused record nothing more is
// sealed, since the transaction will be rolled back anyway; checking goes on to report every
// problem.
class ImportSink final : public records::RowSink {
public:
    ImportSink(storage::RecordSetWriter& writer, RejectsFile* rejects) : writer_(writer), rejects_(rejects) {}
    Status accept(const records::Record& record, std::span<const records::FieldValue> row) override;
    Status reject(const records::Record& record, std::span<const records::FieldValue> row,
                  std::span<const records::Problem> problems) override;

private:
    storage::RecordSetWriter& writer_;
    RejectsFile* rejects_;
    bool refused_ = false;
};

}  // namespace baton::agent
