// The benchmark steps of cara-bench, one per performance target (issue 7),
// and the sizes they run at. Each step measures its figure and a baseline in
// the same run and adds rows to the report; a step that cannot run here (no
// dockerd, a command not built yet) adds an "n/a" row instead.
#pragma once

#include <chrono>
#include <string>

#include "bench/report.h"

namespace cara::bench {

struct Sizes {
  // 1. validation
  int validation_documents = 10000;
  // 2. caractrl diff / sync
  int gitops_projects = 10000;
  int gitops_changed = 1000;
  int gitops_large_projects = 100000;  // the large diff row
  // 3. API throughput under wrk
  int api_objects = 1000;
  int wrk_seconds = 10;
  int wrk_connections = 32;  // below the server's 64 threads: each connection holds one
  // 4. scheduler
  int scheduler_projects = 10000;
  int scheduler_nodes = 1000;
  // 5. agent
  int agent_runs = 5;
  // 6. control-plane load
  int simulated_nodes = 10000;
  std::chrono::milliseconds heartbeat_interval{
      10000};  // issue 19: 10 s (the agent's default is 30 s)
  // The first interval warms up: every node's first heartbeat is a transition
  // (NotReady -> Ready), a durable write, and an open-loop simulator carries
  // that backlog into the next interval. The second settles into leases; the
  // last (third) is measured, the steady state "sustains" is about.
  int heartbeat_cycles = 3;
  // 7. watchers
  int watchers = 1000;

  // Tiny sizes for the ctest smoke run: every step runs, in seconds.
  static Sizes Smoke();
  // Every count (documents, objects, nodes, runs) times `factor`, at least 1;
  // durations stay. For slow machines and for profiling one step.
  Sizes Scaled(double factor) const;
};

void RunValidationBench(const Sizes& sizes, Report& report);
void RunGitopsBench(const Sizes& sizes, Report& report);
void RunApiThroughputBench(const Sizes& sizes, Report& report);
void RunTlsCostBench(const Sizes& sizes, Report& report);
void RunSchedulerBench(const Sizes& sizes, Report& report);
void RunAgentBench(const Sizes& sizes, Report& report);
void RunControlPlaneBench(const Sizes& sizes, Report& report);
void RunWatchBench(const Sizes& sizes, Report& report);

// Progress lines on stderr, so stdout carries only the table.
void Progress(const std::string& message);

}  // namespace cara::bench
