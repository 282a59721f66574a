// One reconcile pass of the agent: deploy Scheduled projects and new
// generations, health-check Running ones, tear down Terminating ones, and
// remove the containers, networks and volumes of projects no longer assigned
// here. Every pass starts from what the server and the engine say; only the
// restart back-off of crash-looping services is kept between passes.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/control_plane.h"
#include "agent/event_reporter.h"
#include "agent/project_runtime.h"
#include "agent/restart_tracker.h"
#include "agent/route_table.h"
#include "common/clock.h"

namespace cara::agent {

class Reconciler {
 public:
  // Restart back-offs wait on `clock`. Events go through `event_queue`
  // when given (see EventReporter).
  Reconciler(ControlPlane* server, ProjectRuntime* runtime, RouteTable* routes, std::string node,
             Clock* clock = SystemClock::Default(), EventQueue* event_queue = nullptr)
      : server_(server),
        runtime_(runtime),
        routes_(routes),
        node_(std::move(node)),
        events_(server, node_, event_queue),
        restarts_(clock) {}

  // Lists this node's projects and handles each; errors for single projects
  // are reported to the server, not returned. Returns an error only when the
  // list itself failed (then nothing is cleaned up).
  Status RunOnce();

  // Whether the last pass left work that only a later pass does: a project
  // still being deployed (waiting for a dependency or a health check) or
  // torn down, a crash-loop back-off, or a pass that failed. The agent then
  // comes back at its poll interval instead of waiting for a change.
  bool busy() const { return busy_; }

  // Bootstrap after a restart: routes of Running projects are rebuilt.
  Status RestoreRoutes();

 private:
  void Deploy(const api::Project& project);  // Scheduled, or a new generation
  void Deploy(const api::Project& project, const ProjectSecrets& secrets);
  // The project's Secret values (none fetched when it references none), or
  // nothing: a missing Secret or key was reported (Failed, SecretNotFound),
  // or the server did not answer (logged; tried again next pass).
  std::optional<ProjectSecrets> Secrets(const api::Project& project);
  void HealthCheck(const api::Project& project);  // Running, same generation
  void TearDown(const api::Project& project);     // Terminating
  // The services' states, or nothing after reporting the project Failed: the
  // inspection failed (InspectError), or containers crashed (`crash_reason`,
  // message `crash_prefix` + "svc(exit=N), ..."). Ended containers that
  // their restart policy restarts are not crashes: they are restarted once
  // their back-off has passed, and `*restarts` says what to report.
  std::optional<std::vector<ServiceState>> StatesUnlessCrashed(const api::Project& project,
                                                               const char* crash_reason,
                                                               const std::string& crash_prefix,
                                                               StatusReport* restarts);
  // Restarts the due services of `states` (see StatesUnlessCrashed) and
  // fills the restart counts and the Restarting condition of `*restarts`
  // (left unset when no service has a restart policy). Returns the services
  // in a crash loop.
  std::set<std::string> RestartEnded(const api::Project& project,
                                     const std::vector<ServiceState>& states,
                                     StatusReport* restarts);
  void CleanOrphans(const std::set<std::string>& keep);
  void UpdateRoutes(const api::Project& project);
  // `extra` carries the agent's conditions and restart counts, when set.
  void Report(const api::Project& project, const std::string& phase, const std::string& reason,
              const std::string& message, const StatusReport& extra = {});
  // Sends `report` unless the server holds all it says already.
  void ReportIfChanged(const api::Project& project, const StatusReport& report);
  void Send(const api::Project& project, const StatusReport& report);
  // An Unhealthy event for each service whose healthcheck newly fails (one
  // the project's Healthy condition does not name yet).
  void ReportNewlyUnhealthy(const api::Project& project, const std::vector<ServiceState>& states);

  ControlPlane* server_;
  ProjectRuntime* runtime_;
  RouteTable* routes_;
  std::string node_;
  EventReporter events_;
  RestartTracker restarts_;
  bool busy_ = true;
};

}  // namespace cara::agent
