#include "agent/agent_conditions.h"

#include "api/lifecycle.h"

namespace cara::agent {

std::optional<api::Condition> RestartingCondition(const std::vector<CrashLoop>& loops) {
  if (loops.empty()) return std::nullopt;
  api::Condition c;
  c.type = api::kConditionRestarting;
  c.status = api::condition::kTrue;
  c.reason = api::kReasonCrashLoopBackOff;
  for (size_t i = 0; i < loops.size(); ++i) {
    c.message += (i ? "; " : "") + loops[i].service + " restarted " +
                 std::to_string(loops[i].restarts) +
                 " times, last exit=" + std::to_string(loops[i].last_exit);
  }
  return c;
}

std::vector<api::Condition> AgentConditions(const std::optional<api::Condition>& healthy,
                                            const std::optional<api::Condition>& restarting) {
  std::vector<api::Condition> out;
  if (healthy) out.push_back(*healthy);
  if (restarting) out.push_back(*restarting);
  return out;
}

bool SameAgentConditions(const std::vector<api::Condition>& held,
                         const std::vector<api::Condition>& reported) {
  size_t held_agent = 0;
  for (const auto& c : held) held_agent += api::IsAgentProjectCondition(c.type) ? 1 : 0;
  if (held_agent != reported.size()) return false;
  for (const auto& r : reported) {
    const api::Condition* h = api::FindCondition(held, r.type);
    if (!h || h->status != r.status || h->reason != r.reason || h->message != r.message) {
      return false;
    }
  }
  return true;
}

}  // namespace cara::agent
