// Helpers for the session tests and the session fuzz targets (no Catch2 here): a deal with an
// authority and certified parties built from fixed keys, handshake endpoints with fixed Noise
// keys and a fixed `now`, an in-memory pump that moves framed bytes between an initiator and a
// responder, and a "raw" initiator written directly against the Noise engine for peers that do
// not follow the rules. Everything is deterministic: the same calls produce the same bytes.
//
// REQUIRES: libsodium initialised (tests/test_main.cpp; LLVMFuzzerInitialize in fuzz targets).
#pragma once

#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "certs/codec.h"
#include "certs/verifier.h"
#include "core/crypto.h"
#include "protocol/noise/handshake_state.h"
#include "protocol/session/frame.h"
#include "protocol/session/handshake.h"

namespace baton::session::test {

constexpr UnixTime kDay = 24 * 60 * 60;
constexpr UnixTime kNow = 1'790'000'000;  // 2026-09-21: inside every default validity window
inline const std::string kDeal = "D-2026-001";
inline const std::string kOtherDeal = "D-2026-002";

// A 32-byte key whose bytes are seed, seed+1, ... (distinct seeds give distinct keys).
inline Secret<32> fixed_key(uint8_t seed) {
    Secret<32> k;
    for (size_t i = 0; i < k.size(); ++i) k.data()[i] = static_cast<uint8_t>(seed + i);
    return k;
}

inline crypto::Ed25519KeyPair fixed_identity(uint8_t seed) { return crypto::ed25519_from_seed(fixed_key(seed)); }

// One agent: its identity key, its certificate for kDeal (valid at kNow) and its Noise keys.
struct Party {
    std::string name;
    crypto::Ed25519KeyPair identity;
    certs::Certificate certificate;
    uint8_t noise_seed = 0;      // static X25519 key: fixed_key(noise_seed)
    uint8_t ephemeral_seed = 0;  // every ephemeral it writes: fixed_key(ephemeral_seed)
};

struct CertOptions {
    std::string deal = kDeal;
    UnixTime not_before = kNow - 30 * kDay;
    UnixTime not_after = kNow + 365 * kDay;
    uint64_t serial = 1000;
};

// An authority trusted for kDeal and four certified parties. Not movable: credentials point
// into it.
class TestDeal {
public:
    crypto::Ed25519KeyPair authority = fixed_identity(0x01);
    crypto::Ed25519KeyPair rogue_authority = fixed_identity(0x02);  // trusted for nothing
    certs::TrustStore trust;
    Party seller{"Seller Co", fixed_identity(0x03), {}, 0x30, 0x90};
    Party buyer{"Buyer Ltd", fixed_identity(0x04), {}, 0x50, 0xb0};
    Party witness{"Witness Notary", fixed_identity(0x05), {}, 0x60, 0xc0};
    Party second_seller{"Other Seller", fixed_identity(0x06), {}, 0x70, 0xd0};

    TestDeal() {
        trust.anchors.push_back(certs::TrustAnchor{kDeal, authority.public_key, "Deal Authority"});
        seller.certificate = issue(seller, certs::Role::seller, {.serial = 1});
        buyer.certificate = issue(buyer, certs::Role::buyer, {.serial = 2});
        witness.certificate = issue(witness, certs::Role::witness, {.serial = 3});
        second_seller.certificate = issue(second_seller, certs::Role::seller, {.serial = 4});
    }
    TestDeal(const TestDeal&) = delete;
    TestDeal& operator=(const TestDeal&) = delete;

    // A certificate for `p` in `role`, signed by `issuer` (default: the trusted authority).
    // REQUIRES: options within the issuer's bounds (aborts otherwise: a broken fixture).
    certs::Certificate issue(const Party& p, certs::Role role, const CertOptions& o = {},
                             const crypto::Ed25519KeyPair* issuer = nullptr) const {
        certs::CertificateRequest r;
        r.serial = o.serial;
        r.subject = certs::make_identity(p.identity, p.name, "ops@example.org", kNow - 60 * kDay);
        r.role = role;
        r.deal = o.deal;
        r.not_before = o.not_before;
        r.not_after = o.not_after;
        auto cert = certs::issue_certificate(issuer ? *issuer : authority, "Deal Authority", r);
        if (!cert) std::abort();
        return std::move(cert).value();
    }

    static Credentials credentials(const Party& p) { return Credentials{&p.identity, p.certificate}; }
    static Credentials credentials(const Party& p, certs::Certificate cert) {
        return Credentials{&p.identity, std::move(cert)};
    }
};

inline SessionConfig session_config(const Party& p, const certs::TrustStore& trust, UnixTime now = kNow) {
    SessionConfig c;
    c.noise_static = fixed_key(p.noise_seed);
    const uint8_t eph = p.ephemeral_seed;
    c.ephemeral = [eph] { return fixed_key(eph); };
    c.trust = &trust;
    c.now = now;
    return c;
}

inline BatonHandshake make_initiator(const Party& p, Credentials creds, const certs::TrustStore& trust,
                                     std::string deal = kDeal) {
    return BatonHandshake::initiator(std::move(deal), std::move(creds), session_config(p, trust));
}

// A responder whose lookup answers every deal with `creds` (nullopt: it holds no certificate).
inline BatonHandshake make_responder(const Party& p, std::optional<Credentials> creds,
                                     const certs::TrustStore& trust) {
    auto lookup = [creds](const std::string&) { return creds; };
    return BatonHandshake::responder(lookup, session_config(p, trust));
}

// ---- the pump ---------------------------------------------------------------------------------

// How one side ended: its last successful step, or the error that killed it.
struct SideResult {
    std::optional<HandshakeStep> last;
    std::optional<Error> error;
    size_t undelivered = 0;  // bytes left in its frame decoder (a partial frame)

