// sync --watch: a reconciler loop. Every round first asks the server
// whether the source is suspended (after a rollback, say) and writes nothing
// while it is; otherwise it re-reads the source and re-lists the cluster and,
// unless both are exactly as they were when an earlier round found nothing
// to do, runs a sync round (which repairs drift). A source that fails to
// load or validate skips the round: it never means "delete".
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "common/clock.h"
#include "gitops/cluster_client.h"
#include "gitops/manifest_source.h"
#include "gitops/plan.h"
#include "gitops/source_spec.h"

namespace cara::gitops {

// What one sync round did, as the caller's round function reports it.
struct RoundResult {
  int exit_code = 0;
  bool in_sync = false;  // the plan had nothing to write and nothing was skipped
  std::string summary;   // for the round's log line
};

// Plans, executes and reports one round against a valid source.
using SyncRound = std::function<RoundResult(const LoadedSource& source, const LiveState& live)>;

enum class RoundOutcome {
  kSuspended,           // the server says the source is suspended: nothing was planned
  kSourceUnusable,      // unreadable or invalid manifests: nothing was planned
  kClusterUnreachable,  // the live state could not be listed
  kUnchanged,           // source and cluster as when last in sync: no round
  kSynced,              // the round function ran
};

class SyncWatch {
 public:
  SyncWatch(SourceSpec spec, ClusterClient& cluster, SyncRound round)
      : spec_(std::move(spec)), cluster_(cluster), round_(std::move(round)) {}

  // One round; each is logged with its number.
  RoundOutcome RunRound();

  // Rounds every `interval` until `stop` is set.
  void Run(Clock& clock, Duration interval, const std::atomic<bool>& stop);

 private:
  SourceSpec spec_;
  ClusterClient& cluster_;
  SyncRound round_;
  int cycle_ = 0;
  size_t settled_ = 0;                  // fingerprint of the last in-sync state
  std::optional<LoadedSource> source_;  // the last one read, reused while unchanged
};

// The one place the watch loop waits: `interval` on `clock`, or until
// `stop` is set (then false).
bool WaitForNextRound(Clock& clock, Duration interval, const std::atomic<bool>& stop);

}  // namespace cara::gitops
