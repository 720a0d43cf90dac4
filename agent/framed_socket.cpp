#include "agent/framed_socket.h"

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>

namespace baton::agent {

using asio::experimental::as_tuple;
using namespace asio::experimental::awaitable_operators;

namespace {

std::string describe(const asio::ip::tcp::socket& s) {
    asio::error_code ec;
    auto ep = s.remote_endpoint(ec);
    if (ec) return "?";
    return ep.address().to_string() + ":" + std::to_string(ep.port());
}

}  // namespace

FramedSocket::FramedSocket(asio::ip::tcp::socket socket) : socket_(std::move(socket)), remote_(describe(socket_)) {}

asio::awaitable<Result<Bytes>> FramedSocket::read_frame(Clock::duration timeout) {
    asio::steady_timer timer(socket_.get_executor());
    timer.expires_after(timeout);
    while (true) {
        auto frame = decoder_.next();
        if (!frame) co_return frame.error();
        if (*frame) co_return std::move(**frame);
        auto result = co_await (socket_.async_read_some(asio::buffer(buffer_), as_tuple(asio::use_awaitable)) ||
                                timer.async_wait(as_tuple(asio::use_awaitable)));
        if (result.index() == 1) co_return Error(ErrorKind::unreachable, "timed out waiting for " + remote_);
        auto [ec, n] = std::get<0>(result);
        if (ec == asio::error::eof) co_return Error(ErrorKind::unreachable, remote_ + " closed the connection");
        if (ec) co_return Error(ErrorKind::unreachable, remote_ + ": " + ec.message());
        decoder_.feed(ByteView(buffer_.data(), n));
    }
}

asio::awaitable<Status> FramedSocket::write_frames(const std::vector<Bytes>& payloads, Clock::duration timeout) {
    Bytes out;
    for (const auto& p : payloads) append(out, session::encode_frame(p));
    asio::steady_timer timer(socket_.get_executor());
    timer.expires_after(timeout);
    auto result = co_await (asio::async_write(socket_, asio::buffer(out), as_tuple(asio::use_awaitable)) ||
                            timer.async_wait(as_tuple(asio::use_awaitable)));
    if (result.index() == 1) co_return Error(ErrorKind::unreachable, "timed out sending to " + remote_);
    auto [ec, n] = std::get<0>(result);
    (void)n;
    if (ec) co_return Error(ErrorKind::unreachable, remote_ + ": " + ec.message());
    co_return ok_status();
}

asio::awaitable<Status> FramedSocket::write_frame(const Bytes& payload, Clock::duration timeout) {
    std::vector<Bytes> one;
    one.push_back(payload);
    co_return co_await write_frames(one, timeout);
}

void FramedSocket::close() {
    asio::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
}

Result<HostPort> parse_host_port(const std::string& text) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || colon + 1 == text.size() || text.size() > 300)
        return usage_error("'" + text.substr(0, 64) + "' is not HOST:PORT");
    std::string host = text.substr(0, colon), port = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    for (char c : port)
        if (c < '0' || c > '9') return usage_error("'" + text.substr(0, 64) + "': port must be a number");
    if (port.size() > 5 || std::stoi(port) > 65535) return usage_error("'" + text.substr(0, 64) + "': port out of range");
    if (host.empty()) return usage_error("'" + text.substr(0, 64) + "': host is missing");
    return HostPort{host, port};
}

}  // namespace baton::agent
