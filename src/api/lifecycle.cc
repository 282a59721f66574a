#include "api/lifecycle.h"

namespace cara::api {
namespace {

void SetReadyCondition(Node& node, const char* status, const char* reason, const char* message,
                       Timestamp now) {
  const Condition* existing = FindCondition(node.status.conditions, condition::kReady);
  if (existing && existing->status == status && existing->reason == reason &&
      existing->message == message) {
    return;
  }
  Condition c;
  c.type = condition::kReady;
  c.status = status;
  c.last_transition_time = now;
  c.reason = reason;
  c.message = message;
  UpsertCondition(node.status.conditions, std::move(c));
}

}  // namespace

void MarkNodeReady(Node& node, Timestamp now) {
  node.status.state = kNodeReady;
  SetReadyCondition(node, condition::kTrue, kReasonAgentReady, kMessageAgentReady, now);
}

void MarkNodeNotReady(Node& node, Timestamp now) {
  node.status.state = kNodeNotReady;
  SetReadyCondition(node, condition::kFalse, kReasonHeartbeatTimeout, kMessageHeartbeatTimeout,
                    now);
}

bool DockerUnavailable(const Node& node) {
  const Condition* c = FindCondition(node.status.conditions, kConditionDockerReady);
  return c != nullptr && c->status == condition::kFalse;
}

void MarkNodeAlive(Node& node, Timestamp now) {
  if (!DockerUnavailable(node)) return MarkNodeReady(node, now);
  node.status.state = kNodeNotReady;
  SetReadyCondition(node, condition::kFalse, kReasonDockerUnavailable, kMessageDockerUnavailable,
                    now);
}

void MergeReportedConditions(Node& node, const NodeStatus& report, Timestamp now) {
  bool docker_reported = false;
  for (Condition c : report.conditions) {
    if (c.type.empty() || c.type == condition::kReady) continue;
    docker_reported |= c.type == kConditionDockerReady;
    const Condition* existing = FindCondition(node.status.conditions, c.type);
    c.last_transition_time = existing && existing->status == c.status
                                 ? existing->last_transition_time
                                 : std::optional<Timestamp>(now);
    c.last_heartbeat_time.reset();
    UpsertCondition(node.status.conditions, std::move(c));
  }
  if (!report.state.empty() && !docker_reported) {
    RemoveCondition(node.status.conditions, kConditionDockerReady);
  }
}

bool HeartbeatFresh(const Node& node, Timestamp now, Duration timeout) {
  return node.status.last_heartbeat && now - *node.status.last_heartbeat <= timeout;
}

bool ApplyDrainState(Node& node, Timestamp now, Duration heartbeat_timeout) {
  Node before = node;
  if (node.spec.unschedulable) {
    node.status.state = kNodeDraining;
  } else if (node.status.state == kNodeDraining) {
    if (HeartbeatFresh(node, now, heartbeat_timeout)) {
      MarkNodeAlive(node, now);
    } else {
      MarkNodeNotReady(node, now);
    }
  }
  return !(before == node);
}

void SetProjectPhase(Project& project, const std::string& phase, const std::string& reason,
                     const std::string& message, Timestamp now) {
  project.status.phase = phase;
  Condition c;
  c.type = condition::kPhase;
  c.status = condition::kTrue;
  c.last_transition_time = now;
  c.reason = reason;
  c.message = message;
  UpsertCondition(project.status.conditions, std::move(c));
}

}  // namespace cara::api
