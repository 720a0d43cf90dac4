// Fingerprints: how people compare identity keys, read aloud over the phone.
//
// 155 bits of BLAKE2b-256("baton-fingerprint-v1" || key) in Crockford base32 (no I, L, O, U, so
// nothing is misheard or misread), plus one Luhn mod 32 check character, in eight groups of four:
//   "7QH4-M2XA-9FKD-PZ3C-W8NB-T1RE-6YJS-V0G5"
// The check character catches every single mistyped character and most swapped neighbours.
#pragma once

#include <string>
#include <string_view>

#include "core/crypto.h"

namespace baton::certs {

std::string fingerprint(const crypto::PublicKey& key);
// The first two groups, for log lines ("7QH4-M2XA").
std::string short_fingerprint(const crypto::PublicKey& key);
// Normalises what a person typed (case, dashes, spaces, O→0, I/L→1) and checks the length and
// the check character. Fails (bad_input) saying which.
Result<std::string> normalize_fingerprint(std::string_view typed);

}  // namespace baton::certs
