#include "bench/bench.h"

#include <algorithm>

namespace cara::bench {

// Small enough that the whole smoke run takes seconds on 2 shared cores, big
// enough that every code path of every step runs (several wrk threads, two
// heartbeat cycles, changed and unchanged manifests).
Sizes Sizes::Smoke() {
  Sizes s;
  s.validation_documents = 200;
  s.gitops_projects = 40;
  s.gitops_changed = 5;
  s.gitops_large_projects = 60;
  s.api_objects = 20;
  s.wrk_seconds = 1;
  s.wrk_connections = 8;
  s.scheduler_projects = 200;
  s.scheduler_nodes = 20;
  s.agent_runs = 1;
  s.simulated_nodes = 50;
  s.heartbeat_interval = std::chrono::milliseconds(1000);
  s.heartbeat_cycles = 2;
  s.watchers = 20;
  return s;
}

Sizes Sizes::Scaled(double factor) const {
  auto scale = [factor](int n) { return std::max(1, static_cast<int>(n * factor + 0.5)); };
  Sizes s = *this;
  for (int* n : {&s.validation_documents, &s.gitops_projects, &s.gitops_changed,
                 &s.gitops_large_projects, &s.api_objects, &s.scheduler_projects,
                 &s.scheduler_nodes, &s.agent_runs, &s.simulated_nodes, &s.watchers}) {
    *n = scale(*n);
  }
  return s;
}

}  // namespace cara::bench
