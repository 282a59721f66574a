// GET /api/v1/projects/{name}/logs?service=S[&follow=&tail=&timestamps=]:
// the log of one service of a placed project, read from its node's agent
// (server/agent_client.h) and streamed to the caller as it arrives. Callers
// reach only the server; the agent's API is for the server alone.
#include <httplib.h>

#include "net/percent_encoding.h"
#include "server/agent_client.h"
#include "server/agent_log_stream.h"
#include "server/handler_context.h"
#include "server/project_agent.h"
#include "server/response.h"
#include "server/router.h"

namespace cara::server {
namespace {

// The agent path with the caller's options passed on as the agent expects.
std::string AgentLogPath(const httplib::Request& req, const std::string& project,
                         const std::string& service) {
  std::string path =
      "/api/v1/logs/" + net::PercentEncode(project) + "/" + net::PercentEncode(service);
  std::string query;
  for (const char* name : {"follow", "tail", "timestamps"}) {
    if (!req.has_param(name)) continue;
    query += (query.empty() ? "?" : "&") + std::string(name) + "=" +
             net::PercentEncode(req.get_param_value(name));
  }
  return path + query;
}

class ProjectLogHandlers {
 public:
  explicit ProjectLogHandlers(const HandlerContext& ctx) : ctx_(ctx) {}

  void Logs(const httplib::Request& req, httplib::Response& res, const PathParams& params) {
    const std::string& name = params.at("name");
    const std::string service = req.get_param_value("service");
    if (service.empty()) return WriteProblem(res, 400, "query parameter service is required");
    Result<ProjectAgent> agent = LocateProjectAgent(*ctx_.store, name);
    if (!agent.ok()) return WriteLocateProblem(res, agent.status());
    Relay(res, *agent, AgentLogPath(req, name, service));
  }

 private:
  void Relay(httplib::Response& res, const ProjectAgent& at, const std::string& path) {
    auto stream = AgentLogStream::Open(
        NewAgentClient(at.address, at.node, ctx_.options.agent_client_tls), path);
    if (stream->status() == 0) return WriteAgentUnreachable(res, at, stream->error());
    if (stream->status() != 200) {
      // The agent's own problem (container gone, not running) says it best.
      std::string body = stream->ReadAll();
      res.status = stream->status();
      res.set_content(body, stream->content_type().empty() ? "text/plain; charset=utf-8"
                                                           : stream->content_type());
      return;
    }
    res.status = 200;
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_chunked_content_provider("text/plain; charset=utf-8",
                                     [stream](size_t, httplib::DataSink& sink) {
                                       std::string piece;
                                       net::StreamStep step = stream->Next(&piece);
                                       if (!piece.empty()) sink.write(piece.data(), piece.size());
                                       if (step == net::StreamStep::kDone) sink.done();
                                       return step != net::StreamStep::kFailed;
                                     });
  }

  HandlerContext ctx_;
};

}  // namespace

void RegisterProjectLogRoutes(Router& router, const HandlerContext& ctx) {
  auto handlers = std::make_shared<ProjectLogHandlers>(ctx);
  router.Add("GET", "/api/v1/projects/{name}/logs", handlers, &ProjectLogHandlers::Logs);
}

}  // namespace cara::server
