// How the server calls an agent's API (logs, port-forward): at the address
// the node registered, over mutual TLS with the server's client certificate
// (<data dir>/pki/agent-client.crt, CN cara-server), trusting only an agent
// certificate the cluster CA issued to that very node (CN node:<name>, and
// the registered IP among its names). Without credentials: plain HTTP, for
// agents that have not joined with a certificate (compat mode).
#pragma once

#include <memory>
#include <string>

#include "api/types.h"
#include "common/status.h"
#include "server/httplib_fwd.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace cara::server {

struct AgentClientTls {
  std::string ca_file;    // the cluster CA
  std::string cert_file;  // agent-client.crt
  std::string key_file;   // agent-client.key

  bool enabled() const { return !cert_file.empty(); }
};

// The server's agent-client credentials under `pki_dir` when both files
// exist; empty (plain HTTP) otherwise.
AgentClientTls AgentClientTlsIn(const std::string& pki_dir);

// "ip:port" of the node's agent API, as the node reported it (port 0 means
// the agent's default, 9090). kConflict when the node reported no IP.
Result<std::string> AgentAddressOf(const api::Node& node);

// Makes `ctx` (which already trusts the cluster CA and verifies peers)
// accept only a certificate issued to `node_name`: another node's
// certificate from the same CA fails the handshake.
void RequireAgentCertificate(ssl_ctx_st* ctx, const std::string& node_name);

// A client for the agent of `node_name` at `address` ("ip:port").
std::unique_ptr<httplib::Client> NewAgentClient(const std::string& address,
                                                const std::string& node_name,
                                                const AgentClientTls& tls);

}  // namespace cara::server
