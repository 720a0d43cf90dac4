// A problem found in one record: by a reader (the record's extent is known but its bytes are not
// usable — wrong column count, undecodable bytes, a bad JSON line) or by the Validator (a value
// that breaks the schema). Fatal reader failures are not Problems: they are baton::Error.
//
// `kind` is a stable machine-readable name (listed below); scripts and the import report count by
// it, so a kind is never renamed or reused. `message` is for people and may change.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace baton::records {

enum class Severity { error, warning };

struct Problem {
    uint64_t line = 0;         // 1-based physical line in the source file (record's first line)
    uint64_t offset = 0;       // byte offset in the source file: of the bad byte for reader problems,
                               // of the record's start for validator ones (set by check_import)
    std::string field;         // field or column name; empty when the whole record is concerned
    std::string kind;          // stable name, one of the kinds below
    std::string message;       // human-readable reason, without the location
    Severity severity = Severity::error;
};

// "file:line: field 'f': message" — or without the field part when there is none; a warning
// is prefixed "warning: ".
std::string format_problem(std::string_view file, const Problem& p);

// Stable kind names.
namespace kind {
// Reader (record-level; the rest of the file is still readable).
inline constexpr std::string_view wrong_column_count = "wrong_column_count";
inline constexpr std::string_view invalid_encoding = "invalid_encoding";
inline constexpr std::string_view bad_json = "bad_json";
inline constexpr std::string_view unsupported_value = "unsupported_value";
inline constexpr std::string_view unknown_field = "unknown_field";
inline constexpr std::string_view duplicate_field = "duplicate_field";
// Validator.
inline constexpr std::string_view required_missing = "required_missing";
inline constexpr std::string_view bad_format = "bad_format";            // wrong shape for the type
inline constexpr std::string_view bad_checksum = "bad_checksum";        // resident id / USCC check
inline constexpr std::string_view bad_date = "bad_date";                // impossible calendar date
inline constexpr std::string_view future_birth_date = "future_birth_date";
inline constexpr std::string_view out_of_range = "out_of_range";        // integer overflow, scale
inline constexpr std::string_view not_in_enum = "not_in_enum";
inline constexpr std::string_view too_long = "too_long";                // max_length (code points)
inline constexpr std::string_view duplicate_key = "duplicate_key";      // primary key repeated
inline constexpr std::string_view duplicate_value = "duplicate_value";  // unique field repeated
inline constexpr std::string_view dangling_reference = "dangling_reference";
inline constexpr std::string_view excel_scientific_notation = "excel_scientific_notation";
inline constexpr std::string_view excel_precision_loss = "excel_precision_loss";
}  // namespace kind

}  // namespace baton::records
