// libFuzzer target: the session's framing and message decoders fed arbitrary bytes in arbitrary
// chunks. It must never crash, hang, read out of bounds or hold more than one partial frame.
//
// Input layout: a sequence of chunks, each one length byte n followed by n bytes (fewer at the
// end of the input). Each chunk is fed to one FrameDecoder, which is then drained; every complete
// frame is decoded as a SessionMessage, a HandshakePayload and a Hello.
//
// Checked (a violation traps):
//  - a frame's size is 1..kMaxFrame;
//  - after draining, only a partial frame is held: buffered() < kFrameHeader + kMaxFrame;
//  - once next() has failed, it keeps failing and further feeds are not held;
//  - whatever decodes re-encodes to something that decodes to the same value.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "core/harden.h"
#include "protocol/session/codec.h"
#include "protocol/session/frame.h"

namespace {

using namespace baton;
using namespace baton::session;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

void check_session_message(ByteView frame) {
    auto m = decode_session_message(frame);
    if (!m) return;
    Bytes again = encode_session_message(*m);
    auto m2 = decode_session_message(again);
    check(m2.ok() && m2->index() == m->index() && encode_session_message(*m2) == again);
}

void check_handshake_payload(ByteView frame) {
    auto p = decode_handshake_payload(frame);
    if (!p) return;
    auto p2 = decode_handshake_payload(encode_handshake_payload(*p));
    check(p2.ok() && p2->certificate == p->certificate && p2->static_signature == p->static_signature &&
          p2->refusal.has_value() == p->refusal.has_value());
    if (p->refusal) check(p2->refusal->code == p->refusal->code && p2->refusal->detail == p->refusal->detail);
}

void check_hello(ByteView frame) {
    auto deal = decode_hello(frame);
    if (!deal) return;
    auto again = decode_hello(encode_hello(*deal));
    check(again.ok() && *again == *deal);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (!baton::harden_process()) __builtin_trap();  // initialises libsodium
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FrameDecoder decoder;
    bool failed = false;
    size_t at = 0;
    while (at < size) {
        const size_t n = std::min<size_t>(data[at], size - at - 1);
        ByteView chunk(data + at + 1, n);
        at += 1 + n;
        const size_t before = decoder.buffered();
        decoder.feed(chunk);
        if (failed) {
            check(decoder.buffered() == before);
            check(!decoder.next().ok());
            continue;
        }
        for (;;) {
            auto next = decoder.next();
            if (!next) {
                failed = true;
                check(!decoder.next().ok());
                break;
            }
            if (!*next) break;
            const Bytes& frame = **next;
            check(!frame.empty() && frame.size() <= kMaxFrame);
            check_session_message(frame);
            check_handshake_payload(frame);
            check_hello(frame);
        }
        if (!failed) check(decoder.buffered() < kFrameHeader + kMaxFrame);
    }
    return 0;
}
