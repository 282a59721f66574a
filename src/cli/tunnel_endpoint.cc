#include "cli/tunnel_endpoint.h"

#include "net/host_port.h"

namespace cara::cli {

std::string TunnelEndpoint::Url() const {
  return std::string(ssl ? "wss://" : "ws://") + net::JoinHostPort(host, std::stoi(port)) + target;
}

Result<TunnelEndpoint> ServerTunnelEndpoint(const ApiClient& client, const std::string& project,
                                            const std::string& service, int port) {
  const ApiConnection& connection = client.connection();
  const bool https = connection.server.rfind("https://", 0) == 0;
  std::string authority = connection.server.substr(connection.server.find("://") + 3);
  if (authority.find(':', authority.rfind(']') + 1) == std::string::npos) {
    authority += https ? ":443" : ":80";  // --server without a port
  }
  auto address = net::SplitHostPort(authority);
  if (!address.ok())
    return Status::Invalid("invalid server address: " + address.status().message());
  TunnelEndpoint endpoint;
  endpoint.host = address->host;
  endpoint.port = std::to_string(address->port);
  endpoint.target = "/api/v1/projects/" + PathEscape(project) +
                    "/portforward?service=" + PathEscape(service) + "&port=" + std::to_string(port);
  endpoint.token = connection.token;
  if (!https) return endpoint;
  endpoint.tls = connection.tls;
  endpoint.ssl = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
  Status configured = net::ConfigureTlsClientContext(endpoint.ssl->native_handle(), endpoint.tls);
  if (!configured.ok()) return configured;
  return endpoint;
}

Result<TunnelEndpoint> AgentTunnelEndpoint(const std::string& agent_address,
                                           const std::string& project, const std::string& service,
                                           int port) {
  auto agent = net::SplitHostPort(agent_address);
  if (!agent.ok()) return Status::Invalid("invalid agent address: " + agent.status().message());
  TunnelEndpoint endpoint;
  endpoint.host = agent->host;
  endpoint.port = std::to_string(agent->port);
  endpoint.target = "/api/v1/forward/" + PathEscape(project) + "/" + PathEscape(service) + "/" +
                    std::to_string(port);
  return endpoint;
}

}  // namespace cara::cli
