// Reading and writing the armored files people exchange: identities, certificates and
// revocation lists. Each read is bounded and errors name the file.
#pragma once

#include <string>

#include "certs/types.h"

namespace baton::agent {

Result<certs::Identity> read_identity_file(const std::string& path);
Result<certs::Certificate> read_certificate_file(const std::string& path);
Result<certs::RevocationList> read_revocation_file(const std::string& path);

// Writes `data` armored with `label` to `path` (mode 0644; these files are public).
Status write_armored(const std::string& path, std::string_view label, ByteView data);

inline constexpr std::string_view kIdentityLabel = "IDENTITY";
inline constexpr std::string_view kCertificateLabel = "CERTIFICATE";
inline constexpr std::string_view kRevocationLabel = "REVOCATION LIST";

}  // namespace baton::agent
