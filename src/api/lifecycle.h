// State transitions shared by the API handlers and the controllers, so the
// rules ("the Ready condition always agrees with the state", "drain is
// spec-driven") live in one place.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/types.h"
#include "common/clock.h"
#include "common/status.h"

namespace cara::api {

// Node Ready condition texts.
inline constexpr char kReasonAgentReady[] = "AgentReady";
inline constexpr char kMessageAgentReady[] = "Agent is healthy and posting heartbeats";
inline constexpr char kReasonHeartbeatTimeout[] = "HeartbeatTimeout";
inline constexpr char kMessageHeartbeatTimeout[] =
    "Agent has not posted a heartbeat within the timeout window";

// The node DockerReady condition, reported by the agent
// with every heartbeat: False while its Docker engine does not answer, and
// then the node is NotReady however fresh its heartbeats are.
inline constexpr char kConditionDockerReady[] = "DockerReady";
inline constexpr char kReasonDockerAnswering[] = "DockerAnswering";
inline constexpr char kReasonDockerUnavailable[] = "DockerUnavailable";
inline constexpr char kMessageDockerUnavailable[] =
    "Agent is posting heartbeats but its Docker engine does not answer";

// Project conditions the agent owns, reported with the phase: a service with
// a failing healthcheck (Healthy=False, reason Unhealthy), and services being
// restarted by their restart policy (Restarting=True, reason
// CrashLoopBackOff). Pinned (reason PersistentVolume) is the rescheduler's.
inline constexpr char kConditionHealthy[] = "Healthy";
inline constexpr char kReasonUnhealthy[] = "Unhealthy";
inline constexpr char kConditionRestarting[] = "Restarting";
inline constexpr char kReasonCrashLoopBackOff[] = "CrashLoopBackOff";
inline constexpr char kConditionPinned[] = "Pinned";
inline constexpr char kReasonPersistentVolume[] = "PersistentVolume";
inline constexpr char kReasonPortConflict[] = "PortConflict";
// Whether the agent may set a project condition of this type.
bool IsAgentProjectCondition(const std::string& type);

// Sets state Ready/NotReady and a Ready condition that agrees with it. The
// condition's transition time moves only when its status or reason changes.
void MarkNodeReady(Node& node, Timestamp now);
void MarkNodeNotReady(Node& node, Timestamp now);

// True when the node's agent reported DockerReady=False.
bool DockerUnavailable(const Node& node);

// For a node whose heartbeat is fresh: Ready, or NotReady (Ready condition
// False/DockerUnavailable) while its Docker engine does not answer.
void MarkNodeAlive(Node& node, Timestamp now);

// Merges the conditions a heartbeat reports (Ready is the server's and is
// ignored): upserted by type, the transition time kept while the status
// stays. A heartbeat that reports a state but no DockerReady comes from an
// agent that does not check Docker (the original's): any DockerReady left
// by an earlier agent is dropped rather than kept False for ever.
void MergeReportedConditions(Node& node, const NodeStatus& report, Timestamp now);

// True when the last heartbeat is younger than `timeout` at `now`.
bool HeartbeatFresh(const Node& node, Timestamp now, Duration timeout);

// Derives the state from spec.unschedulable: Draining while set; when cleared,
// Ready or NotReady by heartbeat age. Returns true if anything changed.
bool ApplyDrainState(Node& node, Timestamp now, Duration heartbeat_timeout);

// Sets the phase and replaces the Phase condition (status True).
void SetProjectPhase(Project& project, const std::string& phase, const std::string& reason,
                     const std::string& message, Timestamp now);

// ---- API writes: what a request does to the stored object ------------------

// A new node starts NotReady unless the request sets a state; its drain
// state follows spec.unschedulable at once.
void InitNewNode(Node& node, Timestamp now, Duration heartbeat_timeout);

// PUT of a node: spec, labels and annotations replaced (the drain state
// follows spec.unschedulable). Conflict when the request names a
// resourceVersion other than the stored one.
Status ApplyNodeReplace(const Node& body, Node& current, Timestamp now, Duration heartbeat_timeout);

// A heartbeat: stamps last_heartbeat, merges the reported conditions, takes
// the reported state unless the node is draining (Ready, or NotReady with
// its reason while Docker does not answer), and takes every reported
// network, capacity and info field that is set.
void ApplyHeartbeat(const NodeStatus& report, Node& node, Timestamp now);

// DELETE of a node: refused (Conflict) while projects are still assigned to
// it (Scheduled, Running or Terminating); `on_node` are the projects whose
// nodeRef is the node.
Status CheckNodeDeletable(const std::string& name, const std::vector<Project>& on_node);

// A new project starts Pending unless the request sets a phase; only the
// agent reports observedGeneration.
void InitNewProject(Project& project);

// Whether `b` asks for another deployment than `a`: its spec differs, or its
// restarted-at annotation (`caractrl rollout restart`) does. Such a write
// gets a new generation.
bool ProjectSpecChanged(const Project& a, const Project& b);

// PUT of a project: spec, labels and annotations replaced in every live
// phase; a Failed project whose spec changes (ProjectSpecChanged) goes back
// to Pending (and off its node) for redeployment, or, when its Persistent
// volume's data is on its node, straight to Scheduled on that node. Conflict
// when the request names a stale resourceVersion or the project is being
// deleted.
Status ApplyProjectReplace(const Project& body, Project& current, Timestamp now);

// DELETE of a project: with force, or while Pending or Failed (nothing runs),
// it is removed at once; a live one, or a Failed one whose Persistent volume
// is on its node, becomes Terminating for its agent to tear down (and remove
// the data); a Terminating or Terminated one is left as it is. Returns true
// when the project is to be removed now.
bool ApplyProjectDelete(Project& project, bool force);

// The body of PATCH /projects/{name}/status, as reported by the agent.
struct ProjectStatusPatch {
  std::string phase;  // required, a valid project phase
  std::string reason;
  std::string message;
  std::optional<int64_t> observed_generation;
  // When given, the agent's conditions (IsAgentProjectCondition types) become
  // exactly these: a type left out is cleared.
  std::optional<std::vector<Condition>> conditions;
  // When given, replaces status.services (restart counts).
  std::optional<std::vector<ServiceStatus>> services;
};

// Sets the reported phase (with a Phase condition when a reason or message
// is given), the observed generation, and the agent's conditions and service
// statuses when given. A condition keeps its transition time while its
// status stays the same.
void ApplyProjectStatusPatch(const ProjectStatusPatch& patch, Project& project, Timestamp now);

}  // namespace cara::api
