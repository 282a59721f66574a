#include "api/lifecycle.h"

#include "common/go_quote.h"

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

const char kStateConflict[] = "operation conflicts with current resource state: ";

// Conflict when the request was based on another resourceVersion than the
// stored one; `what` is "node" or "project".
Status CheckResourceVersion(const char* what, const std::string& name, const std::string& requested,
                            const std::string& stored) {
  if (requested.empty() || requested == stored) return Status::Ok();
  return Status::Conflict(kStateConflict + std::string(what) + " " + GoQuote(name) +
                          " has resourceVersion " + GoQuote(stored) +
                          ", the request was based on " + GoQuote(requested));
}

void MergeReportedNetwork(const NodeNetwork& report, NodeNetwork& network) {
  if (!report.ip.empty()) network.ip = report.ip;
  if (!report.dns_name.empty()) network.dns_name = report.dns_name;
  if (!report.mode.empty()) network.mode = report.mode;
  if (report.agent_port != 0) network.agent_port = report.agent_port;
  if (!report.throughput.empty()) network.throughput = report.throughput;
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

// ---- API writes ---------------------------------------------------------------

void InitNewNode(Node& node, Timestamp now, Duration heartbeat_timeout) {
  if (node.status.state.empty()) node.status.state = kNodeNotReady;
  ApplyDrainState(node, now, heartbeat_timeout);
}

Status ApplyNodeReplace(const Node& body, Node& current, Timestamp now,
                        Duration heartbeat_timeout) {
  CARA_RETURN_IF_ERROR(CheckResourceVersion("node", current.metadata.name,
                                            body.metadata.resource_version,
                                            current.metadata.resource_version));
  current.spec = body.spec;
  current.metadata.labels = body.metadata.labels;
  current.metadata.annotations = body.metadata.annotations;
  ApplyDrainState(current, now, heartbeat_timeout);
  return Status::Ok();
}

void ApplyHeartbeat(const NodeStatus& report, Node& node, Timestamp now) {
  node.status.last_heartbeat = now;
  MergeReportedConditions(node, report, now);
  if (!report.state.empty() && !node.spec.unschedulable) {
    if (report.state == kNodeReady || DockerUnavailable(node)) {
      MarkNodeAlive(node, now);  // NotReady, with its reason, while Docker does not answer
    } else {
      node.status.state = report.state;
    }
  }
  MergeReportedNetwork(report.network, node.status.network);
  if (!report.capacity.empty()) node.status.capacity = report.capacity;
  if (!report.allocatable.empty()) node.status.allocatable = report.allocatable;
  const NodeInfo& info = report.info;
  if (!info.kernel_version.empty()) node.status.info.kernel_version = info.kernel_version;
  if (!info.os_image.empty()) node.status.info.os_image = info.os_image;
  if (!info.agent_version.empty()) node.status.info.agent_version = info.agent_version;
}

Status CheckNodeDeletable(const std::string& name, const std::vector<Project>& on_node) {
  size_t assigned = 0;
  for (const auto& project : on_node) {
    const std::string& phase = project.status.phase;
    if (phase == kPhaseScheduled || phase == kPhaseRunning || phase == kPhaseTerminating) {
      ++assigned;
    }
  }
  if (assigned == 0) return Status::Ok();
  // The reference's text, without the "resource already exists" it borrowed
  // from the create conflict: the node is in use, not duplicated.
  return Status::Conflict("cannot delete node " + GoQuote(name) + ": " + std::to_string(assigned) +
                          " project(s) still assigned");
}

void InitNewProject(Project& project) {
  if (project.status.phase.empty()) project.status.phase = kPhasePending;
  project.status.observed_generation = 0;
}

bool ProjectSpecChanged(const Project& a, const Project& b) {
  if (!(a.spec == b.spec)) return true;
  auto restarted_at = [](const Project& p) {
    auto it = p.metadata.annotations.find(kRestartedAtAnnotation);
    return it == p.metadata.annotations.end() ? std::string() : it->second;
  };
  return restarted_at(a) != restarted_at(b);
}

Status ApplyProjectReplace(const Project& body, Project& current, Timestamp now) {
  const std::string& name = current.metadata.name;
  CARA_RETURN_IF_ERROR(CheckResourceVersion("project", name, body.metadata.resource_version,
                                            current.metadata.resource_version));
  const std::string& phase = current.status.phase;
  if (phase == kPhaseTerminating || phase == kPhaseTerminated) {
    return Status::Conflict(kStateConflict + std::string("project ") + GoQuote(name) +
                            " is being deleted");
  }
  bool spec_changed = ProjectSpecChanged(current, body);
  bool restarted = spec_changed && current.spec == body.spec;
  // Data of a Persistent volume stays on the node that ran the project.
  bool data_on_node = !current.status.node_ref.empty() && HasPersistentVolume(current.spec) &&
                      HasPersistentVolume(body.spec);
  current.spec = body.spec;
  current.metadata.labels = body.metadata.labels;
  current.metadata.annotations = body.metadata.annotations;
  if (!spec_changed || phase != kPhaseFailed) return Status::Ok();
  const std::string why = restarted ? "Restarted" : "Spec changed";
  if (data_on_node) {
    // Redeployed where its data is, not wherever the scheduler would pick.
    SetProjectPhase(current, kPhaseScheduled, "SpecUpdated",
                    why + " after a failure; redeploying on " + current.status.node_ref +
                        ", which holds its persistent volume data",
                    now);
    return Status::Ok();
  }
  current.status.node_ref.clear();
  SetProjectPhase(current, kPhasePending, "SpecUpdated",
                  why + " after a failure; project reset to Pending for redeployment", now);
  return Status::Ok();
}

bool ApplyProjectDelete(Project& project, bool force) {
  const std::string& phase = project.status.phase;
  // A Failed project's Persistent volume holds data on its node that only
  // its agent can remove: it is torn down like a live one.
  bool data_on_node = phase == kPhaseFailed && !project.status.node_ref.empty() &&
                      HasPersistentVolume(project.spec);
  if (force || phase == kPhasePending || (phase == kPhaseFailed && !data_on_node)) return true;
  if (phase != kPhaseTerminating && phase != kPhaseTerminated) {
    project.status.phase = kPhaseTerminating;
  }
  return false;
}

bool IsAgentProjectCondition(const std::string& type) {
  return type == kConditionHealthy || type == kConditionRestarting;
}

namespace {

void ReplaceAgentConditions(const std::vector<Condition>& reported, std::vector<Condition>& out,
                            Timestamp now) {
  std::vector<Condition> kept;
  for (const Condition& c : out) {
    if (!IsAgentProjectCondition(c.type)) kept.push_back(c);
  }
  for (Condition c : reported) {
    const Condition* before = FindCondition(out, c.type);
    c.last_transition_time =
        before && before->status == c.status ? before->last_transition_time : now;
    c.last_heartbeat_time.reset();
    UpsertCondition(kept, std::move(c));
  }
  out = std::move(kept);
}

// The agent's reason for a teardown that failed (agent/reconciler.cc).
constexpr char kReasonRemoveError[] = "RemoveError";

// What a status patch sets besides the phase.
void ApplyProjectStatusPatchFields(const ProjectStatusPatch& patch, Project& project,
                                   Timestamp now) {
  if (patch.observed_generation) project.status.observed_generation = *patch.observed_generation;
  if (patch.conditions) ReplaceAgentConditions(*patch.conditions, project.status.conditions, now);
  if (patch.services) project.status.services = *patch.services;
}

}  // namespace

void ApplyProjectStatusPatch(const ProjectStatusPatch& patch, Project& project, Timestamp now) {
  // A deletion is not undone by a report decided before the agent saw it (a
  // deploy that found the project's Secret already pruned, a late Running):
  // a Terminating project leaves only for Terminated, or Failed when its
  // teardown failed. The report's other fields still apply.
  if (project.status.phase == kPhaseTerminating && patch.phase != kPhaseTerminated &&
      !(patch.phase == kPhaseFailed && patch.reason == kReasonRemoveError)) {
    ProjectStatusPatch kept = patch;
    kept.phase = kPhaseTerminating;
    kept.reason.clear();
    kept.message.clear();
    project.status.phase = kPhaseTerminating;
    return ApplyProjectStatusPatchFields(kept, project, now);
  }
  if (!patch.reason.empty() || !patch.message.empty()) {
    SetProjectPhase(project, patch.phase, patch.reason, patch.message, now);
  } else {
    project.status.phase = patch.phase;
  }
  ApplyProjectStatusPatchFields(patch, project, now);
}

}  // namespace cara::api
