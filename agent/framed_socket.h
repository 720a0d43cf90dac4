// A TCP socket speaking Baton frames (protocol/session/frame.h), with a deadline on every read.
// Memory per connection is bounded by one partial frame (64 KiB) plus the read buffer.
#pragma once

#include <asio.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "protocol/session/frame.h"

namespace baton::agent {

using Clock = std::chrono::steady_clock;

class FramedSocket {
public:
    explicit FramedSocket(asio::ip::tcp::socket socket);

    // The next frame's payload. Fails: unreachable (peer closed, network error), bad_input
    // (a bad frame length), or unreachable "timed out" when `timeout` passes first.
    asio::awaitable<Result<Bytes>> read_frame(Clock::duration timeout);

    // Frames and sends every payload, in order. Fails (unreachable) on a network error or when
    // `timeout` passes first.
    asio::awaitable<Status> write_frames(const std::vector<Bytes>& payloads, Clock::duration timeout);

    // One payload. (GCC 12 miscompiles braced initializer lists inside co_await expressions, so
    // callers use this rather than write_frames({x}, ...).)
    asio::awaitable<Status> write_frame(const Bytes& payload, Clock::duration timeout);

    void close();
    asio::any_io_executor executor() { return socket_.get_executor(); }
    const std::string& remote() const { return remote_; }

private:
    asio::ip::tcp::socket socket_;
    session::FrameDecoder decoder_;
    std::array<uint8_t, 16 * 1024> buffer_;
    std::string remote_;
};

// "HOST:PORT" → endpoint parts; IPv6 as "[::1]:PORT". Fails (usage) naming the text.
struct HostPort {
    std::string host;
    std::string port;
};
Result<HostPort> parse_host_port(const std::string& text);

}  // namespace baton::agent
