#include "gitops/sync_watch.h"

#include "common/log.h"
#include "gitops/live_state.h"

namespace cara::gitops {
namespace {

// What a new round must look at: spec (generation), labels, annotations and
// phases. Not resourceVersions: heartbeats move a node's every few seconds.
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
  for (const auto& p : live.projects) mix(p.metadata, p.status.phase + "/" + p.status.node_ref);
  return h;
}

}  // namespace

RoundOutcome SyncWatch::RunRound() {
  const int cycle = ++cycle_;
  const std::string id = DeriveSourceId(spec_);
  auto state = cluster_.GetSourceState(id);
  if (!state.ok()) {
    LOG_ERROR("sync cycle skipped: server unreachable")
        .Kv("cycle", cycle)
        .Kv("error", state.status().message());
    return RoundOutcome::kClusterUnreachable;
  }
  if (state->suspended) {
    // The first round after a resume runs whatever the fingerprints say.
    settled_ = 0;
    LOG_INFO("sync cycle skipped: source suspended")
        .Kv("cycle", cycle)
        .Kv("source", id)
        .Kv("reason", state->reason)
        .Kv("by", state->by);
    return RoundOutcome::kSuspended;
  }
  auto loaded = LoadSource(spec_, spec_.ref, source_ ? &*source_ : nullptr);
  if (loaded.ok()) source_ = std::move(*loaded);
  if (!loaded.ok() || !source_->errors.empty()) {
    std::string why = loaded.ok() ? std::to_string(source_->errors.size()) +
                                        " error(s) in manifests: " + source_->errors.front()
                                  : loaded.status().message();
    LOG_ERROR("sync cycle skipped: source unusable").Kv("cycle", cycle).Kv("error", why);
    return RoundOutcome::kSourceUnusable;
  }
  auto live = ListLiveState(cluster_);
  if (!live.ok()) {
    LOG_ERROR("sync cycle skipped: server unreachable")
        .Kv("cycle", cycle)
        .Kv("error", live.status().message());
    return RoundOutcome::kClusterUnreachable;
  }
  size_t fingerprint = source_->fingerprint * 31 + LiveFingerprint(*live);
  const std::string commit = source_->info.commit.substr(0, 12);
  if (fingerprint == settled_) {
    LOG_INFO("sync cycle: unchanged").Kv("cycle", cycle).Kv("commit", commit);
    return RoundOutcome::kUnchanged;
  }
  RoundResult r = round_(*source_, *live);
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
    if (!WaitForNextRound(clock, interval, stop)) break;
  }
}

bool WaitForNextRound(Clock& clock, Duration interval, const std::atomic<bool>& stop) {
  return SleepUnlessStopped(clock, interval, &stop);
}

}  // namespace cara::gitops
