#include "agent/files.h"

#include "certs/armor.h"
#include "certs/codec.h"
#include "core/file.h"

namespace baton::agent {

namespace {

// Armored files are small; anything over this is refused before it is read.
constexpr size_t kMaxArmoredFile = 64 * 1024;

template <typename T, typename Decode>
Result<T> read_armored(const std::string& path, std::string_view label, Decode decode) {
    BATON_ASSIGN(auto raw, read_file(path, kMaxArmoredFile));
    BATON_ASSIGN(auto bytes, certs::dearmor(label, raw, certs::kMaxEnvelopeBytes, path));
    auto decoded = decode(bytes);
    if (!decoded) return decoded.error().context(path);
    return decoded;
}

}  // namespace

Result<certs::Identity> read_identity_file(const std::string& path) {
    return read_armored<certs::Identity>(path, kIdentityLabel, certs::decode_identity);
}

Result<certs::Certificate> read_certificate_file(const std::string& path) {
    return read_armored<certs::Certificate>(path, kCertificateLabel, certs::decode_certificate);
}

Result<certs::RevocationList> read_revocation_file(const std::string& path) {
    return read_armored<certs::RevocationList>(path, kRevocationLabel, certs::decode_revocation_list);
}

Status write_armored(const std::string& path, std::string_view label, ByteView data) {
    std::string text = certs::armor(label, data);
    return write_file_atomic(path, as_bytes(text), 0644);
}

}  // namespace baton::agent
