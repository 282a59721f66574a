// The semantic rules of a Project's workload fields (ports, healthchecks,
// dependsOn, limits, nodeSelector): what the JSON Schema cannot say about
// them. Part of CheckProject (semantic_rules.h), so cara-server and caractrl
// apply the same rules and report each violation at its JSON pointer.
//
// Rules, in the order they are reported:
// * ports: hostIP is an IPv4 or IPv6 literal; no two ports of a service share
//   (containerPort, protocol); no two ports of the project publish the same
//   (hostIP, hostPort, protocol), where an empty or 0.0.0.0 hostIP clashes
//   with every address.
// * healthcheck: interval, timeout and startPeriod are Go durations > 0;
//   retries >= 0.
// * resources.limits: cpu and memory are quantities > 0.
// * dependsOn: names another service of the project; a Healthy dependency
//   has a healthcheck; no cycles ("dependency cycle: web -> db -> web").
// * spec.nodeSelector: label-syntax keys and values.
#pragma once

#include <vector>

#include "api/types.h"

namespace cara::api {

struct Violation;

// Appends every violation of the workload rules to `out`.
void CheckWorkload(const ProjectSpec& spec, std::vector<Violation>& out);

}  // namespace cara::api
