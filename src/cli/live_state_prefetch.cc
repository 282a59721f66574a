#include "cli/live_state_prefetch.h"

#include "common/shutdown_signal.h"
#include "gitops/live_state.h"

namespace cara::cli {

LiveStatePrefetch::LiveStatePrefetch(const ApiConnection& connection)
    : client_(connection), cluster_(client_) {
  listed_ = std::async(std::launch::async, [this] {
    BlockShutdownSignalsInThisThread();  // the command's own thread handles them
    return gitops::ListLiveState(cluster_);
  });
}

LiveStatePrefetch::~LiveStatePrefetch() {
  if (!listed_.valid()) return;  // taken
  client_.Stop();
  listed_.wait();
}

}  // namespace cara::cli
