#include "protocol/session/handshake.h"

#include "certs/codec.h"
#include "certs/fingerprint.h"

namespace baton::session {

namespace {

enum class Phase { start, await_hello, await_msg1, await_msg2, await_msg3, await_welcome, established, refused, dead };

Bytes prologue_for(ByteView hello) {
    Bytes p = to_bytes(std::string_view("baton-v1 prologue\0", 18));
    append(p, hello);
    return p;
}

Bytes static_binding(std::string_view deal, const crypto::PublicKey& noise_static) {
    Bytes b = to_bytes(deal);
    b.push_back(0);
    append(b, noise_static);
    return b;
}

HandshakeStep sending(std::vector<Bytes> frames, HandshakeStatus status = HandshakeStatus::in_progress) {
    HandshakeStep step;
    step.frames = std::move(frames);
    step.status = status;
    return step;
}

}  // namespace

struct BatonHandshake::State {
    bool initiator = false;
    Phase phase = Phase::dead;
    std::string deal;
    std::optional<Credentials> local;
    CredentialLookup lookup;
    SessionConfig config;
    std::optional<noise::HandshakeState> noise;
    std::optional<SecureChannel> channel;
    std::optional<certs::Certificate> peer;
    std::optional<Refusal> refuse_at_msg2;  // responder without a certificate for the deal

    Error fail(Error e) {
        phase = Phase::dead;
        noise.reset();
        channel.reset();
        return e;
    }

    Status start_noise(noise::Role role, ByteView hello) {
        noise::HandshakeConfig hc;
        hc.protocol_name = kNoiseProtocol;
        hc.role = role;
        hc.prologue = prologue_for(hello);
        hc.local_static = config.noise_static.clone();
        hc.ephemeral = config.ephemeral;
        BATON_ASSIGN(auto hs, noise::HandshakeState::create(std::move(hc)));
        noise.emplace(std::move(hs));
        return ok_status();
    }

    HandshakePayload our_payload() const {
        auto pub = crypto::x25519_from_private(config.noise_static).public_key;
        auto sig = crypto::sign_in_context(*local->identity, kStaticKeyContext, static_binding(deal, pub));
        return HandshakePayload{local->certificate.envelope, Bytes(sig.begin(), sig.end()), std::nullopt};
    }

    // The peer's certificate if it is acceptable for this deal and our role, else why not.
    std::variant<certs::Certificate, Refusal> check_peer(const HandshakePayload& p) const {
        auto cert = certs::decode_certificate(p.certificate);
        if (!cert) return Refusal{"malformed_certificate", cert.error().message()};
        certs::Expectation want{deal, std::nullopt, std::nullopt, config.now};
        auto verdict = certs::verify_certificate(*cert, *config.trust, want);
        if (!verdict.ok()) return Refusal{certs::check_name(verdict.check), verdict.detail};
        if (!certs::roles_compatible(local->certificate.role, cert->role))
            return Refusal{"wrong_role", std::string("a ") + certs::role_name(local->certificate.role) +
                                             " does not hold sessions with a " + certs::role_name(cert->role)};
        const auto& rs = noise->remote_static();
        if (!rs || !crypto::verify_in_context(cert->subject_key, kStaticKeyContext, static_binding(deal, *rs),
                                              p.static_signature))
            return Refusal{"wrong_static_key", "the session key is not signed by the certified identity " +
                                                   certs::fingerprint(cert->subject_key)};
        return std::move(cert).value();
    }

    Result<HandshakeStep> refused(std::vector<Bytes> frames, Refusal r, bool by_peer) {
        phase = Phase::refused;
        noise.reset();
        HandshakeStep step = sending(std::move(frames), HandshakeStatus::refused);
        step.refusal = std::move(r);
        step.refused_by_peer = by_peer;
        return step;
    }

    Result<HandshakeStep> on_hello(ByteView frame) {
        auto named = decode_hello(frame);
        if (!named) return fail(named.error());
        deal = *named;
        local = lookup(deal);
        if (!local) refuse_at_msg2 = Refusal{"no_certificate_for_deal", "this agent holds no certificate for deal " + deal};
        BATON_TRY(start_noise(noise::Role::responder, frame));
        phase = Phase::await_msg1;
        return sending({});
    }

    Result<HandshakeStep> on_msg1(ByteView frame) {
        BATON_ASSIGN(auto payload, noise->read_message(frame));
        if (!payload.empty()) return fail(input_error("handshake message 1 carries an unexpected payload"));
        HandshakePayload ours = refuse_at_msg2 ? HandshakePayload{{}, {}, refuse_at_msg2} : our_payload();
        BATON_ASSIGN(auto msg2, noise->write_message(encode_handshake_payload(ours)));
        if (refuse_at_msg2) return refused({std::move(msg2)}, *refuse_at_msg2, false);
        phase = Phase::await_msg3;
        return sending({std::move(msg2)});
    }

