#include "cli/live_state_prefetch.h"

#include <pthread.h>
#include <signal.h>

#include "gitops/live_state.h"

namespace cara::cli {
namespace {

// SIGINT and SIGTERM belong to the command's own thread (sync stops
// between writes on them); they must not interrupt the list's reads.
void BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace

LiveStatePrefetch::LiveStatePrefetch(const ApiConnection& connection)
    : client_(connection), cluster_(client_) {
  listed_ = std::async(std::launch::async, [this] {
    BlockStopSignals();
    return gitops::ListLiveState(cluster_);
  });
}

LiveStatePrefetch::~LiveStatePrefetch() {
  if (!listed_.valid()) return;  // taken
  client_.Stop();
  listed_.wait();
}

}  // namespace cara::cli
