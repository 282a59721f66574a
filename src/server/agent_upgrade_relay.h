// A WebSocket upgrade passed on to a node's agent: the server connects to
// the agent as the log route does (mutual TLS with the agent-client
// certificate, only that node's certificate accepted; plain HTTP in compat
// mode), sends the client's upgrade request to the agent's own path, and if
// the agent switches protocols relays bytes both ways without reading the
// frames. Any other answer of the agent goes to the client as it is.
#pragma once

#include <memory>
#include <string>

#include "net/http_message.h"
#include "server/agent_client.h"
#include "server/project_agent.h"

namespace cara::net {
class ConnectionTakeover;
}

namespace cara::server {

struct AgentUpgrade {
  ProjectAgent agent;
  AgentClientTls tls;
  std::string path;  // the agent's endpoint, e.g. /api/v1/forward/p/s/80
  // The client's WebSocket handshake fields, passed on unchanged: the
  // agent's Sec-WebSocket-Accept then answers the client's own key.
  net::HeaderList headers;
};

std::shared_ptr<net::ConnectionTakeover> NewAgentUpgradeRelay(AgentUpgrade upgrade);

}  // namespace cara::server
