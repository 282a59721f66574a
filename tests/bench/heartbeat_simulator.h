// A fleet of simulated agents for the control-plane load benchmark: every
// node sends the heartbeat cara-agent sends (same body, same client settings:
// one httplib client per node, TCP_NODELAY, 10 s timeouts) once
// per interval, the nodes' phases spread evenly over the interval. Like the
// agent, each heartbeat opens its own connection.
//
// The load is open-loop: each heartbeat has a due time fixed in advance, and
// its latency is measured from that due time, so a server that falls behind
// shows up in the latencies instead of silently slowing the simulator down
// (coordinated omission).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace cara::bench {

struct SimulatorOptions {
  std::string url;
  int nodes = 0;
  std::chrono::milliseconds interval{30000};
  int cycles = 2;
  int workers = 64;  // concurrent requests at most; more would only queue in the server
};

struct HeartbeatSample {
  double due = 0;      // seconds after the start
  double latency = 0;  // seconds from due to the complete answer
  bool ok = false;     // answered 204
};

struct SimulatorResult {
  std::vector<HeartbeatSample> samples;  // in due order
  std::string first_failure;             // "" if none failed
};

// Sends nodes × cycles heartbeats. `on_cycle(c)` runs on the calling thread
// at the due time of the first heartbeat of each cycle c ≥ 1 and once more
// (with c == cycles) when the last answer is in, so the caller can sample
// the server's CPU time at those instants.
SimulatorResult SimulateHeartbeats(const SimulatorOptions& options,
                                   const std::function<void(int cycle)>& on_cycle);

}  // namespace cara::bench
