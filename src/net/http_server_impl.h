// Internals of net::HttpServer shared by http_server.cc (listening,
// admission, shutdown) and http_connection.cc (one connection's requests).
// Boost.Beast is included here only, never from http_server.h.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "net/connection_limiter.h"
#include "net/connection_takeover.h"
#include "net/http_server.h"
#include "net/listener.h"

namespace cara::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// How a waiting response stream is woken: the stream's producer posts to
// the connection's strand, which sets `signaled` and cancels the timer the
// connection waits on (all on the strand, so no wake is lost).
struct StreamWake {
  explicit StreamWake(const asio::any_io_executor& executor) : timer(executor) {}
  asio::steady_timer timer;
  bool signaled = false;
};

// One accepted connection. Shared by its coroutine and, while it waits for
// a request, by Stop(), which cancels that wait.
struct Connection {
  Connection(tcp::socket socket, std::string client)
      : stream(std::move(socket)), client(std::move(client)) {}
  // The TLS handshake and the first request's headers share one deadline.
  const std::chrono::steady_clock::time_point accepted = std::chrono::steady_clock::now();
  boost::beast::tcp_stream stream;   // the lowest layer, under TLS too
  const std::string client;          // the address admission counted it under
  bool waiting = false;              // for a request: no handler work would be lost
  bool taken_over = false;           // by a ConnectionTakeover: Stop() closes it
  std::shared_ptr<StreamWake> wake;  // while a response stream may wait: Stop() wakes it
};

struct HttpServer::Impl {
  Impl(HttpServerOptions o, HttpHandler h, ErrorResponder e);

  Status Listen();
  void Admit(tcp::socket socket);
  void Stop();

  // The coroutine of one connection (http_connection.cc).
  asio::awaitable<void> Serve(std::shared_ptr<Connection> conn);
  // The TLS handshake under header_timeout; false when it failed.
  asio::awaitable<bool> Handshake(Connection& conn,
                                  boost::beast::ssl_stream<boost::beast::tcp_stream&>& stream);
  // Its requests, over `stream` (conn.stream itself, or TLS over it).
  template <class Stream>
  asio::awaitable<void> ServeRequests(Connection& conn, Stream& stream);
  // Runs the handler (and a body stream's first call) on the handler pool.
  asio::awaitable<StreamStep> Handle(Connection& conn, HttpRequest& req, HttpResponse& res);
  // Sends `res`; false when the connection broke and must be closed at once.
  template <class Stream>
  asio::awaitable<bool> WriteResponse(Connection& conn, Stream& stream, HttpResponse& res,
                                      StreamStep step, unsigned version, bool head, bool keep);
  // Until the stream's producer wakes it, the recheck interval passes or
  // the server stops.
  asio::awaitable<void> WaitForStream(Connection& conn);
  // Gives a waiting-capable stream its wake function (on conn's strand).
  void BindWake(Connection& conn, HttpResponse& res);
  // Hands the connection to `takeover` until it is done.
  template <class Stream>
  asio::awaitable<void> HandOver(Connection& conn, Stream& stream,
                                 boost::beast::flat_buffer& buffered, ConnectionTakeover& takeover);

  // A connection's waiting state. EnterWaiting fails once Stop() has begun,
  // under the same lock Stop() takes, so no wait can start unseen by it.
  bool EnterWaiting(Connection& conn);
  void LeaveWaiting(Connection& conn);
  // Marks a connection taken over; fails once Stop() has begun.
  bool EnterTakeover(Connection& conn);

  // The error response in the API's format (or plain text).
  HttpResponse ErrorResponse(int status, const std::string& detail) const;

  const HttpServerOptions options;
  const HttpHandler handler;
  const ErrorResponder on_error;
  std::unique_ptr<asio::ssl::context> tls;  // set by Listen() when options.tls is
  ConnectionLimiter limiter;
  std::atomic<bool> stopping{false};

  std::mutex mu;
  std::condition_variable cv;
  std::set<std::shared_ptr<Connection>> connections;  // guarded by mu
  bool started = false;
  bool stopped = false;

  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  asio::strand<asio::io_context::executor_type> accept_strand{ioc.get_executor()};
  Listener listener{accept_strand};
  asio::thread_pool handlers;
  std::vector<std::thread> io_threads;
};

}  // namespace cara::net
