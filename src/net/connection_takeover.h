// Taking over a client connection from net::HttpServer after a request, to
// relay a protocol the server does not speak (a WebSocket upgrade passed on
// byte for byte to an agent) without parsing it.
//
// A handler that wants the connection sets HttpResponse::takeover instead
// of a response. The connection's coroutine then writes nothing: it calls
// Run() with the client's byte stream (plain TCP or TLS, the same interface)
// and closes the connection when Run() returns. Asio appears here, and only
// in handlers that include this header: a relay is asynchronous code and
// awaitables are the clearest way to write it; a callback interface would
// only move the same state machine into the relay.
#pragma once

#include <cstddef>
#include <utility>  // before Asio 1.18's awaitable.hpp, which uses std::exchange

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

namespace cara::net {

// The client side of a taken-over connection. Use it from Run()'s coroutine
// and coroutines it spawns on its executor (the connection's strand): at
// most one ReadSome and one Write outstanding at a time.
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Reads what is available (at least one byte) or fails (ec set; eof when
  // the client ended). The first reads return the bytes the client sent
  // after the request's headers, which the server had already buffered.
  virtual boost::asio::awaitable<size_t> ReadSome(boost::asio::mutable_buffer into,
                                                  boost::system::error_code& ec) = 0;
  // Writes all of `data` or fails.
  virtual boost::asio::awaitable<void> Write(boost::asio::const_buffer data,
                                             boost::system::error_code& ec) = 0;
  // No more bytes to the client (TCP FIN; over TLS without close_notify: a
  // relayed protocol has its own end, such as a WebSocket close frame, and
  // waiting for the client's close_notify would need a read of its own).
  virtual void ShutdownSend() = 0;
  // Cuts the connection: pending reads and writes fail at once.
  virtual void Close() = 0;
};

class ConnectionTakeover {
 public:
  virtual ~ConnectionTakeover() = default;
  // Owns the connection until it returns; no deadline applies but its own.
  // HttpServer::Stop() closes the stream of a connection still in Run(), so
  // Run() must end when its reads and writes fail.
  virtual boost::asio::awaitable<void> Run(ByteStream& client) = 0;
};

}  // namespace cara::net
