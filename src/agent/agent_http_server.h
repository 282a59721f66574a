// The agent's own HTTP API: /healthz, container
// log streaming and the WebSocket port-forward tunnel used by `caractrl logs`
// and `caractrl port-forward`. No auth, no middleware.
//
// Boost.Beast stays in the .cc (pimpl) so that including this header is cheap.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace cara::agent {

class ContainerLookup;

struct AgentHttpServerOptions {
  std::string address = "0.0.0.0";  // IPv4 or IPv6 literal; empty = 0.0.0.0
  int port = 9090;                  // 0 = ephemeral (tests); see AgentHttpServer::port()
};

class AgentHttpServer {
 public:
  // `lookup` must outlive the server. Follow-mode log streams are ended
  // through LogOptions::cancel when the client leaves or Stop() runs.
  AgentHttpServer(ContainerLookup* lookup, AgentHttpServerOptions options);
  ~AgentHttpServer();  // calls Stop()
  AgentHttpServer(const AgentHttpServer&) = delete;
  AgentHttpServer& operator=(const AgentHttpServer&) = delete;

  // Binds and starts serving in background threads. Fails (kUnavailable) if
  // the address cannot be bound. Call once.
  Status Start();
  // The bound port (useful with port 0); 0 before Start().
  int port() const;
  // Graceful shutdown: stops accepting, closes idle connections, tunnels and
  // log streams at once, lets in-flight short requests finish, and joins the
  // threads within about 5 s. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with connection threads
};

}  // namespace cara::agent
