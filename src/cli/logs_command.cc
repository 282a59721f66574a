// caractrl logs <project>/<service>: the agent's
// log stream, copied to stdout as it arrives.
#include <httplib.h>

#include <ostream>

#include "cli/agent_address.h"
#include "cli/commands.h"

namespace cara::cli {

int RunLogs(const CliContext& ctx, const LogsOptions& o) {
  auto target = ParseTarget(o.target);
  if (!target.ok()) return ReportError(ctx, target.status().message(), kExitInvalid);
  auto address = ResolveAgentAddress(*ctx.client, target->project, o.node, *ctx.err);
  if (!address.ok()) return ReportError(ctx, address.status().message());

  std::string path =
      "/api/v1/logs/" + PathEscape(target->project) + "/" + PathEscape(target->service);
  std::string query;
  auto add = [&query](const std::string& kv) { query += (query.empty() ? "?" : "&") + kv; };
  if (o.follow) add("follow=true");
  if (!o.tail.empty() && o.tail != "all") add("tail=" + PathEscape(o.tail));
  if (o.timestamps) add("timestamps=true");
  path += query;

  httplib::Client http("http://" + *address);
  http.set_tcp_nodelay(true);
  http.set_connection_timeout(10, 0);
  // The reference client has no timeout; a followed stream may stay quiet
  // for a long time.
  http.set_read_timeout(o.follow ? 365L * 24 * 3600 : 300, 0);

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
        ctx.out->write(data, static_cast<std::streamsize>(length));
        ctx.out->flush();
        return true;
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

}  // namespace cara::cli
