// One reconcile pass of the agent: deploy Scheduled projects and new
// generations, health-check Running ones, tear down Terminating ones, and
// remove the containers, networks and volumes of projects no longer assigned
// here. Stateless: every pass starts from what the server and the engine say.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/control_plane.h"
#include "agent/project_runtime.h"
#include "agent/route_table.h"

namespace cara::agent {

class Reconciler {
 public:
  Reconciler(ControlPlane* server, ProjectRuntime* runtime, RouteTable* routes, std::string node)
      : server_(server), runtime_(runtime), routes_(routes), node_(std::move(node)) {}

  // Lists this node's projects and handles each; errors for single projects
  // are reported to the server, not returned. Returns an error only when the
  // list itself failed (then nothing is cleaned up).
  Status RunOnce();

  // Bootstrap after a restart: routes of Running projects are rebuilt.
  Status RestoreRoutes();

 private:
  void Deploy(const api::Project& project);       // Scheduled, or a new generation
  void HealthCheck(const api::Project& project);  // Running, same generation
  void TearDown(const api::Project& project);     // Terminating
  // The services' states, or nothing after reporting the project Failed: the
  // inspection failed (InspectError), or containers crashed (`crash_reason`,
  // message `crash_prefix` + "svc(exit=N), ...").
  std::optional<std::vector<ServiceState>> StatesUnlessCrashed(const api::Project& project,
                                                               const char* crash_reason,
                                                               const std::string& crash_prefix);
  void CleanOrphans(const std::set<std::string>& keep);
  void UpdateRoutes(const api::Project& project);
  void Report(const api::Project& project, const std::string& phase, const std::string& reason,
              const std::string& message);
  void Send(const api::Project& project, const StatusReport& report);

  ControlPlane* server_;
  ProjectRuntime* runtime_;
  RouteTable* routes_;
  std::string node_;
};

}  // namespace cara::agent
