// Masking rules applied to fields when a stage is prepared (DESIGN §6 "--mask SET.FIELD=RULE").
//
//  keep          the value as imported.
//  mask          type-aware, per Unicode code point (not byte, not grapheme):
//                  cn_mobile (11 digits)        138****1234   first 3, last 4 kept
//                  cn_resident_id (18 chars)    110101********123X   first 6, last 4 kept
//                  anything else, n code points: n >= 3: first and last kept, each one between
//                  becomes '*' ("张小三" -> "张*三"); n == 2: first kept ("张三" -> "张*", as Chinese
//                  practice masks names; keeping both ends would show everything); n == 1: "*".
//                  A mobile or resident ID of the wrong shape is masked by the general rule.
//  pseudonymize  "p_" + 26 lowercase base32 characters of BLAKE2b-128 keyed with the deal's
//                32-byte key over "baton-pseudonym-v1" 0x00 value. Same value and key -> same
//                token in every set and field, so joins between sets still work; another deal's
//                key gives unrelated tokens. The exact text is hashed: " 42" and "42" differ.
//  drop          the field is removed from the stage (apply_mask returns nullopt; the caller
//                leaves the column out, it does not send nulls).
// Nulls stay null under every rule.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/secret.h"
#include "core/status.h"
#include "storage/records/record_reader.h"
#include "storage/records/schema.h"

namespace baton::records {

enum class MaskRule { keep, mask, pseudonymize, drop };

// Parses "keep", "mask", "pseudonymize", "drop". Fails (usage) otherwise.
Result<MaskRule> parse_mask_rule(std::string_view name);
std::string_view mask_rule_name(MaskRule rule);

// One "--mask SET.FIELD=RULE" option.
struct MaskSpec {
    std::string set;
    std::string field;
    MaskRule rule = MaskRule::keep;
};
// Parses "SET.FIELD=RULE" (the set ends at the first '.', the field at the last '='). Fails (usage).
Result<MaskSpec> parse_mask_spec(std::string_view text);

// Masks a non-null value of a field of type `type` as the file comment says. REQUIRES: valid UTF-8.
std::string mask_value(FieldType type, std::string_view value);

class Pseudonymizer {
public:
    explicit Pseudonymizer(const Secret<32>& deal_key) : key_(deal_key.clone()) {}
    // The token of `value` ("p_" + 26 characters).
    std::string token(std::string_view value) const;

private:
    Secret<32> key_;
};

// Applies `rule` to `value`: null stays null; drop gives nullopt (the field leaves the stage).
// REQUIRES: `pseudonymizer` is non-null when rule is pseudonymize.
std::optional<std::string> apply_mask(MaskRule rule, FieldType type, FieldValue value,
                                      const Pseudonymizer* pseudonymizer);

}  // namespace baton::records
