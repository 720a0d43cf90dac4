// libFuzzer target: the evidence file codec and the offline verifier (protocol/evidence/) fed
// arbitrary bytes. They must never crash, hang or read out of bounds.
//
// Checked (a violation traps):
//  - a file that decodes re-encodes to exactly the same bytes (one encoding per file);
//  - the verifier returns at least one check, and passes only files that decode.
#include <cstddef>
#include <cstdint>

#include "core/harden.h"
#include "protocol/evidence/verify.h"

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (!baton::harden_process()) __builtin_trap();  // initialises libsodium
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace baton;
    const ByteView input(data, size);
    auto f = evidence::decode_evidence(input);
    if (f) {
        const Bytes again = evidence::encode_evidence(*f);
        check(again.size() == size && std::equal(again.begin(), again.end(), data));
    }
    crypto::PublicKey authority{};
    authority.fill(0x42);
    const auto v = evidence::verify_evidence(input, authority);
    check(!v.checks.empty());
    check(!v.ok() || f.ok());
    return 0;
}
