// caractrl logs <project>/<service>: the service's log stream, copied to
// stdout as it arrives. By default through the server
// (GET /api/v1/projects/{p}/logs), which reads it from the node's agent;
// `--node` asks an agent directly, which only an agent without a
// certificate (a --no-auth cluster) still answers.
#include <httplib.h>

#include <ostream>

#include "cli/agent_address.h"
#include "cli/commands.h"

namespace cara::cli {
namespace {

// The reference client has no timeout; a followed stream may stay quiet for
// a long time.
std::chrono::seconds ReadTimeout(const LogsOptions& o) {
  return std::chrono::seconds(o.follow ? 365L * 24 * 3600 : 300);
}

// follow, tail and timestamps as both the server and the agent read them.
std::string LogQuery(const LogsOptions& o, std::string query) {
  auto add = [&query](const std::string& kv) { query += (query.empty() ? "?" : "&") + kv; };
  if (o.follow) add("follow=true");
  if (!o.tail.empty() && o.tail != "all") add("tail=" + PathEscape(o.tail));
  if (o.timestamps) add("timestamps=true");
  return query;
}

bool Print(const CliContext& ctx, const char* data, size_t length) {
  ctx.out->write(data, static_cast<std::streamsize>(length));
  ctx.out->flush();
  return true;
}

int LogsThroughServer(const CliContext& ctx, const LogsOptions& o, const Target& target) {
  // The same errors as the reference for a missing or unscheduled project.
  Result<std::string> node_ref = ProjectNodeRef(*ctx.client, target.project);
  if (!node_ref.ok()) return ReportError(ctx, node_ref.status().message());
  const std::string path = "/api/v1/projects/" + PathEscape(target.project) + "/logs" +
                           LogQuery(o, "?service=" + PathEscape(target.service));
  InterruptWatcher watcher([&ctx](int) { ctx.client->Stop(); });
  Result<ApiResponse> result = ctx.client->GetStreaming(
      path,
      [&](const char* data, size_t length) {
        return !watcher.interrupted() && Print(ctx, data, length);
      },
      ReadTimeout(o));
  if (watcher.interrupted()) return kExitOk;  // Ctrl-C
  if (!result.ok()) return ReportError(ctx, result.status().message());
  if (result->status != 200) return ReportError(ctx, DescribeHttpError(*result));
  return kExitOk;
}

int LogsFromAgent(const CliContext& ctx, const LogsOptions& o, const Target& target) {
  auto address = ResolveAgentAddress(*ctx.client, target.project, o.node, *ctx.err);
  if (!address.ok()) return ReportError(ctx, address.status().message());
  const std::string path = "/api/v1/logs/" + PathEscape(target.project) + "/" +
                           PathEscape(target.service) + LogQuery(o, "");

  httplib::Client http("http://" + *address);
  http.set_tcp_nodelay(true);
  http.set_connection_timeout(10, 0);
  http.set_read_timeout(ReadTimeout(o).count(), 0);

  InterruptWatcher watcher([&http](int) { http.stop(); });

  int status = 0;
  std::string error_body;
  auto result = http.Get(
      path,
      [&status](const httplib::Response& r) {
        status = r.status;
        return true;
      },
      [&](const char* data, size_t length) {
        if (watcher.interrupted()) return false;
        if (status != 200) {
          error_body.append(data, length);
          return true;
        }
        return Print(ctx, data, length);
      });
  if (watcher.interrupted()) return kExitOk;  // Ctrl-C
  if (!result) {
    return ReportError(ctx, "request to agent: GET http://" + *address + path + ": " +
                                httplib::to_string(result.error()));
  }
  if (result->status != 200) {
    return ReportError(ctx, DescribeHttpError(ApiResponse{result->status, error_body}));
  }
  return kExitOk;
}

}  // namespace

int RunLogs(const CliContext& ctx, const LogsOptions& o) {
  auto target = ParseTarget(o.target);
  if (!target.ok()) return ReportError(ctx, target.status().message(), kExitInvalid);
  return o.node.empty() ? LogsThroughServer(ctx, o, *target) : LogsFromAgent(ctx, o, *target);
}

}  // namespace cara::cli
