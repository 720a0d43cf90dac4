// The initiator side of a session: connect, run the Baton handshake, and hand back the
// established channel. Used by `ping` and `push`.
#pragma once

#include <asio.hpp>

#include "agent/framed_socket.h"
#include "agent/home.h"
#include "protocol/session/handshake.h"

namespace baton::agent {

struct ClientSession {
    FramedSocket sock;
    session::SecureChannel channel;
    certs::Certificate peer;
    double handshake_ms = 0;
};

// Connects to `to` and authenticates both sides for `deal` with this agent's certificate for it.
// Fails: conflict (no certificate for the deal), unreachable (resolve, connect, timeouts, the
// peer closing), auth (a refusal, by either side, named with its code).
asio::awaitable<Result<ClientSession>> open_session(Home& home, const certs::AgentKeys& keys, const std::string& deal,
                                                    const HostPort& to, Clock::duration timeout);

}  // namespace baton::agent
