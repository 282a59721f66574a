#include "gitops/wait_targets.h"

#include <map>
#include <string>

namespace cara::gitops {

std::vector<WaitTarget> WaitTargets(const Plan& plan,
                                    const std::vector<std::optional<ActionOutcome>>& outcomes,
                                    const LiveState& live) {
  std::map<std::string, const api::Project*> by_name;
  for (const auto& p : live.projects) by_name[p.metadata.name] = &p;
  std::vector<WaitTarget> targets;
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    const Action& a = plan.actions[i];
    if (a.kind != api::kKindProject) continue;
    auto it = by_name.find(a.name);
    const api::Project* have = it == by_name.end() ? nullptr : it->second;
    const bool deleting = a.type == ActionType::kDelete || a.type == ActionType::kExpire;
    if (outcomes[i] && outcomes[i]->ok) {
      targets.push_back({a.name, deleting, outcomes[i]->generation});
    } else if (outcomes[i] || a.type == ActionType::kSkip) {
      continue;  // failed (already reported) or not ours to wait for
    } else if (deleting || (a.type == ActionType::kNoop && !a.in_source)) {
      if (have != nullptr) targets.push_back({a.name, true, 0});  // deletion in progress
    } else if (a.type == ActionType::kNoop && have != nullptr) {
      targets.push_back({a.name, false, have->metadata.generation});
    }
  }
  return targets;
}

}  // namespace cara::gitops
