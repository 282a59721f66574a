// The agent's ingress reverse proxy: routes by
// the Host header through a RouteTable to container backends, streaming
// bodies both ways. Unknown hosts and unreachable backends get a 502 HTML page.
//
// Boost.Beast stays in the .cc (pimpl) so that including this header is cheap.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"

namespace cara::agent {

class RouteTable;

struct IngressProxyOptions {
  // Go listen syntax: ":8081" (all interfaces), "127.0.0.1:0", "[::1]:8081".
  // Port 0 picks an ephemeral port (tests); see IngressProxy::port().
  std::string listen_address = ":8081";
  // How long a client may take to send a request header (and how long an
  // idle keep-alive connection is kept). The original used 10 s.
  std::chrono::milliseconds header_timeout{10000};
  // Threads running the proxy's io_context; the proxy never blocks them.
  int io_threads = 2;
};

class IngressProxy {
 public:
  // `routes` must outlive the proxy.
  IngressProxy(RouteTable* routes, IngressProxyOptions options);
  ~IngressProxy();  // calls Stop()
  IngressProxy(const IngressProxy&) = delete;
  IngressProxy& operator=(const IngressProxy&) = delete;

  // Binds and starts serving. kInvalid for a malformed address, kUnavailable
  // if it cannot be bound. Call once.
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
