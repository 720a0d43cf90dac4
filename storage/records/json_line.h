// A tokenizer for one JSON Lines record: a single flat JSON object (RFC 8259) whose values are
// strings, numbers or null.
//
// Why not nlohmann::json: it turns numbers into int64/double, so "-0", "1.50" or a 25-digit
// account number would not come back as the exact source text, and it keeps the last of two
// duplicate keys without a word. This tokenizer keeps a number's text exactly as written and
// reports duplicates (via the reader), with the position of every error.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace baton::records {

struct JsonMember {
    std::string_view key;
    std::optional<std::string_view> value;  // nullopt for null
    bool is_number = false;
    size_t pos = 0;                          // index of the key's opening quote in the line
};

struct JsonLineError {
    size_t pos = 0;          // index in the line of the offending byte
    std::string_view kind;   // problem kind: bad_json or unsupported_value
    std::string message;
    std::string field;       // the key, for an unsupported value
};

// Parses `line` (valid UTF-8, no line feed) into `members` (cleared first), in source order.
// Decoded strings that held escapes live in `arena` (cleared first; REQUIRES: nothing else
// uses it while the members are alive). Returns the first error, or nullopt on success.
// Refused: anything but one object; true/false/objects/arrays as values (unsupported_value);
// bad syntax, control characters in strings, unpaired surrogates, \u0000 (bad_json).
std::optional<JsonLineError> parse_json_line(std::string_view line, std::vector<JsonMember>& members,
                                             std::string& arena);

// True when `text` is a number by JSON's grammar (for the JSON Lines writer).
bool is_json_number(std::string_view text);

}  // namespace baton::records
