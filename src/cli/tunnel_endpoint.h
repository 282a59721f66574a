// Where `caractrl port-forward` opens its WebSockets: the server's
// /api/v1/projects/{p}/portforward route (HTTPS with the connection's CA and
// bearer token, or plain HTTP), or with --node an agent directly (plain
// HTTP, agents without TLS). Beast users only: includes Asio's SSL.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "cli/api_client.h"
#include "common/status.h"

namespace cara::cli {

struct TunnelEndpoint {
  std::string host;  // to dial
  std::string port;
  std::string target;  // the WebSocket request target
  std::string token;   // sent as a bearer token when not empty
  net::TlsClientOptions tls;
  std::shared_ptr<boost::asio::ssl::context> ssl;  // set for wss

  // "ws://host:port/target" (or wss), for messages.
  std::string Url() const;
};

// The server's route for `service`:`port` of `project`, through the
// connection `client` uses. Invalid for an unusable server URL or TLS setup.
Result<TunnelEndpoint> ServerTunnelEndpoint(const ApiClient& client, const std::string& project,
                                            const std::string& service, int port);

// The agent's own tunnel at `agent_address` ("host:port"), plain HTTP.
Result<TunnelEndpoint> AgentTunnelEndpoint(const std::string& agent_address,
                                           const std::string& project, const std::string& service,
                                           int port);

}  // namespace cara::cli
