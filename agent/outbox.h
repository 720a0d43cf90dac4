// Outgoing messages of one established session, sent in order by a single writer coroutine, so
// that several coroutines of a connection (the reader answering queries, the committer sending
// acknowledgements, the seller streaming chunks) never write to the socket at once. Messages
// are sealed when queued, in queue order: the Noise nonces follow the order on the wire.
//
// Signal is a one-shot-at-a-time wakeup for coroutines on one executor: wait() suspends until
// notify() (or until the timeout); a notify() with no waiter is remembered once.
#pragma once

#include <asio.hpp>

#include <deque>

#include "agent/framed_socket.h"
#include "protocol/session/channel.h"

namespace baton::agent {

// An established session's channel failed: a frame that does not authenticate (auth) or a
// channel already dead (conflict). Nothing the frame held was accepted and the session is over;
// the cause is the link, or someone on the path altering, replaying or reordering frames, so for
// the caller it is as retryable as a cut link (unreachable) — a reconnection resumes from what
// both sides committed. Any other error is returned unchanged.
Error as_link_failure(const Error& e);

class Signal {
public:
    explicit Signal(const asio::any_io_executor& ex) : timer_(ex) {}
    void notify();
    // True when notified, false on timeout.
    asio::awaitable<bool> wait(Clock::duration timeout);

private:
    asio::steady_timer timer_;
    bool pending_ = false;
};

class Outbox {
public:
    // `sock` and `channel` must outlive the outbox.
    Outbox(FramedSocket& sock, session::SecureChannel& channel, Clock::duration write_timeout);

    // Seals and queues `m`. Fails when the channel cannot seal (a dead channel) or the outbox
    // failed; the session is over then.
    Status send(const session::SessionMessage& m);
    // Bytes queued and not yet written.
    size_t queued_bytes() const { return queued_bytes_; }
    // Starts the writer coroutine: it writes queued frames until stop() or a write error
    // (then failure() is set). Call once; join() before destroying the outbox.
    void start();
    // Waits until everything queued was written (or the outbox failed).
    asio::awaitable<Status> drain(Clock::duration timeout);
    void stop();
    // Waits until run() returned. Call after stop() (and closing the socket, if a write may hang)
    // before the outbox is destroyed.
    asio::awaitable<void> join();
    const std::optional<Error>& failure() const { return failed_; }
    asio::any_io_executor executor() { return sock_.executor(); }

private:
    asio::awaitable<Status> write_loop();
    FramedSocket& sock_;
    session::SecureChannel& channel_;
    Clock::duration timeout_;
    std::deque<Bytes> queue_;
    size_t queued_bytes_ = 0;
    Signal more_, written_, finished_;
    bool stopped_ = false, running_ = false;
    std::optional<Error> failed_;
};

}  // namespace baton::agent
