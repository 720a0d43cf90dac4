#include "protocol/noise/handshake_state.h"

#include <algorithm>

namespace baton::noise {

namespace {

constexpr size_t kDhLen = 32;

bool contains(const std::vector<Token>& tokens, Token t) {
    return std::find(tokens.begin(), tokens.end(), t) != tokens.end();
}

crypto::PublicKey to_public_key(ByteView b) {
    crypto::PublicKey k;
    std::copy_n(b.begin(), k.size(), k.begin());
    return k;
}

}  // namespace

Result<HandshakeState> HandshakeState::create(HandshakeConfig config) {
    BATON_ASSIGN(HandshakePattern pattern, parse_protocol_name(config.protocol_name));
    HandshakeState hs(std::move(pattern), std::move(config));
    BATON_TRY(hs.check_keys());
    hs.mix_pre_messages();
    return hs;
}

HandshakeState::HandshakeState(HandshakePattern pattern, HandshakeConfig config)
    : pattern_(std::move(pattern)),
      role_(config.role),
      symmetric_(config.protocol_name),
      rs_(config.remote_static),
      psks_(std::move(config.psks)),
      ephemeral_(std::move(config.ephemeral)),
      uses_psk_(pattern_.uses_psk()) {
    symmetric_.mix_hash(config.prologue);
    if (config.local_static) s_ = crypto::x25519_from_private(*config.local_static);
}

Status HandshakeState::check_keys() const {
    const KeyNeeds needs = key_needs(pattern_, role_ == Role::initiator);
    if (needs.local_static != s_.has_value())
        return input_error(needs.local_static ? "Noise pattern needs a local static key"
                                              : "Noise pattern has no local static key");
    if (needs.remote_static != rs_.has_value())
        return input_error(needs.remote_static ? "Noise pattern needs the remote static key in advance"
                                               : "Noise pattern receives the remote static key; do not pre-set it");
    if (needs.ephemeral && !ephemeral_) return input_error("Noise pattern needs an ephemeral key source");
    if (psks_.size() != needs.psks)
        return input_error("Noise pattern needs " + std::to_string(needs.psks) + " psk(s), got " +
                           std::to_string(psks_.size()));
    return ok_status();
}

// Pre-message public keys are hashed initiator's first, then responder's (§5.3 Initialize).
void HandshakeState::mix_pre_messages() {
    const bool initiator = role_ == Role::initiator;
    if (contains(pattern_.initiator_pre, Token::s)) symmetric_.mix_hash(initiator ? s_->public_key : *rs_);
    if (contains(pattern_.responder_pre, Token::s)) symmetric_.mix_hash(initiator ? *rs_ : s_->public_key);
}

Step HandshakeState::next_step() const {
    if (failed_.dead) return Step::failed;
    if (split_done_) return Step::finished;
    if (message_index_ == pattern_.messages.size()) return Step::split;
    return our_turn() ? Step::write : Step::read;
}

bool HandshakeState::our_turn() const {
    return pattern_.sender_is_initiator(message_index_) == (role_ == Role::initiator);
}

Status HandshakeState::check_turn(Step wanted) const {
    if (failed_.dead) return conflict_error("Noise handshake failed earlier");
    if (next_step() != wanted) return conflict_error("Noise handshake: not the moment to " + step_name(wanted));
    return ok_status();
}

std::string HandshakeState::step_name(Step s) {
    switch (s) {
        case Step::write: return "write a message";
        case Step::read: return "read a message";
        case Step::split: return "split";
        default: return "continue";
    }
}

Error HandshakeState::die(Error e) {
    failed_.dead = true;
    wipe_secrets();
    return e;
}

void HandshakeState::wipe_secrets() {
    s_.reset();
    e_.reset();
    psks_.clear();
    symmetric_ = SymmetricState("");
}

Result<Bytes> HandshakeState::write_message(ByteView payload) {
    if (auto st = check_turn(Step::write); !st) return die(st.error());
    if (payload.size() > kMaxMessage) return die(input_error("Noise payload exceeds 65535 bytes"));
    auto out = write_tokens_and_payload(payload);
    if (!out) return die(out.error());
    finish_message();
    return out;
}

Result<Bytes> HandshakeState::write_tokens_and_payload(ByteView payload) {
    Bytes out;
    for (Token t : pattern_.messages[message_index_]) BATON_TRY(write_token(t, out));
    BATON_ASSIGN(Bytes body, symmetric_.encrypt_and_hash(payload));
    if (out.size() + body.size() > kMaxMessage) return input_error("Noise message would exceed 65535 bytes");
    append(out, body);
    return out;
}

Status HandshakeState::write_token(Token t, Bytes& out) {
    switch (t) {
        case Token::e: {
            e_ = crypto::x25519_from_private(ephemeral_());
            append(out, e_->public_key);
            symmetric_.mix_hash(e_->public_key);
            if (uses_psk_) symmetric_.mix_key(e_->public_key);
            return ok_status();
        }
        case Token::s: {
            BATON_ASSIGN(Bytes sealed, symmetric_.encrypt_and_hash(s_->public_key));
            append(out, sealed);
            return ok_status();
        }
        case Token::psk: return mix_psk();
        default: return mix_dh(t);
    }
}

Result<Bytes> HandshakeState::read_message(ByteView message) {
    if (auto st = check_turn(Step::read); !st) return die(st.error());
    if (message.size() > kMaxMessage) return die(input_error("Noise message exceeds 65535 bytes"));
    ByteView in = message;
    for (Token t : pattern_.messages[message_index_]) {
        if (auto st = read_token(t, in); !st) return die(st.error());
    }
    auto payload = symmetric_.decrypt_and_hash(in);
    if (!payload) return die(payload.error());
    finish_message();
    return payload;
}

Status HandshakeState::read_token(Token t, ByteView& in) {
    switch (t) {
        case Token::e: {
            if (in.size() < kDhLen) return input_error("Noise message too short for an ephemeral key");
            re_ = to_public_key(in.first(kDhLen));
            in = in.subspan(kDhLen);
            symmetric_.mix_hash(*re_);
            if (uses_psk_) symmetric_.mix_key(*re_);
            return ok_status();
        }
        case Token::s: {
            const size_t len = kDhLen + (symmetric_.has_key() ? kTagSize : 0);
            if (in.size() < len) return input_error("Noise message too short for a static key");
            BATON_ASSIGN(Bytes key, symmetric_.decrypt_and_hash(in.first(len)));
            rs_ = to_public_key(key);
            in = in.subspan(len);
            return ok_status();
        }
        case Token::psk: return mix_psk();
        default: return mix_dh(t);
    }
}

Status HandshakeState::mix_psk() {
    if (next_psk_ >= psks_.size()) return internal_error("Noise psk tokens outnumber psks");
    symmetric_.mix_key_and_hash(psks_[next_psk_++].view());
    return ok_status();
}

// ee, es, se, ss: the first letter names the initiator's key, the second the responder's (§7.1).
Status HandshakeState::mix_dh(Token t) {
    const bool initiator = role_ == Role::initiator;
    const bool init_uses_e = t == Token::ee || t == Token::es;
    const bool resp_uses_e = t == Token::ee || t == Token::se;
    const bool local_e = initiator ? init_uses_e : resp_uses_e;
    const bool remote_e = initiator ? resp_uses_e : init_uses_e;
    const auto& local = local_e ? e_ : s_;
    const auto& remote = remote_e ? re_ : rs_;
    if (!local || !remote) return internal_error("Noise DH token before its keys are known");
    BATON_ASSIGN(Secret<32> shared, crypto::x25519(local->private_key, *remote));
    symmetric_.mix_key(shared.view());
    return ok_status();
}

// After the last message the ephemeral, static and pre-shared secrets are no longer needed.
void HandshakeState::finish_message() {
    ++message_index_;
    if (message_index_ < pattern_.messages.size()) return;
    s_.reset();
    e_.reset();
    psks_.clear();
}

Result<TransportCiphers> HandshakeState::split() {
    if (auto st = check_turn(Step::split); !st) return die(st.error());
    auto [c1, c2] = symmetric_.split();
    split_done_ = true;
    if (role_ == Role::initiator) return TransportCiphers{std::move(c1), std::move(c2)};
    return TransportCiphers{std::move(c2), std::move(c1)};
}

Result<crypto::Digest64> HandshakeState::handshake_hash() const {
    if (failed_.dead) return conflict_error("Noise handshake failed earlier");
    if (message_index_ < pattern_.messages.size()) return conflict_error("Noise handshake is not complete");
    return symmetric_.handshake_hash();
}

}  // namespace baton::noise
