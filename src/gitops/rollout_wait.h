// sync --wait: after the writes, wait until every created or updated Project
// runs the generation that was written and every deleted one is gone.
#pragma once

#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "common/clock.h"
#include "gitops/cluster_client.h"

namespace cara::gitops {

struct WaitTarget {
  std::string project;
  bool deleted = false;    // wait for it to be gone
  int64_t generation = 0;  // else: Running with observedGeneration >= this
  // Also no Healthy=False condition (a sync wave must be healthy before the
  // next one starts).
  bool healthy = false;
};

enum class WaitResult { kDone, kFailed, kTimedOut, kInterrupted };

struct WaitReport {
  WaitResult result = WaitResult::kDone;
  std::vector<std::string> problems;  // failed or still pending projects, with why
};

// Polls the project list (one call per poll) until every target is reached,
// one fails, `timeout` passes on `clock` or *stop is set. Prints a progress line to
// `progress` whenever the set of pending projects changes.
WaitReport WaitForRollout(ClusterClient& client, Clock* clock,
                          const std::vector<WaitTarget>& targets, Duration timeout,
                          Duration poll_interval, std::ostream& progress,
                          const std::atomic<bool>* stop);

}  // namespace cara::gitops
