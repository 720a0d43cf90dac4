// ASCII armor for files people pass around (e-mail, USB): the envelope in base64 between
//   -----BEGIN BATON <LABEL>-----  and  -----END BATON <LABEL>-----
// with 64-character lines. Decoding is strict: the label must match, nothing but white space
// may surround the block, and the decoded size is bounded before decoding.
#pragma once

#include <string>
#include <string_view>

#include "core/bytes.h"

namespace baton::certs {

std::string armor(std::string_view label, ByteView data);

// Fails (bad_input) with a message naming `what` (usually the file name): wrong or missing
// label, missing END line (truncated), bad base64, or more than `max_bytes` decoded bytes.
Result<Bytes> dearmor(std::string_view label, ByteView text, size_t max_bytes, std::string_view what);

}  // namespace baton::certs
