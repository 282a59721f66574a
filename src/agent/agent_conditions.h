// The project conditions the agent owns, computed as one set: the server
// replaces them together on every report that carries them, so a report must
// hold all of them (Healthy from the health check, Restarting from the
// restart loop), never one alone.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/types.h"

namespace cara::agent {

// One service in a crash loop, for the Restarting condition.
struct CrashLoop {
  std::string service;
  int64_t restarts = 0;  // status.services[].restartCount
  int last_exit = 0;
};

// Restarting=True, reason CrashLoopBackOff, message "<svc> restarted N
// times, last exit=C" per service joined with "; "; nothing when no service
// is in a crash loop.
std::optional<api::Condition> RestartingCondition(const std::vector<CrashLoop>& loops);

// The agent's condition set from each of its inputs (absent = not set).
std::vector<api::Condition> AgentConditions(const std::optional<api::Condition>& healthy,
                                            const std::optional<api::Condition>& restarting);

// Whether `held` (a project's status.conditions) already has exactly the
// agent conditions in `reported` (type, status, reason, message), so a
// report would change nothing.
bool SameAgentConditions(const std::vector<api::Condition>& held,
                         const std::vector<api::Condition>& reported);

}  // namespace cara::agent
