// Reading the cluster's live state for planning: one list call per kind,
// whatever the number of objects (product.md §8: API calls per sync are
// O(kinds + changed objects)).
#pragma once

#include "cli/api_client.h"
#include "common/status.h"
#include "gitops/plan.h"

namespace cara::cli {

Result<gitops::LiveState> ListLiveState(ApiClient& client);

}  // namespace cara::cli
