// dependsOn as a start rule: which services the agent may start in this
// reconcile pass. The agent never waits for a dependency; a service whose
// dependencies are not ready is left for a later pass.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "agent/project_runtime.h"
#include "api/types.h"

namespace cara::agent {

// The services that may be ensured (created, started) now, dependencies
// before dependents, otherwise in spec order. A running service is always in
// it (it started when its dependencies were met). Another is in it when each
// dependency is
//   * Started: running, or started earlier in this pass;
//   * Healthy: running and healthy now (a dependency without a healthcheck,
//     which nothing could ever call healthy, counts as Started).
// `states` is keyed by service; a service missing from it has no container.
// Services on a dependency cycle (rejected by validation) never start.
std::vector<std::string> ServicesToStart(const api::ProjectSpec& spec,
                                         const std::map<std::string, ServiceState>& states);

// Whether any service of the spec declares dependsOn.
bool HasDependencies(const api::ProjectSpec& spec);

}  // namespace cara::agent
