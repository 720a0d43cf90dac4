// libFuzzer target: a Noise_XX responder fed arbitrary bytes. It must never crash, hang or read
// out of bounds, whatever the peer sends; every bad input ends in an Error and a dead handshake.
//
// Input layout: byte 0 picks the mode, the rest is split at a 2-byte big-endian length.
//   mode even: message 1 is raw fuzz bytes, then the responder writes message 2, then the fuzz
//              bytes after the split are message 3.
//   mode odd:  message 1 is a genuine initiator message (fixed keys), so the responder gets as
//              far as reading message 3 with a real transcript; message 3 is the fuzz bytes.
// Either way, a completed handshake is split and the remaining bytes are offered to the
// transport reader too.
#include <cstddef>
#include <cstdint>

#include "core/harden.h"
#include "protocol/noise/handshake_state.h"

namespace {

using namespace baton;
using namespace baton::noise;

Secret<32> key_from(uint8_t seed) {
    Secret<32> k;
    for (size_t i = 0; i < k.size(); ++i) k.data()[i] = static_cast<uint8_t>(seed + i);
    return k;
}

HandshakeConfig xx_config(Role role) {
    HandshakeConfig c;
    c.protocol_name = "Noise_XX_25519_ChaChaPoly_BLAKE2b";
    c.role = role;
    c.prologue = to_bytes("baton fuzz");
    c.local_static = key_from(role == Role::initiator ? 0x10 : 0x40);
    const uint8_t eph = role == Role::initiator ? 0x70 : 0xa0;
    c.ephemeral = [eph] { return key_from(eph); };
    return c;
}

void run(ByteView msg1, ByteView msg3) {
    auto resp = HandshakeState::create(xx_config(Role::responder));
    if (!resp) __builtin_trap();  // our configuration: must always be accepted
    if (!resp->read_message(msg1)) return;
    if (!resp->write_message(to_bytes("responder certificate"))) return;
    if (!resp->read_message(msg3)) return;
    auto t = resp->split();
    if (!t) __builtin_trap();  // a completed handshake must split
    (void)t->recv.decrypt_with_ad({}, msg3);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (!baton::harden_process()) __builtin_trap();  // initialises libsodium
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 3) return 0;
    const bool genuine_msg1 = (data[0] & 1) != 0;
    const size_t split = (size_t{data[1]} << 8) | data[2];
    ByteView rest(data + 3, size - 3);
    const size_t cut = split < rest.size() ? split : rest.size();
    ByteView first = rest.first(cut), second = rest.subspan(cut);
    if (genuine_msg1) {
        auto init = HandshakeState::create(xx_config(Role::initiator));
        if (!init) __builtin_trap();
        auto msg1 = init->write_message(first);
        if (!msg1) return 0;  // payload over the bound: refused, as it should be
        run(*msg1, second);
    } else {
        run(first, second);
    }
    return 0;
}
