// Heartbeats kept as leases (store/node_leases.h) against a server kill:
// the real cara-server process is killed (SIGKILL) right after heartbeats
// that carried transitions were answered, with leases still unwritten, and
// started again on the same store. Every acknowledged transition is there;
// of the leases, only those of the last flush interval may be missing.
#include <signal.h>

#include <memory>

#include <catch2/catch.hpp>

#include "common/time_format.h"
#include "support/cara_server_binary.h"
#include "support/eventually.h"
#include "support/http_client.h"
#include "support/postgres_server.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace cara::testing {
namespace {

using nlohmann::json;

json Report(int memory_gi) {
  return {{"state", "Ready"},
          {"capacity", {{"cpu", "4"}, {"memory", "64Gi"}}},
          {"allocatable", {{"cpu", "4"}, {"memory", std::to_string(memory_gi) + "Gi"}}}};
}

Timestamp LastHeartbeat(const json& node) {
  auto t = ParseRfc3339(node["status"].value("lastHeartbeat", ""));
  REQUIRE(t.ok());
  return *t;
}

json GetNode(const CaraServerBinary& server) {
  HttpResponse r = HttpClient(server.url()).Get("/api/v1/nodes/n1");
  REQUIRE(r.status == 200);
  return r.json;
}

void Beat(const CaraServerBinary& server, const json& report) {
  REQUIRE(HttpClient(server.url()).PostJson("/api/v1/nodes/n1/heartbeat", report).status == 204);
}

long LeaseCount(const CaraServerBinary& server) {
  const std::string series = "cara_node_heartbeats_total{kept=\"lease\"} ";
  std::string body = HttpClient(server.url()).Get("/metrics").body;
  size_t at = body.find(series);
  return at == std::string::npos ? -1 : std::stol(body.substr(at + series.size()));
}

}  // namespace

TEST_CASE("a server kill loses no acknowledged heartbeat transition, only unflushed leases",
          "[server][heartbeat][lease][process]") {
  for (const std::string backend : {"sqlite", "postgres"}) {
    DYNAMIC_SECTION(backend) {
      TempDir data;
      const std::map<std::string, std::string> env = {
          {"DATABASE_URL",
           backend == "postgres" ? PostgresServer::Shared().FreshDatabaseUrl() : ""}};
      const std::vector<std::string> flags = {"--no-controllers", "--heartbeat-flush-interval",
                                              "300ms"};
      const std::string log = TestLogPath("cara-server-heartbeat-kill");
      auto server = std::make_unique<CaraServerBinary>(data.path(), flags, env, log);
      REQUIRE(HttpClient(server->url())
                  .PostJson("/api/v1/nodes", {{"metadata", {{"name", "n1"}}}})
                  .status == 201);
      Beat(*server, Report(1));
      const Timestamp written = LastHeartbeat(GetNode(*server));

      // Leases reach the database within a flush interval.
      Timestamp flushed{};
      REQUIRE(Eventually([&] {
        Beat(*server, Report(1));
        flushed = LastHeartbeat(GetNode(*server));
        return flushed > written;
      }));

      // Transitions between leases, the kill right after the last answer.
      const int kRounds = 20;
      for (int i = 2; i <= kRounds; ++i) {
        for (int lease = 0; lease < 3; ++lease) Beat(*server, Report(i - 1));
        Beat(*server, Report(i));
      }
      CHECK(LeaseCount(*server) >= 3 * (kRounds - 1));
      const int port = server->port();
      server->process().Signal(SIGKILL);
      server->process().Wait();
      server.reset();

      server = std::make_unique<CaraServerBinary>(data.path(), flags, env, log, port);
      json node = GetNode(*server);
      CHECK(node["status"]["state"] == "Ready");
      CHECK(node["status"]["allocatable"]["memory"] == std::to_string(kRounds) + "Gi");
      CHECK(LastHeartbeat(node) >= flushed);
    }
  }
}

}  // namespace cara::testing
