#include "protocol/session/channel.h"

namespace baton::session {

namespace {

Status rekey_if_due(noise::CipherState& c) {
    if (c.nonce() > 0 && c.nonce() % kRekeyInterval == 0) return c.rekey();
    return ok_status();
}

}  // namespace

Result<Bytes> SecureChannel::seal_bytes(ByteView plaintext) {
    if (dead_) return conflict_error("session channel failed earlier");
    BATON_TRY(rekey_if_due(c_.send));
    return c_.send.encrypt_with_ad({}, plaintext);
}

Result<Bytes> SecureChannel::seal(const SessionMessage& m) { return seal_bytes(encode_session_message(m)); }

Result<Bytes> SecureChannel::open_bytes(ByteView frame) {
    if (dead_) return conflict_error("session channel failed earlier");
    auto rekeyed = rekey_if_due(c_.recv);
    auto plain = rekeyed ? c_.recv.decrypt_with_ad({}, frame) : Result<Bytes>(rekeyed.error());
    if (!plain) dead_ = true;
    return plain;
}

Result<SessionMessage> SecureChannel::open(ByteView frame) {
    BATON_ASSIGN(auto plain, open_bytes(frame));
    auto m = decode_session_message(plain);
    if (!m) dead_ = true;
    return m;
}

}  // namespace baton::session
