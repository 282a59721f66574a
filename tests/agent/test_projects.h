// Projects for the agent's unit tests, as the server would hand them over.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/types.h"

namespace cara::agent::testing {

inline constexpr char kNode[] = "node-1";
inline constexpr char kImage[] = "img:1";  // tagged: IfNotPresent, no pull when present

inline api::ServiceDef Service(const std::string& name, const std::string& image = kImage) {
  api::ServiceDef s;
  s.name = name;
  s.image = image;
  return s;
}

// An env entry with a plain value (nullopt: no value).
inline api::EnvVar Env(const std::string& name, std::optional<std::string> value) {
  api::EnvVar e;
  e.name = name;
  e.value = std::move(value);
  return e;
}

// A project placed on kNode in `phase`, generation 1.
inline api::Project Project(const std::string& name, std::vector<api::ServiceDef> services,
                            const std::string& phase = api::kPhaseScheduled) {
  api::Project p;
  p.metadata.name = name;
  p.metadata.generation = 1;
  p.spec.services = std::move(services);
  p.status.phase = phase;
  p.status.node_ref = kNode;
  return p;
}

}  // namespace cara::agent::testing
