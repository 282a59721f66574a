#include "gitops/live_state.h"

namespace cara::gitops {

Result<LiveState> ListLiveState(ClusterClient& client) {
  LiveState live;
  auto nodes = client.ListNodes();
  if (!nodes.ok()) return nodes.status();
  live.nodes = std::move(*nodes);
  auto projects = client.ListProjects();
  if (!projects.ok()) return projects.status();
  live.projects = std::move(*projects);
  return live;
}

}  // namespace cara::gitops
