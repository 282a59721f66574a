#include "agent/start_order.h"

#include <set>

#include "agent/restart_tracker.h"

namespace cara::agent {
namespace {

const ServiceState* StateOf(const std::map<std::string, ServiceState>& states,
                            const std::string& service) {
  auto it = states.find(service);
  return it == states.end() ? nullptr : &it->second;
}

bool IsRunning(const ServiceState* s) { return s && s->state == "running"; }

// Whether ensuring the service in this pass starts its container. An exited
// container whose restart policy restarts it waits for its back-off instead
// (the reconciler restarts it), so it does not count as started.
bool StartsThisPass(const api::ServiceDef& service, const ServiceState* s) {
  if (!s) return true;
  return !PolicyRestarts(api::EffectiveRestartPolicy(service), s->state, s->exit_code);
}

// Whether a dependency already chosen for this pass is ready for `how`.
bool DependencyReady(const api::ServiceDef& dependency, const api::ServiceDependency& how,
                     const ServiceState* s) {
  bool healthy_wanted = how.condition == api::kDependencyHealthy && dependency.healthcheck;
  if (healthy_wanted) return IsRunning(s) && s->health == "healthy";
  return IsRunning(s) || StartsThisPass(dependency, s);
}

}  // namespace

bool HasDependencies(const api::ProjectSpec& spec) {
  for (const auto& s : spec.services) {
    if (!s.depends_on.empty()) return true;
  }
  return false;
}

std::vector<std::string> ServicesToStart(const api::ProjectSpec& spec,
                                         const std::map<std::string, ServiceState>& states) {
  std::map<std::string, const api::ServiceDef*> by_name;
  for (const auto& s : spec.services) by_name[s.name] = &s;
  std::vector<std::string> order;
  std::set<std::string> chosen;
  auto choose = [&](const std::string& name) {
    order.push_back(name);
    chosen.insert(name);
  };
  // A service comes after its dependencies. Each round chooses at least one
  // service or ends the loop, so it stops after one round per service at
  // most, cycles or not.
  for (bool added = true; added;) {
    added = false;
    for (const auto& service : spec.services) {
      if (chosen.count(service.name)) continue;
      bool running = IsRunning(StateOf(states, service.name));
      bool ready = true;
      for (const auto& dep : service.depends_on) {
        auto def = by_name.find(dep.service);
        bool dep_chosen = chosen.count(dep.service) > 0;
        // An unknown dependency is a validation error; it never gets ready.
        if (def == by_name.end() || !dep_chosen ||
            (!running && !DependencyReady(*def->second, dep, StateOf(states, dep.service)))) {
          ready = false;
          break;
        }
      }
      if (!ready) continue;
      choose(service.name);
      added = true;
    }
  }
  // Running services on a cycle still get their configuration ensured.
  for (const auto& service : spec.services) {
    if (!chosen.count(service.name) && IsRunning(StateOf(states, service.name))) {
      choose(service.name);
    }
  }
  return order;
}

}  // namespace cara::agent
