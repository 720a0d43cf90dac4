#include "storage/records/record_reader.h"

#include <algorithm>

#include "storage/records/csv_reader.h"
#include "storage/records/jsonl_reader.h"

namespace baton::records {

Result<Format> parse_format(std::string_view name) {
    if (name == "csv") return Format::csv;
    if (name == "jsonl") return Format::jsonl;
    return usage_error("unknown format '" + std::string(name) + "' (use csv or jsonl)");
}

Result<std::unique_ptr<RecordReader>> open_reader(Format format, ByteSource& source, std::string file,
                                                  std::vector<std::string> columns, ReaderOptions options) {
    if (format == Format::csv) {
        BATON_ASSIGN(auto r, CsvReader::open(source, std::move(file), options));
        return std::unique_ptr<RecordReader>(std::move(r));
    }
    BATON_ASSIGN(auto r, JsonlReader::open(source, std::move(file), std::move(columns), options));
    return std::unique_ptr<RecordReader>(std::move(r));
}

Error reader_error(std::string_view file, uint64_t line, uint64_t offset, std::string_view message) {
    return input_error(std::string(file) + ":" + std::to_string(line) + ": " + std::string(message) +
                       " (byte offset " + std::to_string(offset) + ")");
}

Status check_options(const ReaderOptions& o) {
    if (o.read_chunk == 0 || o.max_columns == 0 || o.max_field_bytes == 0 || o.max_record_bytes == 0 ||
        o.max_record_bytes >= (1ull << 31))
        return usage_error("reader options out of range");
    return ok_status();
}

Result<TextDecoder> open_decoder(InputBuffer& in, const ReaderOptions& options, std::string_view file) {
    // The sample never exceeds a record, so it always fits the buffer.
    const size_t sample = std::max<size_t>(std::min(options.detect_sample, options.max_record_bytes), 4);
    BATON_TRY(in.fill_to(sample));
    // Exactly the first `sample` bytes decide, whatever the source's read sizes.
    std::string_view head(in.window(), std::min(in.available(), sample));
    const bool whole_file = in.at_eof() && in.available() <= sample;
    BATON_ASSIGN(ResolvedEncoding enc, resolve_encoding(options.encoding, head, whole_file, file));
    in.consume(enc.bom_size);
    return TextDecoder::create(enc);
}

}  // namespace baton::records
