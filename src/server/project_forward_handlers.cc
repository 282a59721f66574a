// GET /api/v1/projects/{name}/portforward?service=S&port=N, a WebSocket:
// a tunnel to one port of a service of a placed project, through the
// server to its node's agent (server/agent_upgrade_relay.h). Callers reach
// only the server; the agent's API is for the server alone.
#include <httplib.h>
#include <strings.h>

#include "net/host_port.h"
#include "net/percent_encoding.h"
#include "server/agent_upgrade_relay.h"
#include "server/handler_context.h"
#include "server/httplib_adapter.h"
#include "server/project_agent.h"
#include "server/response.h"
#include "server/router.h"

namespace cara::server {
namespace {

bool IsWebSocketUpgrade(const httplib::Request& req) {
  return strcasecmp(req.get_header_value("Upgrade").c_str(), "websocket") == 0;
}

// The handshake fields the agent must see as the client sent them.
net::HeaderList WebSocketFields(const httplib::Request& req) {
  net::HeaderList fields{{"Upgrade", "websocket"}, {"Connection", "Upgrade"}};
  for (const char* name : {"Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Protocol",
                           "Sec-WebSocket-Extensions"}) {
    if (req.has_header(name)) fields.emplace_back(name, req.get_header_value(name));
  }
  return fields;
}

class ProjectForwardHandlers {
 public:
  explicit ProjectForwardHandlers(const HandlerContext& ctx) : ctx_(ctx) {}

  void PortForward(const httplib::Request& req, httplib::Response& res, const PathParams& params) {
    const std::string& name = params.at("name");
    const std::string service = req.get_param_value("service");
    if (service.empty()) return WriteProblem(res, 400, "query parameter service is required");
    if (!req.has_param("port")) return WriteProblem(res, 400, "query parameter port is required");
    auto port = net::ParsePort(req.get_param_value("port"));
    if (!port) {
      return WriteProblem(res, 400,
                          "query parameter port must be a port number (1-65535), got \"" +
                              req.get_param_value("port") + "\"");
    }
    if (!IsWebSocketUpgrade(req)) {
      return WriteProblem(res, 400, "port-forward needs a WebSocket upgrade request");
    }
    Result<ProjectAgent> agent = LocateProjectAgent(*ctx_.store, name);
    if (!agent.ok()) return WriteLocateProblem(res, agent.status());
    std::string path = "/api/v1/forward/" + net::PercentEncode(name) + "/" +
                       net::PercentEncode(service) + "/" + std::to_string(*port);
    RequestTakeover(res, NewAgentUpgradeRelay(AgentUpgrade{*agent, ctx_.options.agent_client_tls,
                                                           std::move(path), WebSocketFields(req)}));
  }

 private:
  HandlerContext ctx_;
};

}  // namespace

void RegisterProjectForwardRoutes(Router& router, const HandlerContext& ctx) {
  auto handlers = std::make_shared<ProjectForwardHandlers>(ctx);
  router.Add("GET", "/api/v1/projects/{name}/portforward", handlers,
             &ProjectForwardHandlers::PortForward);
}

}  // namespace cara::server
