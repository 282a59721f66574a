#include "gitops/wave_rollout.h"

#include <set>
#include <string>

#include "gitops/wait_targets.h"

namespace cara::gitops {
namespace {

// As the plan groups them: prunes (whatever became of them) and expiries.
bool IsDelete(const Action& a) { return !a.in_source || a.type == ActionType::kExpire; }

bool InStep(const Action& a, const WaveStep& step) {
  return a.stage >= step.first_stage && a.stage <= step.last_stage;
}

bool StepFailed(const Plan& plan, const WaveStep& step,
                const std::vector<std::optional<ActionOutcome>>& outcomes) {
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    if (InStep(plan.actions[i], step) && outcomes[i] && !outcomes[i]->ok) return true;
  }
  return false;
}

}  // namespace

std::vector<WaveStep> WaveSteps(const Plan& plan) {
  std::vector<WaveStep> steps;
  for (const Action& a : plan.actions) {  // in stage order
    const bool deletes = IsDelete(a);
    if (!steps.empty() && steps.back().deletes == deletes && steps.back().wave == a.wave) {
      steps.back().last_stage = a.stage;
      continue;
    }
    steps.push_back({deletes, a.wave, a.stage, a.stage});
  }
  return steps;
}

bool HasWaves(const Plan& plan) {
  for (const Action& a : plan.actions) {
    if (a.wave != plan.actions.front().wave) return true;
  }
  return false;
}

std::vector<WaitTarget> StepTargets(const Plan& plan, const WaveStep& step,
                                    const std::vector<std::optional<ActionOutcome>>& outcomes,
                                    const LiveState& live) {
  std::set<std::string> projects;
  for (const Action& a : plan.actions) {
    if (InStep(a, step) && a.kind == api::kKindProject) projects.insert(a.name);
  }
  std::vector<WaitTarget> targets;
  for (WaitTarget& t : WaitTargets(plan, outcomes, live)) {
    if (projects.count(t.project) == 0) continue;
    t.healthy = true;
    targets.push_back(std::move(t));
  }
  return targets;
}

std::vector<std::optional<ActionOutcome>> ExecuteWaves(
    const ClusterConnector& connect, const Plan& plan, const LiveState& live, int parallelism,
    const OutcomeCallback& on_done, const std::atomic<bool>* stop, const WaveGate& gate) {
  if (!gate || !HasWaves(plan)) return ExecutePlan(connect, plan, parallelism, on_done, stop);
  std::vector<std::optional<ActionOutcome>> outcomes(plan.actions.size());
  const std::vector<WaveStep> steps = WaveSteps(plan);
  for (size_t i = 0; i < steps.size() && !(stop && stop->load()); ++i) {
    ExecuteStages(connect, plan, steps[i].first_stage, steps[i].last_stage, parallelism, on_done,
                  stop, &outcomes);
    if (i + 1 == steps.size() || StepFailed(plan, steps[i], outcomes)) break;
    std::vector<WaitTarget> targets = StepTargets(plan, steps[i], outcomes, live);
    if (!targets.empty() && !gate(steps[i], steps[i + 1], targets)) break;
  }
  return outcomes;
}

}  // namespace cara::gitops
