// sync --watch --metrics-listen: the watcher's Prometheus metrics. Fed by
// the watch's round observer and the webhook listener, read by the metrics
// listener's scrapes (another thread), hence the lock.
//
//   cara_sync_cycles_total{outcome}               rounds by outcome
//   cara_sync_last_cycle_timestamp_seconds        when the last round ended
//   cara_sync_last_cycle_duration_seconds         how long it took
//   cara_sync_cycle_duration_seconds              histogram of round durations
//   cara_sync_last_cycle_result{result}           1 for the last round's result
//   cara_sync_source_info{source,commit}          the commit last read
//   cara_sync_actions_total{action}               actions written, by type
//   cara_sync_drift_repairs_total                 live edits reverted
//   cara_sync_degraded_projects                   as of the last sync round
//   cara_sync_webhook_requests_total{result}      webhook deliveries by result
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "gitops/sync_watch.h"

namespace cara::cli {

// A round's result as one word: "synced" (wrote), "in_sync", "failed",
// "suspended", "source_unusable", "cluster_unreachable".
const char* RoundResultName(const gitops::RoundReport& report);

class WatchMetrics {
 public:
  explicit WatchMetrics(std::string source_id);

  // The round observer.
  void Observe(const gitops::RoundReport& report);
  // One webhook request, by WebhookResultName.
  void CountWebhook(const std::string& result);

  // The Prometheus text exposition format (version 0.0.4).
  std::string Render() const;

 private:
  void RenderCycles(std::string& out) const;
  void RenderActions(std::string& out) const;

  mutable std::mutex mu_;
  std::string source_id_;
  std::map<std::string, uint64_t> cycles_;  // by outcome
  std::string last_result_;                 // "" before the first round
  double last_end_seconds_ = 0;
  double last_duration_seconds_ = 0;
  std::vector<uint64_t> duration_buckets_;  // cumulative counts, one per bound
  uint64_t duration_count_ = 0;
  double duration_sum_ = 0;
  std::string commit_;
  std::map<std::string, uint64_t> actions_;
  uint64_t drift_repairs_ = 0;
  int degraded_ = 0;
  std::map<std::string, uint64_t> webhooks_;
};

}  // namespace cara::cli
