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
inline constexpr char kKindSecret[] = "Secret";

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

// One key of a Secret, read by the agent when it starts the container.
struct SecretKeyRef {
  std::string name;  // the Secret
  std::string key;
  bool operator==(const SecretKeyRef&) const = default;
};

// Exactly one of value / value_from (value may be empty).
struct EnvVar {
  std::string name;
  std::optional<std::string> value;
  std::optional<SecretKeyRef> value_from;
  bool operator==(const EnvVar&) const = default;
};

struct VolumeMount {
  std::string name;
  std::string mount_path;
  bool operator==(const VolumeMount&) const = default;
};

// A container port, published on the node when host_port is set (Compose
// `ports`); without it the port is reachable only on the project network
// (the ingress).
struct PortMapping {
  int64_t container_port = 0;
  int64_t host_port = 0;  // 0: not published
  std::string protocol;   // tcp | udp; the decoder fills in tcp
  std::string host_ip;    // "" = every address
  bool operator==(const PortMapping&) const = default;
};

// Docker HEALTHCHECK. Durations are Go-style strings ("10s"); "" leaves
// Docker's default.
struct HealthCheck {
  std::vector<std::string> command;  // exec form
  std::string interval;
  std::string timeout;
  int64_t retries = 0;  // 0: Docker's default
  std::string start_period;
  bool operator==(const HealthCheck&) const = default;
};

inline constexpr char kRestartNever[] = "Never";
inline constexpr char kRestartOnFailure[] = "OnFailure";
inline constexpr char kRestartAlways[] = "Always";

inline constexpr char kDependencyStarted[] = "Started";
inline constexpr char kDependencyHealthy[] = "Healthy";

struct ServiceDependency {
  std::string service;
  std::string condition;  // Started | Healthy; "" = Started
  bool operator==(const ServiceDependency&) const = default;
};

struct ResourceRequests {
  std::string cpu;     // Kubernetes quantity, e.g. "500m"
  std::string memory;  // e.g. "256Mi"
  bool operator==(const ResourceRequests&) const = default;
  bool empty() const { return cpu.empty() && memory.empty(); }
};

struct ServiceResources {
  ResourceRequests limits;  // enforced by Docker (NanoCpus, Memory)
  bool operator==(const ServiceResources&) const = default;
  bool empty() const { return limits.empty(); }
};

struct ServiceDef {
  std::string name;
  std::string image;
  std::vector<EnvVar> env;
  std::vector<VolumeMount> volume_mounts;
  std::vector<std::string> command;  // replaces the image CMD when non-empty
  std::string image_pull_policy;     // Always | IfNotPresent | Never; "" = default
  std::vector<PortMapping> ports;
  std::optional<HealthCheck> healthcheck;
  std::string restart_policy;  // Never | OnFailure | Always; "" = Never
  std::vector<ServiceDependency> depends_on;
  ServiceResources resources;
  bool operator==(const ServiceDef&) const = default;
};

// The restart policy in force ("" is Never, today's behaviour).
std::string EffectiveRestartPolicy(const ServiceDef& service);

// The pull policy in force: the explicit one, else Kubernetes' default
// (Always for ":latest" or an untagged image, IfNotPresent otherwise).
std::string EffectivePullPolicy(const ServiceDef& service);

inline constexpr char kVolumeEphemeral[] = "Ephemeral";
inline constexpr char kVolumePersistent[] = "Persistent";

struct VolumeDef {
  std::string name;
  std::string type;  // Ephemeral | Persistent
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

struct ProjectSpec {
  std::vector<ServiceDef> services;
  std::vector<VolumeDef> volumes;
  std::vector<IngressDef> ingress;
  std::optional<Timestamp> expire_at;
  ResourceRequests resources;
  StringMap node_selector;                      // node labels that must all match
  std::vector<std::string> image_pull_secrets;  // Secrets of type Registry
  bool operator==(const ProjectSpec&) const = default;
};

// Every Secret the project reads (env secretKeyRef and imagePullSecrets),
// sorted and without duplicates.
std::vector<std::string> ReferencedSecrets(const ProjectSpec& spec);

// Whether the project keeps data on its node (a Persistent volume), which
// pins it there.
bool HasPersistentVolume(const ProjectSpec& spec);

// What the agent reports per service.
struct ServiceStatus {
  std::string name;
  int64_t restart_count = 0;
  bool operator==(const ServiceStatus&) const = default;
};

struct ProjectStatus {
  std::string phase;
  std::string node_ref;
  std::vector<Condition> conditions;
  int64_t observed_generation = 0;
  std::vector<ServiceStatus> services;
  bool operator==(const ProjectStatus&) const = default;
};

// Annotation whose change counts as a spec change (`caractrl rollout
// restart`): a new generation, every service recreated. diff/sync ignore it.
inline constexpr char kRestartedAtAnnotation[] = "caravanserai.io/restarted-at";

struct Project {
  ObjectMeta metadata;
  ProjectSpec spec;
  ProjectStatus status;
  bool operator==(const Project&) const = default;
};

// ---- Secret -----------------------------------------------------------------

inline constexpr char kSecretOpaque[] = "Opaque";
inline constexpr char kSecretRegistry[] = "Registry";
// The keys of a Registry Secret, all required.
inline constexpr char kRegistryServerKey[] = "server";
inline constexpr char kRegistryUsernameKey[] = "username";
inline constexpr char kRegistryPasswordKey[] = "password";

// Values are write-only: string_data and sealed_data come in with a create or
// replace and are never sent back; what the API returns per key is a digest
// of what was applied (`digests`), so a diff can tell a changed value from an
// unchanged one without seeing either.
struct Secret {
  ObjectMeta metadata;
  std::string type;       // Opaque | Registry; "" on input = Opaque
  StringMap string_data;  // key -> plain value (input only)
  StringMap sealed_data;  // key -> value sealed to the cluster (input only)
  StringMap digests;      // key -> source digest (output only)
  bool operator==(const Secret&) const = default;
};

// The type in force ("" is Opaque).
std::string EffectiveSecretType(const Secret& secret);

}  // namespace cara::api
