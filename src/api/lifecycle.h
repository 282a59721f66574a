// State transitions shared by the API handlers and the controllers, so the
// rules ("the Ready condition always agrees with the state", "drain is
// spec-driven") live in one place.
#pragma once

#include <string>

#include "api/types.h"
#include "common/clock.h"

namespace cara::api {

// Node Ready condition texts (upstream-reference.md §1.8).
inline constexpr char kReasonAgentReady[] = "AgentReady";
inline constexpr char kMessageAgentReady[] = "Agent is healthy and posting heartbeats";
inline constexpr char kReasonHeartbeatTimeout[] = "HeartbeatTimeout";
inline constexpr char kMessageHeartbeatTimeout[] =
    "Agent has not posted a heartbeat within the timeout window";

// The node DockerReady condition (workload.md §1), reported by the agent
// with every heartbeat: False while its Docker engine does not answer, and
// then the node is NotReady however fresh its heartbeats are.
inline constexpr char kConditionDockerReady[] = "DockerReady";
inline constexpr char kReasonDockerAnswering[] = "DockerAnswering";
inline constexpr char kReasonDockerUnavailable[] = "DockerUnavailable";
inline constexpr char kMessageDockerUnavailable[] =
    "Agent is posting heartbeats but its Docker engine does not answer";

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

}  // namespace cara::api
