// Copying bytes between two streams for tunnels: the agent's port-forward
// (TCP <-> WebSocket), the ingress proxy's upgraded connections (TCP <->
// TCP) and relays of connections taken over from net::HttpServer
// (ByteStream <-> anything). Internal to Beast users: includes Asio and Beast.
#pragma once

#include <cstddef>
#include <exception>
#include <string>
#include <type_traits>
#include <utility>  // before Asio 1.18's awaitable.hpp, which uses std::exchange
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "common/log.h"
#include "net/connection_takeover.h"

namespace cara::net {

// Reads what is available: ByteStream has its own call, Asio streams
// async_read_some.
template <class Stream>
boost::asio::awaitable<size_t> ReadSome(Stream& from, boost::asio::mutable_buffer into,
                                        boost::system::error_code& ec) {
  namespace asio = boost::asio;
  if constexpr (std::is_base_of_v<ByteStream, Stream>) {
    co_return co_await from.ReadSome(into, ec);
  } else {
    co_return co_await from.async_read_some(into, asio::redirect_error(asio::use_awaitable, ec));
  }
}

// Writes all of `data`: one message on a WebSocket (it has binary()), a
// plain write on anything else.
template <class Stream>
boost::asio::awaitable<void> WriteAll(Stream& to, boost::asio::const_buffer data,
                                      boost::system::error_code& ec) {
  namespace asio = boost::asio;
  if constexpr (std::is_base_of_v<ByteStream, Stream>) {
    co_await to.Write(data, ec);
  } else if constexpr (requires { to.binary(); }) {
    co_await to.async_write(data, asio::redirect_error(asio::use_awaitable, ec));
  } else {
    co_await asio::async_write(to, data, asio::redirect_error(asio::use_awaitable, ec));
  }
}

// Copies from `from` to `to` until either fails or ends. What arrives is
// forwarded at once (read_some), so a trickle is not held back.
template <class From, class To>
boost::asio::awaitable<void> Pump(From& from, To& to, size_t buffer_bytes) {
  namespace asio = boost::asio;
  std::vector<char> buf(buffer_bytes);
  for (;;) {
    boost::system::error_code ec;
    size_t n = co_await ReadSome(from, asio::buffer(buf), ec);
    if (ec) co_return;
    co_await WriteAll(to, asio::buffer(buf.data(), n), ec);
    if (ec) co_return;
  }
}

// Both directions at once on the caller's executor; whichever ends first
// calls `shut_both` (which must shut both sockets down), which ends the
// other. Returns when both have ended: the pumps use `a` and `b`, which
// live in the caller's frame. No close handshake, on purpose: a tunnel ends
// abruptly, as a TCP connection through it would.
template <class A, class B, class ShutBoth>
boost::asio::awaitable<void> PumpBothWays(A& a, B& b, size_t buffer_bytes, ShutBoth shut_both,
                                          const std::string& who) {
  namespace asio = boost::asio;
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer other_done(executor, asio::steady_timer::time_point::max());
  bool other_finished = false;
  asio::co_spawn(executor, Pump(b, a, buffer_bytes), [&](std::exception_ptr) {
    other_finished = true;
    shut_both();
    other_done.cancel();
  });
  try {
    co_await Pump(a, b, buffer_bytes);
  } catch (const std::exception& e) {
    LOG_WARN(who + ": tunnel failed").Kv("error", e.what());
  }
  shut_both();
  boost::system::error_code ec;
  if (!other_finished) {
    co_await other_done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace cara::net
