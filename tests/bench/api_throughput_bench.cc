// 3. API throughput under wrk (target: GET /api/v1/projects/{name} on
// loopback ≥ 80% of a trivial handler (issue 19) on the same HTTP stack), and heartbeat
// throughput (issue 19: ≥ 50% of the trivial handler; a heartbeat that
// changes nothing but the time is a lease, written in a batch per second).
// wrk rotates over the loaded nodes, so after the first round every
// heartbeat is a lease, and each flush writes up to all of them.
// cara-server runs as its own process on each store, API only (controllers
// off: they would only add noise here); the baseline is the trivial server of
// trivial_server.h. wrk shares the machine's cores with the server.
#include <httplib.h>

#include <stdexcept>

#include "bench/bench.h"
#include "bench/format.h"
#include "bench/loader.h"
#include "bench/manifests.h"
#include "bench/server_process.h"
#include "bench/trivial_server.h"
#include "bench/wrk.h"

namespace cara::bench {
namespace {

constexpr double kTargetGetRatio = 0.8;
constexpr double kTargetHeartbeatRatio = 0.5;

struct Scripts {
  std::string get;
  std::string heartbeat;
};

Scripts MakeScripts(int objects) {
  return {RotatingPathScript("GET", "/api/v1/projects/bench-%05d", objects),
          RotatingPathScript("POST", "/api/v1/nodes/bench-node-%05d/heartbeat", objects,
                             HeartbeatBody().dump())};
}

WrkResult Wrk(const Sizes& sizes, const std::string& url, const std::string& script) {
  return RunWrk({url, script, 2, sizes.wrk_connections, sizes.wrk_seconds});
}

void Load(const ServerProcess& server, int objects) {
  PostAll(server.url(), "/api/v1/nodes", objects, [](int i) { return NodeDocument(i).dump(); });
  PostAll(server.url(), "/api/v1/projects", objects,
          [](int i) { return ProjectDocument(i).dump(); });
}

// The bytes cara-server answers for a project, for the trivial server to send.
std::string ProjectBody(const ServerProcess& server) {
  httplib::Client client(server.url());
  auto res = client.Get(("/api/v1/projects/" + ProjectName(0)).c_str());
  if (!res || res->status != 200) throw std::runtime_error("GET of a loaded project failed");
  return res->body;
}

std::string Rate(const WrkResult& r) {
  std::string errors = r.socket_errors ? ", " + Thousands(r.socket_errors) + " socket errors" : "";
  return Thousands(r.requests_per_second) + " req/s (p99 " + Millis(r.p99_seconds) + errors + ")";
}

}  // namespace

void RunApiThroughputBench(const Sizes& sizes, Report& report) {
  const Scripts scripts = MakeScripts(sizes.api_objects);
  std::map<std::string, std::pair<WrkResult, WrkResult>> measured;  // backend → GET, heartbeat
  std::string body;
  for (const std::string& backend : Backends()) {
    Progress("api: cara-server on " + BackendLabel(backend) + ", " + Thousands(sizes.api_objects) +
             " projects and nodes, wrk " + std::to_string(sizes.wrk_seconds) + " s each");
    ServerProcess server(backend, /*controllers=*/false);
    Load(server, sizes.api_objects);
    if (body.empty()) body = ProjectBody(server);
    measured[backend] = {Wrk(sizes, server.url(), scripts.get),
                         Wrk(sizes, server.url(), scripts.heartbeat)};
  }
  Progress("api: trivial server on the same HTTP stack");
  TrivialServerProcess trivial(body);
  WrkResult base_get = Wrk(sizes, trivial.url(), scripts.get);
  WrkResult base_heartbeat = Wrk(sizes, trivial.url(), scripts.heartbeat);

  for (const std::string& backend : Backends()) {
    const auto& [get, heartbeat] = measured[backend];
    double ratio = get.requests_per_second / base_get.requests_per_second;
    report.Add(
        {"API GET /projects/{name}, " + BackendLabel(backend), Rate(get),
         Rate(base_get) + " trivial", Ratio(get.requests_per_second, base_get.requests_per_second),
         "≥ 0.80× trivial, no errors", PassIf(ratio >= kTargetGetRatio && get.socket_errors == 0)});
    report.Add({"API POST heartbeat, " + BackendLabel(backend), Rate(heartbeat),
                Rate(base_heartbeat) + " trivial",
                Ratio(heartbeat.requests_per_second, base_heartbeat.requests_per_second),
                "≥ 0.50× trivial, no errors",
                PassIf(heartbeat.requests_per_second >=
                           kTargetHeartbeatRatio * base_heartbeat.requests_per_second &&
                       heartbeat.socket_errors == 0)});
  }
}

}  // namespace cara::bench
