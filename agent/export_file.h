// Writing exported records to a file (baton export): CSV or JSON Lines, written to a temporary
// file beside the target (mode 0600) and renamed into place only once complete, so a failed
// export never leaves a partial file under the name asked for.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "storage/records/record_reader.h"
#include "storage/records/record_writer.h"

namespace baton::agent {

// Gives the next record (values in column order, views valid until the next call) or false at
// the end.
using NextRecord = std::function<Result<bool>(std::vector<records::FieldValue>&)>;

// "csv" or "jsonl".
const char* format_name(records::Format f);

// Writes every record `next` gives to `out` in `format` under a header of `columns`, and returns
// how many. JSON Lines values are all strings (or null), numbers included: a JSON number would
// tempt a consumer's parser to turn 12345678901234567890.12 into a double, and the export must
// give back the exact text. Fails as `next` or the file does; then `out` is untouched.
Result<uint64_t> write_export_file(const std::string& out, records::Format format,
                                   const std::vector<std::string>& columns, const NextRecord& next);

}  // namespace baton::agent
