#include "protocol/session/codec.h"

#include <vector>

#include "certs/types.h"
#include "protocol/proto_util.h"
#include "protocol/session/handover_codec.h"
#include "protocol/wire.pb.h"

namespace baton::session {

namespace {

using proto_util::parse_strict;
using proto_util::serialize;

constexpr size_t kMaxCode = 64;
constexpr size_t kMaxDetail = 1024;

// The first `max` bytes of `s`, cut back to a UTF-8 character boundary: the wire's string fields
// must hold valid UTF-8, or the peer's parser refuses the whole message.
std::string truncate_utf8(const std::string& s, size_t max) {
    if (s.size() <= max) return s;
    size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xc0) == 0x80) --end;
    return s.substr(0, end);
}

Result<Refusal> refusal_from(const wire::Refusal& r) {
    if (r.code().empty() || r.code().size() > kMaxCode || r.detail().size() > kMaxDetail)
        return input_error("refusal has a bad code or an oversized detail");
    return Refusal{r.code(), r.detail()};
}

void refusal_to(const Refusal& r, wire::Refusal* out) {
    out->set_code(truncate_utf8(r.code, kMaxCode));
    out->set_detail(truncate_utf8(r.detail, kMaxDetail));
}

}  // namespace

Bytes encode_hello(std::string_view deal) {
    wire::Hello h;
    h.set_version(kProtocolVersion);
    h.set_deal(std::string(deal));
    return serialize(h);
}

Result<std::string> decode_hello(ByteView frame) {
    wire::Hello h;
    if (!parse_strict(h, frame)) return input_error("hello is malformed");
    if (h.version() != kProtocolVersion)
        return input_error("peer speaks protocol version " + std::to_string(h.version()) + ", we speak " +
                           std::to_string(kProtocolVersion));
    auto deal_ok = certs::check_deal_id(h.deal());
    if (!deal_ok) return input_error("hello names a bad deal id");
    return h.deal();
}

Bytes encode_handshake_payload(const HandshakePayload& p) {
    wire::HandshakePayload w;
    w.set_certificate(p.certificate.data(), p.certificate.size());
    w.set_static_signature(p.static_signature.data(), p.static_signature.size());
    if (p.refusal) refusal_to(*p.refusal, w.mutable_refusal());
    return serialize(w);
}

Result<HandshakePayload> decode_handshake_payload(ByteView bytes) {
    wire::HandshakePayload w;
    if (!parse_strict(w, bytes)) return input_error("handshake payload is malformed");
    HandshakePayload p;
    if (w.has_refusal()) {
        BATON_ASSIGN(auto r, refusal_from(w.refusal()));
        p.refusal = std::move(r);
        return p;
    }
    if (w.certificate().empty() || w.certificate().size() > certs::kMaxEnvelopeBytes)
        return input_error("handshake payload carries no certificate or an oversized one");
    if (w.static_signature().size() != 64) return input_error("handshake payload has no static-key signature");
    p.certificate = to_bytes(w.certificate());
    p.static_signature = to_bytes(w.static_signature());
    return p;
}

Bytes encode_session_message(const SessionMessage& m) {
    wire::SessionMessage w;
    if (std::holds_alternative<Welcome>(m)) w.mutable_welcome();
    if (const auto* r = std::get_if<Refusal>(&m)) refusal_to(*r, w.mutable_error());
    if (const auto* p = std::get_if<Ping>(&m)) w.mutable_ping()->set_id(p->id);
    if (const auto* p = std::get_if<Pong>(&m)) w.mutable_pong()->set_id(p->id);
    handover_to(m, w);
    return serialize(w);
}

Result<SessionMessage> decode_session_message(ByteView bytes) {
    wire::SessionMessage w;
    if (!parse_strict(w, bytes)) return input_error("session message is malformed");
    switch (w.kind_case()) {
        case wire::SessionMessage::kWelcome: return SessionMessage(Welcome{});
        case wire::SessionMessage::kError: {
            BATON_ASSIGN(auto r, refusal_from(w.error()));
            return SessionMessage(std::move(r));
        }
        case wire::SessionMessage::kPing: return SessionMessage(Ping{w.ping().id()});
        case wire::SessionMessage::kPong: return SessionMessage(Pong{w.pong().id()});
        case wire::SessionMessage::KIND_NOT_SET: return input_error("session message of unknown kind");
        default: return handover_from(w);
    }
}

}  // namespace baton::session
