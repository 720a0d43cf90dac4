// libFuzzer target: a Baton handshake responder (the buyer of the test deal, with fixed keys and a
// fixed clock) fed hostile frames. It must never crash or hang, and it must never establish a
// session with a peer whose certificate does not pass the checks.
//
// Input layout: byte 0 picks the mode.
//   bit 0 clear, "frames": byte 1 gives the frame count (1 + byte1 % 5), then count-1 two-byte
//     big-endian frame lengths; the frames follow, the last one taking whatever remains. They are
//     fed to the responder in order; once it is established the rest go to its SecureChannel.
//     Because every key is fixed, a recorded genuine transcript is a valid input.
//   bit 0 set, "payload": a genuine initiator (the deal's seller, driven through the Noise engine)
//     sends the Hello and message 1 and reads message 2; the rest of the input is the plaintext
//     payload of its message 3. This reaches the certificate and key-binding checks directly.
//
// Checked (a violation traps): after an Error the responder stays dead; an established responder
// hands over its channel, and its peer's certificate passes certs::verify_certificate for the deal
// at `now` with a compatible role.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/harden.h"
#include "tests/protocol/session_test_support.h"

namespace {

using namespace baton;
using namespace baton::session;
using namespace baton::session::test;

const TestDeal* g_deal = nullptr;

void check(bool ok) {
    if (!ok) __builtin_trap();
}

BatonHandshake buyer_responder() {
    Credentials creds = TestDeal::credentials(g_deal->buyer);
    auto lookup = [creds](const std::string& deal) -> std::optional<Credentials> {
        if (deal == kDeal) return creds;
        return std::nullopt;
    };
    return BatonHandshake::responder(lookup, session_config(g_deal->buyer, g_deal->trust));
}

// The oracle for an established session.
SecureChannel check_established(BatonHandshake& hs) {
    const certs::Certificate& peer = hs.peer();
    auto verdict = certs::verify_certificate(peer, g_deal->trust, certs::Expectation{kDeal, {}, {}, kNow});
    check(verdict.ok());
    check(certs::roles_compatible(certs::Role::buyer, peer.role));
    auto channel = hs.take_channel();
    check(channel.ok());
    return std::move(channel).value();
}

// Feeds the frames to the handshake in order, then whatever is left to the established channel.
void run_frames(const std::vector<ByteView>& frames) {
    BatonHandshake hs = buyer_responder();
    size_t i = 0;
    for (; i < frames.size(); ++i) {
        auto step = hs.on_frame(frames[i]);
        if (!step) {
            check(!hs.on_frame(frames[i]).ok());  // dead stays dead
            return;
        }
        if (step->status == HandshakeStatus::refused) return;
        if (step->status == HandshakeStatus::established) break;
    }
    if (i == frames.size()) return;
    SecureChannel channel = check_established(hs);
    for (++i; i < frames.size(); ++i)
        if (!channel.open(frames[i])) return;
}

void run_payload(ByteView payload) {
    BatonHandshake hs = buyer_responder();
    RawInitiator initiator(g_deal->seller);
    check(hs.on_frame(initiator.hello()).ok());
    auto msg2 = hs.on_frame(initiator.msg1().value());
    check(msg2.ok() && msg2->frames.size() == 1);
    check(initiator.read_msg2(msg2->frames[0]).ok());
    auto msg3 = initiator.write_raw(payload);
    if (!msg3) return;  // larger than a Noise message: never reaches the responder
    auto step = hs.on_frame(*msg3);
    if (!step) return;
    if (step->status == HandshakeStatus::established) (void)check_established(hs);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (!baton::harden_process()) __builtin_trap();  // initialises libsodium
    g_deal = new TestDeal();                          // lives for the whole run
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    ByteView in(data, size);
    if (data[0] & 1) {
        run_payload(in.subspan(1));
        return 0;
    }
    const size_t count = 1 + data[1] % 5;
    size_t at = 2;
    std::vector<size_t> lengths;
    for (size_t k = 0; k + 1 < count && at + 2 <= size; ++k, at += 2)
        lengths.push_back((size_t{data[at]} << 8) | data[at + 1]);
    std::vector<ByteView> frames;
    ByteView rest = in.subspan(at);
    for (size_t len : lengths) {
        const size_t n = std::min(len, rest.size());
        frames.push_back(rest.first(n));
        rest = rest.subspan(n);
    }
    frames.push_back(rest);
    run_frames(frames);
    return 0;
}
