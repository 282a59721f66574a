// How a Project maps onto the container engine: network cara-<p>,
// containers <p>-<s> with DNS alias <s>, volumes cara-<p>-<v>, labels
// cara.project / cara.service. Containers also carry
// cara.config-hash, so a spec change recreates exactly the services whose
// container configuration changed.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent/container_engine.h"
#include "agent/event_reporter.h"
#include "agent/project_secrets.h"
#include "api/types.h"
#include "common/status.h"

namespace cara::agent {

inline constexpr char kLabelProject[] = "cara.project";
inline constexpr char kLabelService[] = "cara.service";
inline constexpr char kLabelConfigHash[] = "cara.config-hash";
// The project's rollout-restart time (annotation caravanserai.io/restarted-at).
inline constexpr char kLabelRestartedAt[] = "cara.restarted-at";
// On Persistent volumes, which outlive everything but the project's deletion.
inline constexpr char kLabelPersistent[] = "cara.persistent";

std::string NetworkName(const std::string& project);
std::string ContainerName(const std::string& project, const std::string& service);
std::string VolumeName(const std::string& project, const std::string& volume);

// The container a service should run, and the hash that identifies it.
// `secrets` holds the values of the service's env valueFrom references.
ContainerSpec ContainerSpecFor(const api::Project& project, const api::ServiceDef& service,
                               const ProjectSecrets& secrets = {});
std::string ConfigHash(const ContainerSpec& spec);

struct ServiceState {
  std::string service;
  std::string state;  // engine state; "" when the container is missing
  int exit_code = 0;
  std::string health;      // starting | healthy | unhealthy; "" without a healthcheck
  std::string started_at;  // RFC 3339, "" when never started
  std::string finished_at;
  std::string config_hash;
};

// Why EnsureProject failed, for the status report.
struct EnsureError {
  std::string reason;  // ImagePullFailed | PortConflict | ReconcileError
  Status status;
};

class ProjectRuntime {
 public:
  // `events` (optional) hears of pulls, creations, starts and recreations.
  explicit ProjectRuntime(ContainerEngine* engine, const EventReporter* events = nullptr)
      : engine_(engine), events_(events) {}

  // Creates what is missing, starts what is stopped, recreates containers
  // whose configuration changed. Unchanged running services are untouched and
  // nothing is rolled back on error (containers stay for `caractrl logs`).
  // Services start in dependsOn order; those whose dependencies are not ready
  // yet are left alone and named in `*waiting` (a later pass starts them). A
  // container that ended and that its restart policy restarts is left to the
  // reconciler's back-off.
  std::optional<EnsureError> EnsureProject(const api::Project& project,
                                           std::vector<std::string>* waiting = nullptr) {
    return EnsureProject(project, ProjectSecrets{}, waiting);
  }
  // The same with the project's Secret values: env valueFrom values, and
  // the credentials of the image's registry for pulls.
  std::optional<EnsureError> EnsureProject(const api::Project& project,
                                           const ProjectSecrets& secrets,
                                           std::vector<std::string>* waiting = nullptr);

  // Services whose existing container was created from other Secret values
  // than `secrets` (or other configuration): EnsureProject would recreate
  // them. `states` as InspectProject returns them.
  std::vector<std::string> OutdatedServices(const api::Project& project,
                                            const ProjectSecrets& secrets,
                                            const std::vector<ServiceState>& states) const;

  // Starts the service's existing container (a restart by its policy).
  Status StartService(const api::Project& project, const std::string& service);

  // Stops and removes every container labelled with the project, its
  // network, and its labelled volumes (Persistent ones too unless told to
  // keep them). Idempotent.
  enum class VolumeRemoval { kAll, kKeepPersistent };
  Status RemoveProject(const std::string& project, VolumeRemoval volumes = VolumeRemoval::kAll);

  // One entry per service in spec order.
  Result<std::vector<ServiceState>> InspectProject(const api::Project& project);

  // service -> IP on cara-<project>, for ingress routes.
  Result<std::map<std::string, std::string>> ServiceIps(const api::Project& project);

  // Projects that own any labelled container, network or volume here.
  Result<std::set<std::string>> ProjectsPresent();

  // OK when the container engine answers.
  Status Ping() { return engine_->Ping(); }

 private:
  Status EnsureImage(const std::string& project, const api::ServiceDef& service,
                     const ProjectSecrets& secrets);
  Status EnsureContainer(const std::string& project, const std::string& service,
                         const ContainerSpec& spec, const std::string& restart_policy);
  // Removes the container being replaced; "configuration changed" was logged.
  Status RemoveOutdated(const ContainerSpec& spec);
  void Event(const std::string& project, const char* type, const char* reason,
             const std::string& message) const;
  Status EnsureVolumes(const api::Project& project);
  void RemoveVolumes(const std::string& project, VolumeRemoval which);

  ContainerEngine* engine_;
  const EventReporter* events_;
};

}  // namespace cara::agent
