// The cost of HTTPS on the API: GET /api/v1/projects/{name} under wrk over
// keep-alive connections (the normal case: the handshake is paid once per
// connection), the same cara-server binary on SQLite once with
// --insecure-http and once with HTTPS, in the same run. Target: HTTPS plus
// the token check keeps ≥ 75% of plain throughput. Set
// CARA_BENCH_AUTHORIZATION (e.g. "Bearer cara_...") to send that header on
// every request of both runs.
#include <cstdlib>

#include "bench/bench.h"
#include "bench/format.h"
#include "bench/loader.h"
#include "bench/manifests.h"
#include "bench/process_stats.h"
#include "bench/server_process.h"
#include "bench/wrk.h"

namespace cara::bench {
namespace {

constexpr double kTargetRatio = 0.75;

struct Measured {
  WrkResult wrk;
  double server_cpu_us_per_request = 0;  // wrk shares the 2 cores: this is the server's part
};

Measured MeasureGet(const Sizes& sizes, bool tls, const std::string& script) {
  ServerProcess server("sqlite", /*controllers=*/false, tls);
  PostAll(server.url(), "/api/v1/projects", sizes.api_objects,
          [](int i) { return ProjectDocument(i).dump(); });
  const double cpu_before = ProcessCpuSeconds(server.pid());
  Measured m;
  m.wrk = RunWrk({server.url(), script, 2, sizes.wrk_connections, sizes.wrk_seconds});
  const double cpu = ProcessCpuSeconds(server.pid()) - cpu_before;
  if (m.wrk.requests > 0) m.server_cpu_us_per_request = cpu * 1e6 / m.wrk.requests;
  return m;
}

std::string Rate(const Measured& m) {
  const WrkResult& r = m.wrk;
  std::string errors = r.socket_errors ? ", " + Thousands(r.socket_errors) + " socket errors" : "";
  return Thousands(r.requests_per_second) + " req/s (p99 " + Millis(r.p99_seconds) + errors +
         ", server " + Thousands(m.server_cpu_us_per_request) + " µs CPU/req)";
}

}  // namespace

void RunTlsCostBench(const Sizes& sizes, Report& report) {
  std::string script = RotatingPathScript("GET", "/api/v1/projects/bench-%05d", sizes.api_objects);
  const char* authorization = std::getenv("CARA_BENCH_AUTHORIZATION");
  if (authorization && *authorization) script = WithHeader(script, "Authorization", authorization);
  Progress("tls: cara-server on SQLite, plain HTTP then HTTPS, wrk " +
           std::to_string(sizes.wrk_seconds) + " s each");
  Measured plain = MeasureGet(sizes, /*tls=*/false, script);
  Measured https = MeasureGet(sizes, /*tls=*/true, script);
  double ratio = https.wrk.requests_per_second / plain.wrk.requests_per_second;
  report.Add({"API GET /projects/{name} over HTTPS, SQLite", Rate(https), Rate(plain) + " plain",
              Ratio(https.wrk.requests_per_second, plain.wrk.requests_per_second),
              "≥ 0.75× plain HTTP, no errors",
              PassIf(ratio >= kTargetRatio && https.wrk.socket_errors == 0)});
}

}  // namespace cara::bench
