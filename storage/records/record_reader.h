// The common interface of the CSV and JSON Lines readers.
//
// A reader turns a byte stream into records of UTF-8 values, by column. It knows nothing of
// schemas: mapping columns to schema fields and checking values is the Validator's job
// (validator.h). Memory is bounded by the options whatever the input: a reader holds at most one
// record plus one read chunk.
//
// Failures come in two kinds:
//  - a record-level Problem (Record::problem): the record's extent is known, so the rest of the
//    file is still readable — wrong column count, undecodable bytes, a bad JSON line. The caller
//    refuses the file or sends the record to a rejects file.
//  - a fatal Error (kind bad_input, or io from the source) naming file, line and byte offset:
//    the structure of the stream is lost (unterminated quote, a bound exceeded, a NUL byte).
//    The reader is then dead: every later call returns the same error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/records/byte_io.h"
#include "storage/records/encoding.h"
#include "storage/records/input_buffer.h"
#include "storage/records/problem.h"

namespace baton::records {

// A value: UTF-8 text, or nullopt for null. Baton has no empty string distinct from null: an
// empty CSV field, a JSON "" and a JSON null all read as null (DESIGN §6).
using FieldValue = std::optional<std::string_view>;

struct ReaderOptions {
    Encoding encoding = Encoding::auto_detect;
    // Bounds on raw input bytes. A bigger field or record is a fatal error, found after reading
    // at most max_record + read_chunk bytes of it. Defaults: 1 MiB / 4 MiB.
    size_t max_field_bytes = 1u << 20;
    size_t max_record_bytes = 4u << 20;  // for JSON Lines: the longest line
    size_t max_columns = 4096;
    size_t read_chunk = 256u << 10;      // bytes asked of the source per read
    size_t detect_sample = kDetectSampleBytes;
    // A file with no data records (empty, or a header only) is an error unless this is set:
    // "a handover of nothing is a mistake".
    bool allow_no_records = false;
};

struct Record {
    uint64_t line = 0;    // 1-based physical line where the record starts
    uint64_t offset = 0;  // byte offset in the file of the record's first byte
    uint64_t end_line = 0;  // physical line where the record ends (differs with embedded newlines)
    // The record's bytes as they are in the file (source encoding, line terminator excluded):
    // what a rejects file should hold. Valid until the next call to next().
    std::string_view raw;
    // Values by column (columns()). Views stay valid until the next call to next().
    // Unspecified when `problem` is set.
    std::vector<FieldValue> values;
    std::optional<Problem> problem;
};

class RecordReader {
public:
    virtual ~RecordReader() = default;

    // Column names: the CSV header as read, or the names the JSON Lines reader was given.
    virtual std::span<const std::string> columns() const = 0;

    // The encoding in use (after `auto` was resolved).
    virtual ResolvedEncoding encoding() const = 0;

    // Reads the next record into `out` and returns true, or returns false at the end of input.
    // Fails as the file comment says; at the end of a file without records fails unless
    // ReaderOptions::allow_no_records.
    virtual Result<bool> next(Record& out) = 0;

    // Bytes consumed from the source so far (for progress display).
    virtual uint64_t bytes_read() const = 0;
};

enum class Format { csv, jsonl };
// Parses "csv" or "jsonl". Fails (usage) otherwise.
Result<Format> parse_format(std::string_view name);

// Opens a reader of `format` over `source`. For JSON Lines, `columns` are the accepted keys
// (usually the schema's field names); the CSV reader takes its columns from the header and
// ignores them. REQUIRES: `source` outlives the reader. Fails as the reader's open() does.
Result<std::unique_ptr<RecordReader>> open_reader(Format format, ByteSource& source, std::string file,
                                                  std::vector<std::string> columns, ReaderOptions options = {});

// ---- for the readers' implementations ------------------------------------------------------

// "file:line: message (byte offset N)" — the form of every fatal reader error.
Error reader_error(std::string_view file, uint64_t line, uint64_t offset, std::string_view message);

// Fails (usage) on options no reader can honour (zero chunk or columns, records of 2 GiB or more).
Status check_options(const ReaderOptions& options);

// Reads the detection sample into `in`, resolves the encoding, skips a byte order mark and
// returns the decoder. Fails as resolve_encoding() does, or (io) when the source fails.
Result<TextDecoder> open_decoder(InputBuffer& in, const ReaderOptions& options, std::string_view file);

}  // namespace baton::records