    bool active() const { return !error && (!last || last->status == HandshakeStatus::in_progress); }
    bool established() const { return !error && last && last->status == HandshakeStatus::established; }
    bool refused() const { return !error && last && last->status == HandshakeStatus::refused; }
    std::string refusal_code() const { return refused() && last->refusal ? last->refusal->code : ""; }
    bool refused_by_peer() const { return refused() && last->refused_by_peer; }
};

// Called with each frame, in sending order across both sides (0 Hello, 1 msg 1, 2 msg 2, ...),
// as encoded bytes (4-byte length included), before the peer's decoder sees them.
using Tamper = std::function<void(size_t index, Bytes& encoded)>;

struct PumpResult {
    SideResult initiator;
    SideResult responder;
    std::vector<Bytes> encoded_frames;  // as sent, after tampering
};

// Runs the handshake to its end in memory: every frame is encoded, passed through `tamper`, and
// fed to the peer's FrameDecoder. A side stops reading once it has failed, refused or finished
// (as a real agent closes or hands over to the channel).
inline PumpResult pump(BatonHandshake& init, BatonHandshake& resp, const Tamper& tamper = {}) {
    PumpResult r;
    Bytes to_resp, to_init;
    auto record = [&](SideResult& side, Result<HandshakeStep> step, Bytes& wire) {
        if (!step) {
            side.error = step.error();
            return;
        }
        for (const auto& f : step->frames) {
            Bytes encoded = encode_frame(f);
            if (tamper) tamper(r.encoded_frames.size(), encoded);
            r.encoded_frames.push_back(encoded);
            append(wire, encoded);
        }
        side.last = std::move(step).value();
    };
    auto deliver = [&](BatonHandshake& hs, FrameDecoder& in, Bytes& wire, SideResult& side, Bytes& reply) {
        if (wire.empty()) return false;
        in.feed(wire);
        wire.clear();
        while (side.active()) {
            auto frame = in.next();
            if (!frame) {
                side.error = frame.error();
                break;
            }
            if (!*frame) break;
            record(side, hs.on_frame(**frame), reply);
        }
        return true;
    };
    FrameDecoder init_in, resp_in;
    record(r.initiator, init.start(), to_resp);
    for (int round = 0; round < 16; ++round) {
        bool moved = deliver(resp, resp_in, to_resp, r.responder, to_init);
        moved = deliver(init, init_in, to_init, r.initiator, to_resp) || moved;
        if (!moved) break;
    }
    r.initiator.undelivered = init_in.buffered();
    r.responder.undelivered = resp_in.buffered();
    return r;
}

// ---- a raw initiator --------------------------------------------------------------------------

// The prologue and the static-key binding exactly as protocol/session/handshake.h documents
// them, written out independently so that a mismatch with the implementation shows.
inline Bytes documented_prologue(ByteView hello) {
    Bytes p = to_bytes("baton-v1 prologue");
    p.push_back(0);
    append(p, hello);
    return p;
}

inline HandshakePayload signed_payload(const crypto::Ed25519KeyPair& signer, const certs::Certificate& cert,
                                       uint8_t noise_seed, std::string_view deal = kDeal) {
    Bytes binding = to_bytes(deal);
    binding.push_back(0);
    append(binding, crypto::x25519_from_private(fixed_key(noise_seed)).public_key);
    auto sig = crypto::sign_in_context(signer, "noise-static", binding);
    return HandshakePayload{cert.envelope, Bytes(sig.begin(), sig.end()), std::nullopt};
}

// An XX initiator driven by hand: it sends whatever message-3 payload it is given, which lets a
// test play a peer that cheats (or a fuzz target reach the responder's checks).
class RawInitiator {
public:
    RawInitiator(const Party& p, std::string deal = kDeal) : hello_(encode_hello(deal)) {
        noise::HandshakeConfig c;
        c.protocol_name = kNoiseProtocol;
        c.role = noise::Role::initiator;
        c.prologue = documented_prologue(hello_);
        c.local_static = fixed_key(p.noise_seed);
        const uint8_t eph = p.ephemeral_seed;
        c.ephemeral = [eph] { return fixed_key(eph); };
        auto hs = noise::HandshakeState::create(std::move(c));
        if (!hs) std::abort();
        hs_.emplace(std::move(hs).value());
    }

    const Bytes& hello() const { return hello_; }
    Result<Bytes> msg1() { return hs_->write_message({}); }
    Result<Bytes> read_msg2(ByteView msg2) { return hs_->read_message(msg2); }
    Result<Bytes> msg3(const HandshakePayload& p) { return write_raw(encode_handshake_payload(p)); }
    // The next message (1 or 3) with any payload at all.
    Result<Bytes> write_raw(ByteView payload) { return hs_->write_message(payload); }
    // After msg3: the initiator's end of the transport.
    Result<SecureChannel> channel() {
        BATON_ASSIGN(auto ciphers, hs_->split());
        return SecureChannel(std::move(ciphers));
    }

private:
    Bytes hello_;
    std::optional<noise::HandshakeState> hs_;
};

}  // namespace baton::session::test
