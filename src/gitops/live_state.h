// Reading the cluster's live state for planning: one list call per kind,
// whatever the number of objects (API calls per sync are O(kinds + changed
// objects)).
#pragma once

#include "common/status.h"
#include "gitops/cluster_client.h"
#include "gitops/plan.h"

namespace cara::gitops {

Result<LiveState> ListLiveState(ClusterClient& client);

}  // namespace cara::gitops
