// An HTTP/1.1 server on Boost.Beast for the cara-server API (and the
// benchmarks' baseline, so both run the same stack).
//
// Why not cpp-httplib: its server gives each connection a thread for its
// whole life and cannot bound the time to receive headers, count chunked
// bodies against a limit, cap connections per client or close gracefully.
// Here an I/O thread runs every connection asynchronously, with
// deadlines; a connection holds a handler thread only while its handler
// runs (or produces the next piece of a streamed body), so slow or idle
// sockets cost memory, not threads.
//
// Per connection: admission (ConnectionLimiter), then for each request:
// wait for the first byte (idle timeout on keep-alive), headers within the
// header timeout, the body within the body timeout and max_body_bytes
// (Content-Length or chunked, counted while reading: 413 as soon as it is
// passed), the handler on the pool, the response within the write timeout.
// A connection that is closed with input possibly unread (413, malformed
// request, "Connection: close") closes gracefully: the response is sent,
// the write side shut down and input drained for a bounded time, so the
// client reads the response instead of a reset.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "common/status.h"
#include "net/connection_limiter.h"
#include "net/http_message.h"

namespace cara::net {

// HTTPS: each connection completes a TLS handshake (TLS 1.2 or later) within
// header_timeout, then is served exactly as over plain TCP. A client that
// speaks plain HTTP fails the handshake and is disconnected.
struct TlsServerOptions {
  std::string cert_file;  // PEM, leaf first then intermediates; empty: plain HTTP
  std::string key_file;   // PEM, unencrypted
  // When set, a client must present a certificate signed by this CA...
  std::string client_ca_file;
  // ...and, when this is set too, whose subject CN is exactly this.
  std::string required_client_cn;

  bool enabled() const { return !cert_file.empty(); }
};

struct HttpServerOptions {
  std::string host = "0.0.0.0";
  int port = 8080;  // 0 picks a free port
  // One I/O thread measured faster than two on 2 cores (fewer hand-offs);
  // the handlers run on their own threads anyway.
  size_t io_threads = 1;
  size_t handler_threads = 64;  // blocking handlers (store calls) run here
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 64 << 10;
  // From accept (or a keep-alive request's first byte) to the end of the headers.
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};
  // From the end of the headers to the end of the body.
  std::chrono::milliseconds body_timeout{std::chrono::seconds(30)};
  // How long a keep-alive connection may wait for its next request.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(5)};
  // Each write of a response (or of one piece of a streamed body).
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
  // After a last response, input is drained before closing until the client
  // is silent this long (or body_timeout has passed).
  std::chrono::milliseconds lingering_close_timeout{std::chrono::seconds(2)};
  // How long Stop() lets requests in flight finish before cutting them.
  std::chrono::milliseconds stop_grace{std::chrono::seconds(10)};
  // A waiting stream (StreamStep::kWait) is called again after this even
  // when not woken, so it can send a keep-alive or notice its own end.
  std::chrono::milliseconds stream_recheck{std::chrono::seconds(5)};
  int keep_alive_max_requests = 1000;
  ConnectionLimits limits;
  TlsServerOptions tls;
};

class HttpServer {
 public:
  // `on_error` may be null (plain-text error responses).
  HttpServer(HttpServerOptions options, HttpHandler handler, ErrorResponder on_error = nullptr);
  ~HttpServer();  // calls Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Loads the TLS files (if any), binds, listens (backlog 1024) and serves
  // on background threads.
  Status Start();
  // The bound port (useful with port 0). Valid after Start().
  int port() const;
  // Connections open now (admitted and not yet closed).
  size_t open_connections() const;
  // Stops accepting, closes idle connections, ends waiting streams (their
  // bodies end cleanly), lets requests in flight finish (up to
  // stop_grace), joins the threads. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace cara::net
