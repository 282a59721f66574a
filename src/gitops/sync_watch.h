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
#include <map>
#include <optional>
#include <string>
#include <vector>

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
  // For notifications and metrics: whether an action wrote to the server,
  // the count of each action type written or failed ("create", "update",
  // "delete", ...), and the round's versioned JSON report ("" when nothing
  // was planned).
  bool wrote = false;
  std::map<std::string, int> actions;
  int drift_repairs = 0;  // live edits the round reverted
  int degraded = 0;       // Failed or unhealthy projects, in sync or not
  std::string report_json;
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

// One round as observers see it (after the round).
struct RoundReport {
  int cycle = 0;
  RoundOutcome outcome = RoundOutcome::kUnchanged;
  std::string source_id;
  std::string commit;                 // full id; "" for a directory or an unread source
  std::string error;                  // why a round was skipped
  std::optional<RoundResult> result;  // set when outcome == kSynced
  Timestamp started;
  Duration duration{0};
};
using RoundObserver = std::function<void(const RoundReport&)>;

class SyncWatch {
 public:
  SyncWatch(SourceSpec spec, ClusterClient& cluster, SyncRound round,
            Clock* clock = SystemClock::Default())
      : spec_(std::move(spec)), cluster_(cluster), round_(std::move(round)), clock_(clock) {}

  // Called after every round, on the watch's thread, in the order added.
  void AddObserver(RoundObserver observer) { observers_.push_back(std::move(observer)); }

  // One round; each is logged with its number and told to the observers.
  RoundOutcome RunRound();

  // Rounds every `interval` until `stop` is set.
  void Run(Clock& clock, Duration interval, const std::atomic<bool>& stop);

  // Starts the next round now instead of at the end of the interval (a
  // push webhook), from any thread. Pokes during a round coalesce into one
  // more round after it.
  void Poke();

 private:
  RoundOutcome Round(RoundReport& report);

  SourceSpec spec_;
  ClusterClient& cluster_;
  SyncRound round_;
  Clock* clock_;
  int cycle_ = 0;
  size_t settled_ = 0;                  // fingerprint of the last in-sync state
  std::optional<LoadedSource> source_;  // the last one read, reused while unchanged
  std::vector<RoundObserver> observers_;
  std::atomic<bool> poked_{false};
};

// The one place the watch loop waits: `interval` on `clock`, until `poked`
// is set (then cleared), or until `stop` is set (then false).
bool WaitForNextRound(Clock& clock, Duration interval, const std::atomic<bool>& stop,
                      std::atomic<bool>* poked = nullptr);

}  // namespace cara::gitops
