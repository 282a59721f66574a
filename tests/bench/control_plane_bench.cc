// 6. Control-plane load (target, issue 19: the control plane sustains 10,000
// nodes heartbeating every 10 s). cara-server runs with its controllers on
// each store; the nodes are registered, then heartbeat_simulator.h sends the
// real heartbeats at the real rate for `heartbeat_cycles` intervals. The
// first intervals warm up (every node turns Ready, node-health and scheduler
// react, heartbeats settle into leases); the last one is measured: the server process's CPU time
// and the heartbeats' p99 latency. The baseline is the same load on the trivial cpp-httplib server.
// "Sustains" is taken to mean: every heartbeat answered 204, p99 < 50 ms, and at most half a core
// busy, leaving the rest for the API and for growth. Heartbeats that change nothing but the time
// are leases (store/node_leases.h), written in one batch per second: that batch is in the CPU
// figure.
#include <stdexcept>

#include "bench/bench.h"
#include "bench/format.h"
#include "bench/heartbeat_simulator.h"
#include "bench/loader.h"
#include "bench/manifests.h"
#include "bench/process_stats.h"
#include "bench/server_process.h"
#include "bench/trivial_server.h"

namespace cara::bench {
namespace {

constexpr double kTargetP99Seconds = 0.050;
constexpr double kTargetCpuFraction = 0.5;

struct LoadFigures {
  double cpu_fraction = 0;  // of one core, over the measured interval
  double p99 = 0;           // seconds, measured interval
  double rate = 0;          // heartbeats per second sent in it
  long failed = 0;          // in all intervals
  std::string first_failure;
};

LoadFigures MeasureLoad(const Sizes& sizes, const std::string& url, int pid) {
  SimulatorOptions options{url, sizes.simulated_nodes, sizes.heartbeat_interval,
                           sizes.heartbeat_cycles};
  double cpu_start = 0, cpu_end = 0;
  std::chrono::steady_clock::time_point t_start, t_end;
  SimulatorResult result = SimulateHeartbeats(options, [&](int cycle) {
    if (cycle == options.cycles - 1) {
      cpu_start = ProcessCpuSeconds(pid);
      t_start = std::chrono::steady_clock::now();
    } else if (cycle == options.cycles) {
      cpu_end = ProcessCpuSeconds(pid);
      t_end = std::chrono::steady_clock::now();
    }
  });
  LoadFigures f;
  f.cpu_fraction = (cpu_end - cpu_start) / std::chrono::duration<double>(t_end - t_start).count();
  const double measured_from =
      std::chrono::duration<double>(sizes.heartbeat_interval).count() * (options.cycles - 1);
  std::vector<double> latencies;
  for (const HeartbeatSample& s : result.samples) {
    if (!s.ok) ++f.failed;
    if (s.due >= measured_from) latencies.push_back(s.latency);
  }
  f.p99 = Quantile(latencies, 0.99);
  f.rate = latencies.size() / std::chrono::duration<double>(sizes.heartbeat_interval).count();
  f.first_failure = result.first_failure;
  return f;
}

}  // namespace

void RunControlPlaneBench(const Sizes& sizes, Report& report) {
  const std::string load = Thousands(sizes.simulated_nodes) + " nodes heartbeating every " +
                           Fixed(sizes.heartbeat_interval.count() / 1000.0, 0) + " s";
  const double total_seconds =
      std::chrono::duration<double>(sizes.heartbeat_interval).count() * sizes.heartbeat_cycles;
  Progress("control-plane: " + load + ", trivial server, " + Seconds(total_seconds));
  LoadFigures base;
  {
    TrivialServerProcess trivial("{}");
    base = MeasureLoad(sizes, trivial.url(), trivial.pid());
  }
  if (base.failed)
    throw std::runtime_error("the trivial server failed heartbeats: " + base.first_failure);
  for (const std::string& backend : Backends()) {
    const std::string label = BackendLabel(backend);
    Progress("control-plane: " + load + ", cara-server on " + label + ", " +
             Seconds(total_seconds));
    ServerProcess server(backend, /*controllers=*/true);
    PostAll(server.url(), "/api/v1/nodes", sizes.simulated_nodes,
            [](int i) { return NodeDocument(i).dump(); });
    LoadFigures f = MeasureLoad(sizes, server.url(), server.pid());
    std::string failures =
        f.failed ? Thousands(f.failed) + " failed, first: " + f.first_failure : "none failed";
    report.Add({load + ", " + label + ": heartbeat p99",
                Millis(f.p99) + " at " + Thousands(f.rate) + "/s, " + failures,
                Millis(base.p99) + " trivial", Ratio(f.p99, base.p99), "< 50 ms, none failed",
                PassIf(f.p99 < kTargetP99Seconds && f.failed == 0)});
    report.Add({load + ", " + label + ": server CPU", Percent(f.cpu_fraction) + " of a core",
                Percent(base.cpu_fraction) + " trivial", Ratio(f.cpu_fraction, base.cpu_fraction),
                "≤ 50% of a core", PassIf(f.cpu_fraction <= kTargetCpuFraction)});
  }
}

}  // namespace cara::bench
