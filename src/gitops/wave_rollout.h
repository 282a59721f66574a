// Running a plan wave by wave (caravanserai.io/sync-wave, sync_wave.h). The
// plan's stages already put waves in order; with --wait, sync also lets each
// wave settle (its Projects Running and healthy, its deletions gone) before
// the next wave is written, through a gate the caller supplies.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <vector>

#include "gitops/action_outcome.h"
#include "gitops/plan.h"
#include "gitops/plan_executor.h"
#include "gitops/rollout_wait.h"

namespace cara::gitops {

// The stages of one wave's writes, or of one wave's deletes.
struct WaveStep {
  bool deletes = false;
  int wave = 0;
  int first_stage = 0;
  int last_stage = 0;
};

// The plan's steps in execution order (every action belongs to one,
// noops and skips included: they are part of their wave).
std::vector<WaveStep> WaveSteps(const Plan& plan);

// Whether the plan uses more than one wave: only then do waves wait on
// each other.
bool HasWaves(const Plan& plan);

// What a step must reach before the next one starts: WaitTargets of its
// actions, each also required to be healthy.
std::vector<WaitTarget> StepTargets(const Plan& plan, const WaveStep& step,
                                    const std::vector<std::optional<ActionOutcome>>& outcomes,
                                    const LiveState& live);

// Between two steps: true to go on. Called only with targets to wait for.
using WaveGate = std::function<bool(const WaveStep& done, const WaveStep& next,
                                    const std::vector<WaitTarget>& targets)>;

// Executes the plan (as ExecutePlan). With a gate and a plan that HasWaves,
// one step at a time: a step that failed a write, or whose gate says no,
// ends the run, and the later steps' actions stay nullopt (not run).
std::vector<std::optional<ActionOutcome>> ExecuteWaves(
    const ClusterConnector& connect, const Plan& plan, const LiveState& live, int parallelism,
    const OutcomeCallback& on_done, const std::atomic<bool>* stop, const WaveGate& gate);

}  // namespace cara::gitops
