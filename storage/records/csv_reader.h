// Streaming RFC 4180 CSV reader.
//
// Accepted: a header row naming the columns; fields separated by commas; records ended by CRLF or
// LF (or the end of the file); fields in double quotes may hold commas, CR, LF and doubled quotes
// (""), which read as one quote. Values are the exact text between the delimiters — nothing is
// trimmed or normalised; a quoted field's CR LF stays CR LF. Empty fields read as null.
//
// Fatal errors (bad_input; see record_reader.h), each naming file, line and byte offset:
//  - a quote inside an unquoted field, or any character but a delimiter after a closing quote;
//  - a quoted field still open at the end of the file (names the line where it opened);
//  - a CR not followed by LF outside quotes (old Mac line endings);
//  - a NUL byte (UTF-16 or binary input);
//  - a field longer than max_field_bytes or a record longer than max_record_bytes (raw bytes);
//  - in the header: no header at all (empty file), an empty or duplicate column name, more than
//    max_columns columns, or undecodable bytes.
// Record-level problems: a record whose field count differs from the header's
// (wrong_column_count, including a blank line), and undecodable bytes (invalid_encoding, with the
// line and offset of the first bad byte).
//
// Performance: one pass over each byte in a table-driven loop, values are views into the read
// buffer (copied only for GB18030 conversion or doubled quotes), no allocation per record once
// the buffers are warm.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "storage/records/byte_io.h"
#include "storage/records/input_buffer.h"
#include "storage/records/record_reader.h"

namespace baton::records {

class CsvReader final : public RecordReader {
public:
    // Resolves the encoding and reads the header. REQUIRES: `source` outlives the reader.
    // `file` names the input in messages. Fails as the file comment says.
    static Result<std::unique_ptr<CsvReader>> open(ByteSource& source, std::string file, ReaderOptions options = {});

    std::span<const std::string> columns() const override { return columns_; }
    ResolvedEncoding encoding() const override { return decoder_->encoding(); }
    Result<bool> next(Record& out) override;
    uint64_t bytes_read() const override { return in_.bytes_read(); }

private:
    enum class State : uint8_t { field_start, unquoted, quoted, quote_seen, cr_seen };
    struct Span {
        uint32_t begin;  // relative to the record start; excludes the quotes of a quoted field
        uint32_t end;
        bool escapes;    // holds doubled quotes
    };
    struct Piece {       // where a decoded value lives until views are made
        bool in_arena;
        size_t begin;
        size_t size;
    };

    CsvReader(ByteSource& source, std::string file, ReaderOptions options);

    Status init();
    Status read_header();
    Result<bool> scan_record();  // false: no record left
    Status scan_available();     // advances the state machine over the buffered bytes
    Status finish_at_eof();
    Status check_bounds();
    Status push_field(size_t end);
    Status end_record(size_t content_end, size_t next);
    void start_record();
    std::optional<Problem> decode_fields(Record& out);
    void unescape(Piece& piece);
    // A fatal error at record-relative position rel_pos, on `line` (0: the current line).
    Error fatal(size_t rel_pos, std::string_view message, uint64_t line = 0);
    uint64_t field_line() const;
    Error fail(Error e);
    std::string column_label(size_t column) const;

    std::string file_;
    ReaderOptions opt_;
    InputBuffer in_;
    std::optional<TextDecoder> decoder_;
    std::vector<std::string> columns_;
    std::optional<Error> dead_;

    // Scan state of the current record; positions relative to the record start.
    State state_ = State::field_start;
    size_t pos_ = 0;
    size_t field_begin_ = 0;
    bool field_escapes_ = false;
    bool record_done_ = false;
    size_t record_len_ = 0;    // bytes of content, without the line terminator
    size_t consumed_len_ = 0;  // bytes including the terminator
    uint64_t line_ = 1;        // physical line at pos_
    uint64_t end_line_ = 1;    // physical line of the record's terminator
    uint64_t record_line_ = 1;
    uint64_t quote_line_ = 0;  // where the open quoted field started
    size_t quote_pos_ = 0;
    std::vector<Span> spans_;
    size_t field_count_ = 0;
    size_t span_cap_ = 0;
    uint64_t records_ = 0;

    std::string arena_;
    std::vector<Piece> pieces_;
};

}  // namespace baton::records
