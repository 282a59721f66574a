#include "cli/source_suspension.h"

#include <ostream>

namespace cara::cli {
namespace {

int PutState(const CliContext& ctx, gitops::ClusterClient& cluster, const std::string& id,
             bool suspended, const std::string& reason) {
  if (std::string problem = api::SourceIdProblem(id); !problem.empty()) {
    return ReportError(ctx, "--source: " + problem, kExitInvalid);
  }
  api::SourceState state;
  state.id = id;
  state.suspended = suspended;
  state.reason = reason;
  auto stored = cluster.PutSourceState(state);
  if (!stored.ok()) {
    return ReportError(ctx, std::string(suspended ? "suspend" : "resume") + " source " + id + ": " +
                                stored.status().message());
  }
  *ctx.err << "source " << id << (suspended ? " suspended" : " resumed")
           << (reason.empty() ? "" : ": " + reason) << "\n";
  return kExitOk;
}

}  // namespace

int SuspendSource(const CliContext& ctx, gitops::ClusterClient& cluster, const std::string& id,
                  const std::string& reason) {
  return PutState(ctx, cluster, id, true, reason);
}

int ResumeSource(const CliContext& ctx, gitops::ClusterClient& cluster, const std::string& id) {
  return PutState(ctx, cluster, id, false, "");
}

}  // namespace cara::cli
