// What a computed plan holds, counted: the action names of reports, and the
// counts the summary line, the exit codes and the watch loop read.
#include <algorithm>

#include "gitops/plan.h"

namespace cara::gitops {

const char* ActionName(ActionType type) {
  switch (type) {
    case ActionType::kCreate:
      return "create";
    case ActionType::kUpdate:
      return "update";
    case ActionType::kDrift:
      return "drift";
    case ActionType::kDrain:
      return "drain";
    case ActionType::kUndrain:
      return "undrain";
    case ActionType::kDelete:
      return "delete";
    case ActionType::kExpire:
      return "expire";
    case ActionType::kNoop:
      return "noop";
    case ActionType::kSkip:
      return "skip";
  }
  return "unknown";
}

int Plan::Count(ActionType type) const {
  return static_cast<int>(std::count_if(actions.begin(), actions.end(),
                                        [&](const Action& a) { return a.type == type; }));
}

int Plan::Conflicts() const {
  return static_cast<int>(
      std::count_if(actions.begin(), actions.end(), [](const Action& a) { return a.conflict; }));
}

int Plan::Degraded() const {
  return static_cast<int>(std::count_if(actions.begin(), actions.end(), [](const Action& a) {
    return a.in_source && a.type != ActionType::kExpire && a.health && a.health->degraded;
  }));
}

int Plan::Unapplied() const {
  return static_cast<int>(std::count_if(actions.begin(), actions.end(), [](const Action& a) {
    return a.in_source && a.type == ActionType::kSkip;
  }));
}

int Plan::Mutating() const {
  return static_cast<int>(
      std::count_if(actions.begin(), actions.end(), [](const Action& a) { return a.mutates; }));
}

}  // namespace cara::gitops
