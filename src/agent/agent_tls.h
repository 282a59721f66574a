// Mutual TLS on the agent's API: the agent shows its node certificate and
// accepts only a client certificate the cluster CA signed for cara-server,
// so nobody but the server can read logs or open tunnels into containers.
// Internal to the agent's API (agent_http_server*.cc, agent_tls.cc).
#pragma once

#include <memory>

#include <boost/asio/ssl/context.hpp>

#include "agent/agent_http_server.h"
#include "common/status.h"

namespace cara::agent {

// A TLS 1.2+ server context with the node's certificate and key, verifying
// clients against `files.ca_file`: a client without a certificate, with
// one from another CA, or with any CN but cara-server fails the handshake.
// kInvalid naming the file when one does not load.
Result<std::shared_ptr<boost::asio::ssl::context>> NewAgentTlsContext(const AgentTlsFiles& files);

}  // namespace cara::agent
