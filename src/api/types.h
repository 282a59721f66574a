// The resource model: Node and Project, shared by the server, the agent and
// caractrl. Plain structs; encoding lives in codec.h, validation in
// validation.h and schema.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"

namespace cara::api {

inline constexpr char kApiVersion[] = "caravanserai/v1";
inline constexpr char kKindNode[] = "Node";
inline constexpr char kKindProject[] = "Project";

using StringMap = std::map<std::string, std::string>;

// Condition types, statuses and reasons used across components.
namespace condition {
inline constexpr char kReady[] = "Ready";
inline constexpr char kPhase[] = "Phase";
inline constexpr char kTerminatingAt[] = "TerminatingAt";
inline constexpr char kNotReadyAt[] = "NotReadyAt";
inline constexpr char kTrue[] = "True";
inline constexpr char kFalse[] = "False";
inline constexpr char kUnknown[] = "Unknown";
}  // namespace condition

struct Condition {
  std::string type;
  std::string status;
  std::optional<Timestamp> last_heartbeat_time;
  std::optional<Timestamp> last_transition_time;
  std::string reason;
  std::string message;

  bool operator==(const Condition&) const = default;
};

// Replaces the condition with the same type, or appends it (insertion order is
// what the CLI's CONDITIONS column shows).
void UpsertCondition(std::vector<Condition>& conditions, Condition c);
const Condition* FindCondition(const std::vector<Condition>& conditions, const std::string& type);
bool RemoveCondition(std::vector<Condition>& conditions, const std::string& type);

struct ObjectMeta {
  std::string name;
  StringMap labels;
  StringMap annotations;
  std::optional<Timestamp> created_at;
  std::optional<Timestamp> updated_at;
  std::string resource_version;  // opaque; changes on every write
  int64_t generation = 0;        // +1 whenever spec changes; starts at 1

  bool operator==(const ObjectMeta&) const = default;
};

// ---- Node -------------------------------------------------------------------

inline constexpr char kNodeReady[] = "Ready";
inline constexpr char kNodeNotReady[] = "NotReady";
inline constexpr char kNodeDraining[] = "Draining";
bool IsValidNodeState(const std::string& state);

struct NodeSpec {
  std::string hostname;
  bool unschedulable = false;
  bool operator==(const NodeSpec&) const = default;
};

struct Throughput {
  std::string download;
  std::string upload;
  std::optional<Timestamp> last_test_time;
  bool operator==(const Throughput&) const = default;
  bool empty() const { return download.empty() && upload.empty() && !last_test_time; }
};

struct NodeNetwork {
  std::string ip;
  std::string dns_name;
  std::string mode;  // Direct | DERP
  int64_t agent_port = 0;
  Throughput throughput;
  bool operator==(const NodeNetwork&) const = default;
};

struct NodeInfo {
  std::string kernel_version;
  std::string os_image;
  std::string agent_version;
  bool operator==(const NodeInfo&) const = default;
};

struct NodeStatus {
  std::string state;
  NodeNetwork network;
  StringMap capacity;
  StringMap allocatable;
  NodeInfo info;
  std::optional<Timestamp> last_heartbeat;
  std::vector<Condition> conditions;
  bool operator==(const NodeStatus&) const = default;
};

struct Node {
  ObjectMeta metadata;
  NodeSpec spec;
  NodeStatus status;
  bool operator==(const Node&) const = default;
};

// ---- Project ----------------------------------------------------------------

inline constexpr char kPhasePending[] = "Pending";
inline constexpr char kPhaseScheduled[] = "Scheduled";
inline constexpr char kPhaseRunning[] = "Running";
inline constexpr char kPhaseFailed[] = "Failed";
inline constexpr char kPhaseTerminating[] = "Terminating";
inline constexpr char kPhaseTerminated[] = "Terminated";
bool IsValidProjectPhase(const std::string& phase);

struct EnvVar {
  std::string name;
  std::optional<std::string> value;
  bool operator==(const EnvVar&) const = default;
};

struct VolumeMount {
  std::string name;
  std::string mount_path;
  bool operator==(const VolumeMount&) const = default;
};

struct ServiceDef {
  std::string name;
  std::string image;
  std::vector<EnvVar> env;
  std::vector<VolumeMount> volume_mounts;
  std::vector<std::string> command;  // replaces the image CMD when non-empty
  std::string image_pull_policy;     // Always | IfNotPresent | Never; "" = default
  bool operator==(const ServiceDef&) const = default;
};

// The pull policy in force: the explicit one, else Kubernetes' default
// (Always for ":latest" or an untagged image, IfNotPresent otherwise).
std::string EffectivePullPolicy(const ServiceDef& service);

struct VolumeDef {
  std::string name;
  std::string type;  // Ephemeral
  bool operator==(const VolumeDef&) const = default;
};

struct IngressDef {
  std::string name;
  std::string host;
  std::string target_service;
  int64_t target_port = 0;
  std::string access_scope;  // Internal
  bool operator==(const IngressDef&) const = default;
};

struct ResourceRequests {
  std::string cpu;     // Kubernetes quantity, e.g. "500m"
  std::string memory;  // e.g. "256Mi"
  bool operator==(const ResourceRequests&) const = default;
  bool empty() const { return cpu.empty() && memory.empty(); }
};

struct ProjectSpec {
  std::vector<ServiceDef> services;
  std::vector<VolumeDef> volumes;
  std::vector<IngressDef> ingress;
  std::optional<Timestamp> expire_at;
  ResourceRequests resources;
  bool operator==(const ProjectSpec&) const = default;
};

struct ProjectStatus {
  std::string phase;
  std::string node_ref;
  std::vector<Condition> conditions;
  int64_t observed_generation = 0;
  bool operator==(const ProjectStatus&) const = default;
};

struct Project {
  ObjectMeta metadata;
  ProjectSpec spec;
  ProjectStatus status;
  bool operator==(const Project&) const = default;
};

}  // namespace cara::api
