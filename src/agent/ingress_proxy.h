// The agent's ingress reverse proxy: routes by
// the Host header through a RouteTable to container backends, streaming
// bodies both ways. Unknown hosts and unreachable backends get a 502 HTML page.
// Public plain HTTP by default; with a certificate it terminates TLS (the
// backends, containers on the node, are still spoken to in plain HTTP).
//
// Boost.Beast stays in the .cc (pimpl) so that including this header is cheap.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "net/http_server.h"

namespace cara::agent {

class RouteTable;

struct IngressProxyOptions {
  // Go listen syntax: ":8081" (all interfaces), "127.0.0.1:0", "[::1]:8081".
  // Port 0 picks an ephemeral port (tests); see IngressProxy::port().
  std::string listen_address = ":8081";
  // How long a client may take to send a request header (and how long an
  // idle keep-alive connection is kept). The original used 10 s. With TLS
  // the handshake and the first header share this deadline.
  std::chrono::milliseconds header_timeout{10000};
  // Threads running the proxy's io_context; the proxy never blocks them.
  int io_threads = 2;
  // Certificate and key: HTTPS only on the listen address. Empty: plain HTTP.
  // (Client certificates are not asked for: ingress is public.)
  net::TlsServerOptions tls = {};
};

class IngressProxy {
 public:
  // `routes` must outlive the proxy.
  IngressProxy(RouteTable* routes, IngressProxyOptions options);
  ~IngressProxy();  // calls Stop()
  IngressProxy(const IngressProxy&) = delete;
  IngressProxy& operator=(const IngressProxy&) = delete;

  // Binds and starts serving. kInvalid for a malformed address or an unusable
  // TLS certificate or key (the message names the file), kUnavailable if it
  // cannot be bound. Call once.
  Status Start();
  // The bound port; 0 before Start().
  int port() const;
  // Graceful: stops accepting, closes idle keep-alive connections, lets
  // in-flight requests finish for up to about 5 s, then closes the rest and
  // joins the io threads. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace cara::agent
