// Internal to protocol/session/codec.cpp: the handover's transfer messages (SessionMessage wire
// fields 5-14) and the witness's (fields 20-22) to and from protocol/wire.proto. Bounds: codec.h, decode_session_message.
#pragma once

#include "protocol/session/codec.h"
#include "protocol/wire.pb.h"

namespace baton::session {

// Sets the oneof case of `out` when `m` holds a handover message; leaves `out` alone otherwise.
void handover_to(const SessionMessage& m, wire::SessionMessage& out);
// Decodes the handover case set in `w`. Fails (bad_input) naming the message and field when it
// is out of bounds, or when `w` holds no handover case.
Result<SessionMessage> handover_from(const wire::SessionMessage& w);

}  // namespace baton::session
