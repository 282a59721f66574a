// One reconcile pass of the agent (upstream-reference.md §7.4–7.8 and the
// decision table §7.12, with product.md §5's changes): deploy Scheduled
// projects and new generations, health-check Running ones, tear down
// Terminating ones, and remove Docker resources of projects no longer
// assigned here.
#pragma once

#include <set>
#include <string>

#include "agent/project_runtime.h"
#include "agent/route_table.h"
#include "agent/server_client.h"

namespace cara::agent {

class Reconciler {
 public:
  Reconciler(ServerClient* server, ProjectRuntime* runtime, RouteTable* routes, std::string node)
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
  void CleanOrphans(const std::set<std::string>& keep);
  void UpdateRoutes(const api::Project& project);
  void Report(const api::Project& project, const std::string& phase, const std::string& reason,
              const std::string& message);

  ServerClient* server_;
  ProjectRuntime* runtime_;
  RouteTable* routes_;
  std::string node_;
};

}  // namespace cara::agent
