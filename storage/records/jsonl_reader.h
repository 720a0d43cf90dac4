// Streaming JSON Lines reader: one JSON object per line (LF or CRLF), values strings, numbers
// or null, matched to columns by key.
//
// Values: a string reads as its decoded text, a number as its exact source text ("1.50" stays
// "1.50", "-0" stays "-0"), null and "" as null; a key that is absent reads as null.
//
// Fatal errors (bad_input, naming file, line and byte offset): a line longer than
// max_record_bytes, a NUL byte, a file without any line (unless allow_no_records).
// Record-level problems: a line that is not one JSON object or breaks JSON syntax, or is blank
// (bad_json); a boolean, object or array value (unsupported_value, naming the key); a key not
// among the columns (unknown_field); a key given twice (duplicate_field); undecodable bytes
// (invalid_encoding). Offsets of JSON errors are exact for UTF-8 input; for GB18030 input they
// point at the start of the line.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "storage/records/input_buffer.h"
#include "storage/records/json_line.h"
#include "storage/records/record_reader.h"

namespace baton::records {

class JsonlReader final : public RecordReader {
public:
    // `columns`: the accepted keys, in the order values come back. REQUIRES: `source` outlives
    // the reader. Fails (usage) when columns is empty or repeats a name, else as next() does.
    static Result<std::unique_ptr<JsonlReader>> open(ByteSource& source, std::string file,
                                                     std::vector<std::string> columns, ReaderOptions options = {});

    std::span<const std::string> columns() const override { return columns_; }
    ResolvedEncoding encoding() const override { return decoder_->encoding(); }
    Result<bool> next(Record& out) override;
    uint64_t bytes_read() const override { return in_.bytes_read(); }

private:
    JsonlReader(ByteSource& source, std::string file, std::vector<std::string> columns, ReaderOptions options);

    Result<bool> find_line();  // false: no line left
    std::optional<Problem> parse_line(std::string_view raw, Record& out);
    std::optional<Problem> map_members(std::string_view text, bool exact_offsets, Record& out);
    Problem problem_at(size_t pos, bool exact, std::string_view kind, std::string message, std::string field) const;
    Error fail(Error e);

    std::string file_;
    ReaderOptions opt_;
    InputBuffer in_;
    std::optional<TextDecoder> decoder_;
    std::vector<std::string> columns_;
    std::unordered_map<std::string_view, size_t> index_;
    std::optional<Error> dead_;

    uint64_t line_ = 0;       // line number of the current line
    size_t line_len_ = 0;     // bytes of the current line, without its LF
    size_t consumed_len_ = 0; // bytes to drop before the next line
    size_t scan_pos_ = 0;     // where the LF search resumes, relative to the window
    uint64_t records_ = 0;

    std::string decoded_;     // GB18030 line converted to UTF-8
    std::string arena_;       // strings with escapes
    std::vector<JsonMember> members_;
    std::vector<bool> seen_;
};

}  // namespace baton::records
