#include "server/project_agent.h"

#include <httplib.h>

#include "common/log.h"
#include "server/agent_client.h"
#include "server/response.h"

namespace cara::server {
namespace {

// Scheduled and Failed projects may have containers (starting, or exited
// with a log worth reading); the agent says when there are none.
bool IsPlaced(const api::Project& project) {
  const std::string& phase = project.status.phase;
  return !project.status.node_ref.empty() &&
         (phase == api::kPhaseScheduled || phase == api::kPhaseRunning ||
          phase == api::kPhaseFailed);
}

}  // namespace

Result<ProjectAgent> LocateProjectAgent(store::Store& store, const std::string& name) {
  Result<api::Project> project = store.GetProject(name);
  if (!project.ok()) {
    if (project.status().code() != Code::kNotFound) return project.status();
    return Status::NotFound("project not found: " + name + ": resource not found");
  }
  if (!IsPlaced(*project)) {
    const std::string& phase = project->status.phase;
    return Status::Conflict("project " + name + " is not running on a node (phase " +
                            (phase.empty() ? "none" : phase) + ")");
  }
  const std::string& node_name = project->status.node_ref;
  Result<api::Node> node = store.GetNode(node_name);
  if (!node.ok()) return Status::Conflict("node " + node_name + " of the project is gone");
  Result<std::string> address = AgentAddressOf(*node);
  if (!address.ok()) return address.status();
  return ProjectAgent{node_name, *address};
}

void WriteLocateProblem(httplib::Response& res, const Status& status) {
  if (status.code() == Code::kNotFound) return WriteProblem(res, 404, status.message());
  if (status.code() == Code::kConflict) return WriteProblem(res, 409, status.message());
  WriteError(res, status);
}

std::string AgentUnreachable(const ProjectAgent& agent, const std::string& error) {
  LOG_WARN("cannot reach agent")
      .Kv("node", agent.node)
      .Kv("addr", agent.address)
      .Kv("error", error);
  return "cannot reach the agent of node " + agent.node + " at " + agent.address + ": " + error;
}

void WriteAgentUnreachable(httplib::Response& res, const ProjectAgent& agent,
                           const std::string& error) {
  WriteProblem(res, 502, AgentUnreachable(agent, error));
}

}  // namespace cara::server
