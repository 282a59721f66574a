// diff and sync list the live state while they load the source: on a
// large source the two take about as long and need nothing from each other
// (the list is read-only, and a source with errors is still reported
// before anything is written). The list runs on a thread and a connection
// of its own, so the command's client stays free for other requests (the
// suspension check) in the meantime.
#pragma once

#include <future>

#include "cli/api_client.h"
#include "cli/api_cluster_client.h"
#include "common/status.h"
#include "gitops/plan.h"

namespace cara::cli {

class LiveStatePrefetch {
 public:
  // Starts listing at once.
  explicit LiveStatePrefetch(const ApiConnection& connection);
  // A list nobody took is cancelled (a source with errors must not wait
  // for a slow server), then waited for.
  ~LiveStatePrefetch();
  LiveStatePrefetch(const LiveStatePrefetch&) = delete;
  LiveStatePrefetch& operator=(const LiveStatePrefetch&) = delete;

  // ListLiveState's result, when it comes (gitops::LoadAndPlan takes it).
  std::future<Result<gitops::LiveState>>& listed() { return listed_; }

 private:
  ApiClient client_;
  ApiClusterClient cluster_;
  std::future<Result<gitops::LiveState>> listed_;
};

}  // namespace cara::cli
