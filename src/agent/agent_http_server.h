// The agent's own HTTP API: /healthz, container
// log streaming and the WebSocket port-forward tunnel, which cara-server
// calls for `caractrl logs` and `caractrl port-forward`. With a node
// certificate it serves TLS and only the server may talk to it (mutual TLS,
// agent/agent_tls.h); without one, plain HTTP (compat mode).
//
// Boost.Beast stays in the .cc (pimpl) so that including this header is cheap.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace cara::agent {

class ContainerLookup;

// The node's TLS identity, PEM files; all empty = plain HTTP.
struct AgentTlsFiles {
  std::string cert_file;  // node.crt, CN node:<nodeName>
  std::string key_file;   // node.key
  std::string ca_file;    // ca.crt: the cluster CA that signed the server's client certificate

  bool enabled() const { return !cert_file.empty(); }
};

struct AgentHttpServerOptions {
  std::string address = "0.0.0.0";  // IPv4 or IPv6 literal; empty = 0.0.0.0
  int port = 9090;                  // 0 = ephemeral (tests); see AgentHttpServer::port()
  AgentTlsFiles tls;
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
  // the address cannot be bound, kInvalid if the TLS files do not load.
  // Call once.
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
