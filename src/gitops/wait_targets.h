// What sync --wait waits for after a plan was executed.
#pragma once

#include <optional>
#include <vector>

#include "gitops/action_outcome.h"
#include "gitops/plan.h"
#include "gitops/rollout_wait.h"

namespace cara::gitops {

// Every Project the source declares (at the generation just written, or the
// live one if it was already up to date) and every one being deleted, so a
// re-run after a timeout waits again instead of reporting success. Failed
// writes (already reported) and skipped objects are not waited for.
std::vector<WaitTarget> WaitTargets(const Plan& plan,
                                    const std::vector<std::optional<ActionOutcome>>& outcomes,
                                    const LiveState& live);

}  // namespace cara::gitops