    Result<HandshakeStep> on_msg2(ByteView frame) {
        BATON_ASSIGN(auto plain, noise->read_message(frame));
        BATON_ASSIGN(auto payload, decode_handshake_payload(plain));
        if (payload.refusal) return refused({}, *payload.refusal, true);
        auto checked = check_peer(payload);
        if (auto* r = std::get_if<Refusal>(&checked)) {
            BATON_ASSIGN(auto msg3, noise->write_message(encode_handshake_payload({{}, {}, *r})));
            return refused({std::move(msg3)}, *r, false);
        }
        peer = std::get<certs::Certificate>(std::move(checked));
        BATON_ASSIGN(auto msg3, noise->write_message(encode_handshake_payload(our_payload())));
        BATON_ASSIGN(auto ciphers, noise->split());
        channel.emplace(std::move(ciphers));
        phase = Phase::await_welcome;
        return sending({std::move(msg3)});
    }

    Result<HandshakeStep> on_msg3(ByteView frame) {
        BATON_ASSIGN(auto plain, noise->read_message(frame));
        BATON_ASSIGN(auto payload, decode_handshake_payload(plain));
        if (payload.refusal) return refused({}, *payload.refusal, true);
        auto checked = check_peer(payload);
        BATON_ASSIGN(auto ciphers, noise->split());
        channel.emplace(std::move(ciphers));
        if (auto* r = std::get_if<Refusal>(&checked)) {
            BATON_ASSIGN(auto sealed, channel->seal(*r));
            return refused({std::move(sealed)}, *r, false);
        }
        peer = std::get<certs::Certificate>(std::move(checked));
        BATON_ASSIGN(auto welcome, channel->seal(Welcome{}));
        phase = Phase::established;
        return sending({std::move(welcome)}, HandshakeStatus::established);
    }

    Result<HandshakeStep> on_welcome(ByteView frame) {
        BATON_ASSIGN(auto m, channel->open(frame));
        if (auto* r = std::get_if<Refusal>(&m)) return refused({}, *r, true);
        if (!std::holds_alternative<Welcome>(m)) return fail(input_error("expected the responder's welcome"));
        phase = Phase::established;
        return sending({}, HandshakeStatus::established);
    }

    Result<HandshakeStep> dispatch(ByteView frame) {
        switch (phase) {
            case Phase::await_hello: return on_hello(frame);
            case Phase::await_msg1: return on_msg1(frame);
            case Phase::await_msg2: return on_msg2(frame);
            case Phase::await_msg3: return on_msg3(frame);
            case Phase::await_welcome: return on_welcome(frame);
            default: return conflict_error("handshake is not expecting a frame");
        }
    }
};

BatonHandshake::BatonHandshake(std::unique_ptr<State> s) : s_(std::move(s)) {}
BatonHandshake::BatonHandshake(BatonHandshake&&) noexcept = default;
BatonHandshake& BatonHandshake::operator=(BatonHandshake&&) noexcept = default;
BatonHandshake::~BatonHandshake() = default;

BatonHandshake BatonHandshake::initiator(std::string deal, Credentials local, SessionConfig config) {
    auto s = std::make_unique<State>();
    s->initiator = true;
    s->phase = Phase::start;
    s->deal = std::move(deal);
    s->local = std::move(local);
    s->config = std::move(config);
    return BatonHandshake(std::move(s));
}

BatonHandshake BatonHandshake::responder(CredentialLookup lookup, SessionConfig config) {
    auto s = std::make_unique<State>();
    s->phase = Phase::await_hello;
    s->lookup = std::move(lookup);
    s->config = std::move(config);
    return BatonHandshake(std::move(s));
}

Result<HandshakeStep> BatonHandshake::start() {
    if (!s_->initiator || s_->phase != Phase::start) return s_->fail(conflict_error("handshake already started"));
    Bytes hello = encode_hello(s_->deal);
    if (auto st = s_->start_noise(noise::Role::initiator, hello); !st) return s_->fail(st.error());
    auto msg1 = s_->noise->write_message({});
    if (!msg1) return s_->fail(msg1.error());
    s_->phase = Phase::await_msg2;
    return sending({std::move(hello), std::move(msg1).value()});
}

Result<HandshakeStep> BatonHandshake::on_frame(ByteView frame) {
    auto step = s_->dispatch(frame);
    if (!step) return s_->fail(step.error());
    return step;
}

const certs::Certificate& BatonHandshake::peer() const { return *s_->peer; }
const std::string& BatonHandshake::deal() const { return s_->deal; }

Result<SecureChannel> BatonHandshake::take_channel() {
    if (s_->phase != Phase::established || !s_->channel) return conflict_error("no established channel");
    SecureChannel c = std::move(*s_->channel);
    s_->channel.reset();
    return c;
}

}  // namespace baton::session
