// Internal to protocol/handover/statement*.cpp: field paths for error messages, text checks, and
// the field checks shared by the decoders and the public validate_* functions.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "protocol/handover/statements.h"

namespace baton::handover {

namespace text {

// A field's place in a statement, for errors: Where("manifest").sub("sets", 2).sub("records")
// reports "manifest: sets[2].records <problem>".
class Where {
public:
    explicit Where(std::string root) : root_(std::move(root)) {}
    Where sub(std::string_view field) const {
        return Where(root_, path_.empty() ? std::string(field) : path_ + "." + std::string(field));
    }
    Where sub(std::string_view field, size_t i) const { return sub(field).at(i); }
    Where at(size_t i) const { return Where(root_, path_ + "[" + std::to_string(i) + "]"); }
    Error error(std::string_view problem) const {
        return input_error(root_ + ": " + (path_.empty() ? "" : path_ + " ") + std::string(problem));
    }

private:
    Where(std::string root, std::string path) : root_(std::move(root)), path_(std::move(path)) {}
    std::string root_, path_;
};

// Well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF): protobuf
// refuses a message whose string fields are not, so a signer must never produce one.
Status check_utf8(std::string_view s, const Where& at);
// Set, field and party names: 1..kMaxNameBytes of UTF-8 without control characters.
Status check_name(std::string_view s, const Where& at);
// A DecimalTotal's sum: -?[0-9]+(\.[0-9]+)?, at most kMaxDecimalBytes.
Status check_decimal(std::string_view s, const Where& at);
// A receipt's reason code: [a-z0-9_]{1,kMaxReasonCodeBytes}.
Status check_reason_code(std::string_view s, const Where& at);

}  // namespace text

namespace detail {

// Every rule of validate_* except the encoded size (the decoders bound the received body instead).
Status check_plan_fields(const Plan& p);
Status check_countersign_fields(const Countersign& c);
Status check_manifest_fields(const Manifest& m);
Status check_receipt_fields(const Receipt& r);
Status check_key_release_fields(const KeyRelease& k);
Status check_checkpoint_fields(const Checkpoint& c);
Status check_refusal_fields(const Refusal& r);

// Largest body that leaves room for its envelope (kind, signer, signature, framing) within
// kMaxStatementBytes.
inline constexpr size_t kMaxBodyBytes = kMaxStatementBytes - 128;

}  // namespace detail

}  // namespace baton::handover
