#include "agent/outbox.h"

#include <asio/experimental/as_tuple.hpp>

namespace baton::agent {

Error as_link_failure(const Error& e) {
    if (e.kind() != ErrorKind::auth && e.kind() != ErrorKind::conflict) return e;
    return Error(ErrorKind::unreachable,
                 "a frame was altered, replayed or reordered on the link (" + e.message() + "); the session is dropped");
}

using asio::experimental::as_tuple;

void Signal::notify() {
    pending_ = true;
    timer_.cancel();
}

asio::awaitable<bool> Signal::wait(Clock::duration timeout) {
    if (!pending_) {
        timer_.expires_after(timeout);
        co_await timer_.async_wait(as_tuple(asio::use_awaitable));
    }
    bool notified = pending_;
    pending_ = false;
    co_return notified;
}

Outbox::Outbox(FramedSocket& sock, session::SecureChannel& channel, Clock::duration write_timeout)
    : sock_(sock), channel_(channel), timeout_(write_timeout), more_(sock.executor()), written_(sock.executor()), finished_(sock.executor()) {}

Status Outbox::send(const session::SessionMessage& m) {
    if (failed_) return *failed_;
    if (stopped_) return Error(ErrorKind::unreachable, "session closed");
    auto sealed = channel_.seal(m);
    if (!sealed) {
        failed_ = as_link_failure(sealed.error());
        return *failed_;
    }
    queued_bytes_ += sealed->size();
    queue_.push_back(std::move(sealed).value());
    more_.notify();
    return ok_status();
}

void Outbox::start() {
    running_ = true;
    asio::co_spawn(sock_.executor(), [this]() -> asio::awaitable<void> {
        (void)co_await write_loop();
        running_ = false;
        finished_.notify();
    }, asio::detached);
}

asio::awaitable<void> Outbox::join() {
    while (running_) co_await finished_.wait(std::chrono::seconds(1));
}

asio::awaitable<Status> Outbox::write_loop() {
    std::vector<Bytes> batch;
    while (!stopped_) {
        if (queue_.empty()) {
            co_await more_.wait(std::chrono::hours(24));
            continue;
        }
        // Up to ~256 KiB per write: fewer system calls, frames still in order.
        size_t bytes = 0;
        batch.clear();
        while (!queue_.empty() && (batch.empty() || bytes < (256u << 10))) {
            bytes += queue_.front().size();
            batch.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
        auto st = co_await sock_.write_frames(batch, timeout_);
        queued_bytes_ -= bytes;
        written_.notify();
        if (!st) {
            failed_ = st.error();
            written_.notify();
            co_return st;
        }
    }
    co_return ok_status();
}

asio::awaitable<Status> Outbox::drain(Clock::duration timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!failed_ && queued_bytes_ > 0) {
        if (Clock::now() >= deadline) co_return Error(ErrorKind::unreachable, "timed out sending to " + sock_.remote());
        co_await written_.wait(deadline - Clock::now());
    }
    if (failed_) co_return *failed_;
    co_return ok_status();
}

void Outbox::stop() {
    stopped_ = true;
    more_.notify();
}

}  // namespace baton::agent
