#include "gitops/project_health.h"

#include "api/lifecycle.h"

namespace cara::gitops {
namespace {

// Why a project failed: the Phase condition the agent set with the phase
// (conditions are upserted in place, so it need not be the last one), else
// the newest condition that says anything.
std::string FailureMessage(const api::ProjectStatus& status) {
  const api::Condition* phase = api::FindCondition(status.conditions, api::condition::kPhase);
  if (phase != nullptr && !phase->message.empty()) return phase->message;
  for (auto it = status.conditions.rbegin(); it != status.conditions.rend(); ++it) {
    if (!it->message.empty()) return it->message;
  }
  return "";
}

}  // namespace

ProjectHealth HealthOf(const api::Project& live) {
  const api::ProjectStatus& status = live.status;
  ProjectHealth h;
  h.phase = status.phase.empty() ? api::kPhasePending : status.phase;
  const api::Condition* healthy = api::FindCondition(status.conditions, api::kConditionHealthy);
  if (healthy != nullptr && healthy->status == api::condition::kFalse) {
    h.health = kHealthDegraded;
    h.message = healthy->message;
  } else if (h.phase == api::kPhaseFailed) {
    h.health = kHealthDegraded;
    h.message = FailureMessage(status);
  } else if (h.phase == api::kPhaseRunning &&
             status.observed_generation >= live.metadata.generation) {
    h.health = kHealthHealthy;
  } else {
    h.health = kHealthProgressing;
  }
  h.degraded = h.health == kHealthDegraded;
  return h;
}

}  // namespace cara::gitops
