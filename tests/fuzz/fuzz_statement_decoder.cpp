// libFuzzer target: the handover statement decoders (protocol/handover/statements.h) fed
// arbitrary bytes. They must never crash, hang or read out of bounds.
//
// The input is tried as an encoded envelope (decode_signed, then check_signature and the open_*
// of its kind: the signature will rarely hold, so the bare body is decoded as every kind too),
// and as a bare body of every kind.
//
// Checked (a violation traps):
//  - an envelope that decodes re-encodes to one that decodes to the same fields;
//  - an open_* that succeeds implies check_signature succeeds;
//  - a body that decodes passes its validate_* and re-encodes to a body that decodes to the same
//    encoding (decoding loses nothing and accepts only what a signer could produce).
#include <cstddef>
#include <cstdint>

#include "core/harden.h"
#include "protocol/handover/statements.h"

namespace {

using namespace baton;
using namespace baton::handover;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

template <typename T, typename Decode, typename Encode, typename Check>
void check_body(ByteView body, Decode decode, Encode encode, Check check_fn) {
    auto v = decode(body);
    if (!v) return;
    check(check_fn(*v).ok());
    const Bytes again = encode(*v);
    auto v2 = decode(again);
    check(v2.ok() && encode(*v2) == again);
}

void check_bodies(ByteView body) {
    check_body<Plan>(body, decode_plan_body, encode_plan_body, validate_plan);
    check_body<Countersign>(body, decode_countersign_body, encode_countersign_body, validate_countersign);
    check_body<Manifest>(body, decode_manifest_body, encode_manifest_body, validate_manifest);
    check_body<Receipt>(body, decode_receipt_body, encode_receipt_body, validate_receipt);
    check_body<KeyRelease>(body, decode_key_release_body, encode_key_release_body, validate_key_release);
    check_body<Checkpoint>(body, decode_checkpoint_body, encode_checkpoint_body, validate_checkpoint);
    check_body<Refusal>(body, decode_refusal_body, encode_refusal_body, validate_refusal);
}

bool opens(const Signed& s) {
    switch (s.kind) {
        case StatementKind::plan: return open_plan(s).ok();
        case StatementKind::countersign: return open_countersign(s).ok();
        case StatementKind::manifest: return open_manifest(s).ok();
        case StatementKind::receipt: return open_receipt(s).ok();
        case StatementKind::key_release: return open_key_release(s).ok();
        case StatementKind::checkpoint: return open_checkpoint(s).ok();
        case StatementKind::refusal: return open_refusal(s).ok();
    }
    return false;
}

void check_envelope(ByteView bytes) {
    auto s = decode_signed(bytes);
    if (!s) return;
    auto s2 = decode_signed(encode_signed(*s));
    check(s2.ok() && s2->kind == s->kind && s2->body == s->body && s2->signer == s->signer &&
          s2->signature == s->signature);
    const bool signed_ok = check_signature(*s).ok();
    if (opens(*s)) check(signed_ok);
    check_bodies(s->body);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (!baton::harden_process()) __builtin_trap();  // initialises libsodium
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const ByteView input(data, size);
    check_envelope(input);
    check_bodies(input);
    return 0;
}
