#include "cli/live_state.h"

namespace cara::cli {

Result<gitops::LiveState> ListLiveState(gitops::ClusterClient& client) {
  gitops::LiveState live;
  auto nodes = client.ListNodes();
  if (!nodes.ok()) return nodes.status();
  live.nodes = std::move(*nodes);
  auto projects = client.ListProjects();
  if (!projects.ok()) return projects.status();
  live.projects = std::move(*projects);
  return live;
}

}  // namespace cara::cli
