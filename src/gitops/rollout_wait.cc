#include "gitops/rollout_wait.h"

#include <map>
#include <ostream>

#include "api/lifecycle.h"
#include "api/types.h"
#include "gitops/live_state.h"

namespace cara::gitops {
namespace {

enum class TargetState { kPending, kReached, kFailed };

struct Observation {
  TargetState state;
  std::string detail;  // phase and latest condition message
};

std::string Describe(const api::Project& p) {
  std::string text = p.status.phase.empty() ? "Pending" : p.status.phase;
  for (auto it = p.status.conditions.rbegin(); it != p.status.conditions.rend(); ++it) {
    if (!it->message.empty()) return text + ": " + it->message;
  }
  return text;
}

Observation Observe(const WaitTarget& t, const api::Project* p) {
  if (t.deleted) {
    if (p == nullptr) return {TargetState::kReached, "deleted"};
    return {TargetState::kPending, Describe(*p)};
  }
  if (p == nullptr) return {TargetState::kFailed, "deleted while waiting"};
  if (p->status.phase == api::kPhaseFailed) return {TargetState::kFailed, Describe(*p)};
  if (p->status.phase == api::kPhaseRunning && p->status.observed_generation >= t.generation) {
    const api::Condition* health = api::FindCondition(p->status.conditions, api::kConditionHealthy);
    if (t.healthy && health != nullptr && health->status == api::condition::kFalse) {
      return {TargetState::kPending, "Running, unhealthy: " + health->message};
    }
    return {TargetState::kReached, "Running"};
  }
  return {TargetState::kPending, Describe(*p)};
}

std::string ProgressLine(size_t reached, size_t total, const std::vector<std::string>& pending) {
  std::string line = "waiting: " + std::to_string(reached) + "/" + std::to_string(total) + " ready";
  if (!pending.empty()) line += "; pending: ";
  for (size_t i = 0; i < pending.size() && i < 5; ++i) line += (i ? ", " : "") + pending[i];
  if (pending.size() > 5) line += ", ... (" + std::to_string(pending.size() - 5) + " more)";
  return line;
}

}  // namespace

WaitReport WaitForRollout(ClusterClient& client, Clock* clock,
                          const std::vector<WaitTarget>& targets, Duration timeout,
                          Duration poll_interval, std::ostream& progress,
                          const std::atomic<bool>* stop) {
  const auto deadline = clock->SteadyNow() + timeout;
  std::string last_line;
  while (true) {
    std::vector<std::string> pending, failed;
    size_t reached = 0;
    auto live = ListLiveState(client);
    if (live.ok()) {
      std::map<std::string, const api::Project*> by_name;
      for (const auto& p : live->projects) by_name[p.metadata.name] = &p;
      for (const WaitTarget& t : targets) {
        auto it = by_name.find(t.project);
        Observation o = Observe(t, it == by_name.end() ? nullptr : it->second);
        if (o.state == TargetState::kReached) ++reached;
        if (o.state == TargetState::kPending) pending.push_back(t.project + " (" + o.detail + ")");
        if (o.state == TargetState::kFailed) failed.push_back(t.project + ": " + o.detail);
      }
      if (!failed.empty()) return {WaitResult::kFailed, failed};
      if (pending.empty()) return {WaitResult::kDone, {}};
      std::string line = ProgressLine(reached, targets.size(), pending);
      if (line != last_line) progress << line << "\n" << std::flush;
      last_line = line;
    } else {
      progress << "waiting: " << live.status().message() << " (retrying)\n" << std::flush;
    }
    if (clock->SteadyNow() >= deadline) {
      return {WaitResult::kTimedOut, live.ok() ? pending : std::vector<std::string>{}};
    }
    if (!SleepUnlessStopped(*clock, poll_interval, stop))
      return {WaitResult::kInterrupted, pending};
  }
}

}  // namespace cara::gitops
