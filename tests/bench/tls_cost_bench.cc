// The cost of security on the API: GET /api/v1/projects/{name} under wrk
// over keep-alive connections (the normal case: the handshake is paid once
// per connection), the same cara-server binary on SQLite in the same run,
// once as the plain baseline (--insecure-http --no-auth) and once in its
// secure default (HTTPS, every request carrying the admin token the server
// generated, so each one passes the token check and the role decision).
// Target: the secure default keeps ≥ 75% of plain throughput.

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

Measured MeasureGet(const Sizes& sizes, bool secure) {
  ServerProcess server("sqlite", /*controllers=*/false, /*tls=*/secure, /*auth=*/secure);
  PostAll(
      server.url(), "/api/v1/projects", sizes.api_objects,
      [](int i) { return ProjectDocument(i).dump(); }, 4, server.authorization());
  std::string script = RotatingPathScript("GET", "/api/v1/projects/bench-%05d", sizes.api_objects);
  if (secure) script = WithHeader(script, "Authorization", server.authorization());
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
  Progress(
      "tls: cara-server on SQLite, plain HTTP without auth, then HTTPS with an admin "
      "token, wrk " +
      std::to_string(sizes.wrk_seconds) + " s each");
  Measured plain = MeasureGet(sizes, /*secure=*/false);
  Measured https = MeasureGet(sizes, /*secure=*/true);
  double ratio = https.wrk.requests_per_second / plain.wrk.requests_per_second;
  report.Add({"API GET /projects/{name}, HTTPS + bearer token, SQLite", Rate(https),
              Rate(plain) + " plain, no auth",
              Ratio(https.wrk.requests_per_second, plain.wrk.requests_per_second),
              "≥ 0.75× plain HTTP without auth, no errors",
              PassIf(ratio >= kTargetRatio && https.wrk.socket_errors == 0)});
}

}  // namespace cara::bench
