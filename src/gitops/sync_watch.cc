#include "gitops/sync_watch.h"

#include "common/log.h"
#include "common/sleep_until.h"
#include "gitops/live_state.h"
#include "gitops/project_health.h"

namespace cara::gitops {
namespace {

// What a new round must look at: spec (generation), labels, annotations,
// phases and health (reports count degraded projects). Not
// resourceVersions: heartbeats move a node's every few seconds.
size_t LiveFingerprint(const LiveState& live) {
  std::hash<std::string> hash;
  size_t h = 0;
  auto mix = [&](const api::ObjectMeta& m, const std::string& extra) {
    std::string key = m.name + "\x1f" + std::to_string(m.generation) + "\x1f" + extra;
    for (const auto& [k, v] : m.labels) key += "\x1f" + k + "=" + v;
    for (const auto& [k, v] : m.annotations) key += "\x1e" + k + "=" + v;
    h = h * 1000003u ^ hash(key);
  };
  for (const auto& n : live.nodes) mix(n.metadata, "node");
  for (const auto& p : live.projects) {
    mix(p.metadata, p.status.phase + "/" + p.status.node_ref + "/" + HealthOf(p).health);
  }
  return h;
}

}  // namespace

RoundOutcome SyncWatch::RunRound() {
  RoundReport report;
  report.cycle = ++cycle_;
  report.source_id = DeriveSourceId(spec_);
  report.started = clock_->Now();
  const MonotonicTime start = clock_->SteadyNow();
  report.outcome = Round(report);
  report.duration = clock_->SteadyNow() - start;
  for (const RoundObserver& observer : observers_) observer(report);
  return report.outcome;
}

RoundOutcome SyncWatch::Round(RoundReport& report) {
  const int cycle = report.cycle;
  const std::string& id = report.source_id;
  auto state = cluster_.GetSourceState(id);
  if (!state.ok()) {
    report.error = state.status().message();
    LOG_ERROR("sync cycle skipped: server unreachable")
        .Kv("cycle", cycle)
        .Kv("error", report.error);
    return RoundOutcome::kClusterUnreachable;
  }
  if (state->suspended) {
    // The first round after a resume runs whatever the fingerprints say.
    settled_ = 0;
    report.error = "source suspended";
    LOG_INFO("sync cycle skipped: source suspended")
        .Kv("cycle", cycle)
        .Kv("source", id)
        .Kv("reason", state->reason)
        .Kv("by", state->by);
    return RoundOutcome::kSuspended;
  }
  auto loaded = LoadSource(spec_, spec_.ref, source_ ? &*source_ : nullptr);
  if (loaded.ok()) {
    source_ = std::move(*loaded);
    report.commit = source_->info.commit;  // also when its manifests are invalid
  }
  if (!loaded.ok() || !source_->errors.empty()) {
    report.error = loaded.ok() ? std::to_string(source_->errors.size()) +
                                     " error(s) in manifests: " + source_->errors.front()
                               : loaded.status().message();
    LOG_ERROR("sync cycle skipped: source unusable").Kv("cycle", cycle).Kv("error", report.error);
    return RoundOutcome::kSourceUnusable;
  }
  auto live = ListLiveState(cluster_);
  if (!live.ok()) {
    report.error = live.status().message();
    LOG_ERROR("sync cycle skipped: server unreachable")
        .Kv("cycle", cycle)
        .Kv("error", report.error);
    return RoundOutcome::kClusterUnreachable;
  }
  size_t fingerprint = source_->fingerprint * 31 + LiveFingerprint(*live);
  const std::string commit = source_->info.commit.substr(0, 12);
  if (fingerprint == settled_) {
    LOG_INFO("sync cycle: unchanged").Kv("cycle", cycle).Kv("commit", commit);
    return RoundOutcome::kUnchanged;
  }
  report.result = round_(*source_, *live);
  const RoundResult& r = *report.result;
  if (r.in_sync) settled_ = fingerprint;
  LOG_INFO("sync cycle")
      .Kv("cycle", cycle)
      .Kv("commit", commit)
      .Kv("exit", r.exit_code)
      .Kv("result", r.summary);
  return RoundOutcome::kSynced;
}

void SyncWatch::Run(Clock& clock, Duration interval, const std::atomic<bool>& stop) {
  while (!stop) {
    RunRound();
    if (!WaitForNextRound(clock, interval, stop, &poked_)) break;
  }
}

void SyncWatch::Poke() { poked_ = true; }

bool WaitForNextRound(Clock& clock, Duration interval, const std::atomic<bool>& stop,
                      std::atomic<bool>* poked) {
  // `stop` is set from a signal handler, which cannot notify a condition
  // variable: both flags are polled, so a poke is seen within 50 ms.
  SleepUntilDone(clock, interval,
                 [&] { return stop.load() || (poked != nullptr && poked->load()); });
  if (poked != nullptr) poked->exchange(false);
  return !stop.load();
}

}  // namespace cara::gitops
