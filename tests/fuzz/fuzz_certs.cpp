// libFuzzer target: every decoder of the files people hand each other or keep in a home
// (certs/): identity, certificate and revocation-list envelopes (certs/codec.h), their ASCII
// armor (certs/armor.h) under each label the agent reads, and identity key files
// (certs/keyfile.h). They must never crash, hang or read out of bounds.
//
// Checked (a violation traps):
//  - a decoded envelope keeps exactly the bytes it was decoded from, and decodes again;
//  - armor that decodes re-armors to text that decodes to the same bytes;
//  - a key file that is not sealed and unlocks has an identity readable without unlocking, and
//    the unlocked signing key is that identity's.
// Sealed key files are not unlocked: their Argon2id cost (up to libsodium's "sensitive" level)
// would make every run seconds long; the header that names the cost is still parsed.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "certs/armor.h"
#include "certs/codec.h"
#include "certs/keyfile.h"
#include "core/harden.h"

namespace {

using namespace baton;
using namespace baton::certs;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

template <typename Decode>
void check_envelope(ByteView bytes, Decode decode) {
    auto v = decode(bytes);
    if (!v) return;
    check(v->envelope == Bytes(bytes.begin(), bytes.end()));
    check(decode(v->envelope).ok());
}

void check_envelopes(ByteView bytes) {
    check_envelope(bytes, decode_identity);
    check_envelope(bytes, decode_certificate);
    check_envelope(bytes, decode_revocation_list);
}

void check_armor(ByteView text) {
    for (std::string_view label : {"IDENTITY", "CERTIFICATE", "REVOCATION LIST"}) {
        auto bytes = dearmor(label, text, kMaxEnvelopeBytes, "fuzz");
        if (!bytes) continue;
        check(bytes->size() <= kMaxEnvelopeBytes);
        const std::string again = armor(label, *bytes);
        auto back = dearmor(label, as_bytes(again), kMaxEnvelopeBytes, "fuzz");
        check(back.ok() && *back == *bytes);
        check_envelopes(*bytes);
    }
}

void check_key_file(ByteView file) {
    auto identity = key_file_identity(file);
    auto sealed = key_file_is_sealed(file);
    if (!sealed || *sealed) return;
    auto keys = unlock_key_file(file, nullptr);
    if (!keys) return;
    check(identity.ok());
    check(keys->identity.public_key == identity->key);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (!baton::harden_process()) __builtin_trap();  // initialises libsodium
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const ByteView input(data, size);
    check_envelopes(input);
    check_armor(input);
    check_key_file(input);
    return 0;
}
