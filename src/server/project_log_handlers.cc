// GET /api/v1/projects/{name}/logs?service=S[&follow=&tail=&timestamps=]:
// the log of one service of a placed project, read from its node's agent
// (server/agent_client.h) and streamed to the caller as it arrives. Callers
// reach only the server; the agent's API is for the server alone.
#include <httplib.h>

#include "common/log.h"
#include "net/percent_encoding.h"
#include "server/agent_client.h"
#include "server/agent_log_stream.h"
#include "server/handler_context.h"
#include "server/response.h"
#include "server/router.h"

namespace cara::server {
namespace {

// Where a project's containers are, or the problem that says why there are
// none to read.
struct Placement {
  std::string node;
  std::string address;
};

bool IsPlaced(const api::Project& project) {
  const std::string& phase = project.status.phase;
  return !project.status.node_ref.empty() &&
         (phase == api::kPhaseScheduled || phase == api::kPhaseRunning ||
          phase == api::kPhaseFailed);
}

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
    Result<api::Project> project = ctx_.store->GetProject(name);
    if (!project.ok()) {
      if (project.status().code() != Code::kNotFound) return WriteError(res, project.status());
      return WriteProblem(res, 404, "project not found: " + name + ": resource not found");
    }
    if (!IsPlaced(*project)) {
      return WriteProblem(res, 409,
                          "project " + name + " is not running on a node (phase " +
                              (project->status.phase.empty() ? "none" : project->status.phase) +
                              ")");
    }
    Result<Placement> placement = Locate(project->status.node_ref);
    if (!placement.ok()) return WriteProblem(res, 409, placement.status().message());
    Relay(res, *placement, AgentLogPath(req, name, service));
  }

 private:
  Result<Placement> Locate(const std::string& node_name) {
    Result<api::Node> node = ctx_.store->GetNode(node_name);
    if (!node.ok()) return Status::Conflict("node " + node_name + " of the project is gone");
    Result<std::string> address = AgentAddressOf(*node);
    if (!address.ok()) return address.status();
    return Placement{node_name, *address};
  }

  void Relay(httplib::Response& res, const Placement& at, const std::string& path) {
    auto stream = AgentLogStream::Open(
        NewAgentClient(at.address, at.node, ctx_.options.agent_client_tls), path);
    if (stream->status() == 0) {
      LOG_WARN("cannot reach agent")
          .Kv("node", at.node)
          .Kv("addr", at.address)
          .Kv("error", stream->error());
      return WriteProblem(res, 502,
                          "cannot reach the agent of node " + at.node + " at " + at.address + ": " +
                              stream->error());
    }
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
