// A Project's live phase and health as reports show them next to its
// action. The spec of a Failed project can match its source exactly, so
// "in sync" says nothing about whether it runs: the health is reported
// separately, and a project that is Failed or unhealthy is flagged degraded
// without changing what diff and sync consider a difference.
#pragma once

#include <string>

#include "api/types.h"

namespace cara::gitops {

// Health values, in the spelling reports use.
inline constexpr char kHealthHealthy[] = "Healthy";          // Running its current generation
inline constexpr char kHealthProgressing[] = "Progressing";  // not Running it yet, or going away
inline constexpr char kHealthDegraded[] = "Degraded";        // Failed, or Healthy=False

struct ProjectHealth {
  std::string phase;      // the live phase; "Pending" before any was reported
  std::string health;     // kHealthHealthy | kHealthProgressing | kHealthDegraded
  bool degraded = false;  // health == kHealthDegraded
  std::string message;    // why it is degraded (the condition's message); "" otherwise
};

// Failed, or the agent reports a failing healthcheck (condition
// Healthy=False), is Degraded; Running at the generation the spec has is
// Healthy; anything else (Pending, Scheduled, a rollout in progress,
// Terminating) is Progressing.
ProjectHealth HealthOf(const api::Project& live);

}  // namespace cara::gitops
