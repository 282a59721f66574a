// Heartbeats as leases (store/node_leases.h) behind a real cara-server, on a
// fake clock: a heartbeat that changes nothing but the time is not a write,
// yet node-health and the API see it; one that changes anything else is
// written at once; a node whose heartbeats stop still goes NotReady; and a
// replica that takes a node's heartbeats keeps it Ready on the leader.
#include <catch2/catch.hpp>

#include "common/time_format.h"
#include "store/node_leases.h"
#include "support/eventually.h"
#include "support/fake_clock.h"
#include "support/http_client.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const json kReport = {{"state", "Ready"},
                      {"capacity", {{"cpu", "4"}, {"memory", "8Gi"}}},
                      {"allocatable", {{"cpu", "4"}, {"memory", "7Gi"}}}};

TestControllers OnClock(FakeClock* clock) {
  TestControllers c;
  c.clock = clock;
  c.config.heartbeat_timeout = 5s;
  return c;
}

json GetNode(const std::string& url, const std::string& name) {
  HttpResponse r = HttpClient(url).Get("/api/v1/nodes/" + name);
  REQUIRE(r.status == 200);
  return r.json;
}

void Beat(const std::string& url, const std::string& name, const json& report = kReport) {
  REQUIRE(HttpClient(url).PostJson("/api/v1/nodes/" + name + "/heartbeat", report).status == 204);
}

std::string State(const json& node) { return node["status"].value("state", ""); }
std::string Version(const json& node) { return node["metadata"].value("resourceVersion", ""); }
Timestamp LastHeartbeat(const json& node) {
  auto t = ParseRfc3339(node["status"].value("lastHeartbeat", ""));
  REQUIRE(t.ok());
  return *t;
}

// The value of one line of /metrics, -1 if it is missing.
long Metric(const std::string& url, const std::string& series) {
  std::string body = HttpClient(url).Get("/metrics").body;
  size_t at = body.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stol(body.substr(at + series.size() + 2));
}

// What the flusher does every second (of real time, in tests).
bool Flush(TestServer& server) {
  auto leases = store::NodeLeases::Of(&server.store());
  return leases && leases->Flush().ok();
}

}  // namespace

TEST_CASE("a heartbeat that changes only the time is a lease, written at the next flush",
          "[controllers][heartbeat][lease]") {
  for (const auto& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      FakeClock clock(SystemClock::Default()->Now());
      TestControllers controllers = OnClock(&clock);
      TestServer server(backend, {}, &controllers);
      const std::string url = server.url();
      REQUIRE(HttpClient(url).PostJson("/api/v1/nodes", {{"metadata", {{"name", "n1"}}}}).status ==
              201);
      Beat(url, "n1");  // NotReady -> Ready: a transition, written
      const json ready = GetNode(url, "n1");
      REQUIRE(State(ready) == "Ready");

      clock.Advance(400ms);
      Beat(url, "n1");
      json leased = GetNode(url, "n1");
      CHECK(Version(leased) == Version(ready));
      CHECK(Metric(url, "cara_node_heartbeats_total{kept=\"lease\"}") == 1);
      auto version = std::stoll(Version(ready));
      auto changes = server.store().ChangesSince({api::kKindNode}, version, 10);
      REQUIRE(changes.ok());
      CHECK(changes->changes.empty());  // nothing for a watch

      REQUIRE(Flush(server));
      json flushed = GetNode(url, "n1");
      CHECK(Version(flushed) == Version(ready));
      CHECK(LastHeartbeat(flushed) > LastHeartbeat(ready));
      changes = server.store().ChangesSince({api::kKindNode}, version, 10);
      REQUIRE(changes.ok());
      CHECK(changes->changes.empty());

      // Anything else is written before the answer.
      json more = kReport;
      more["allocatable"]["memory"] = "6Gi";
      Beat(url, "n1", more);
      json changed = GetNode(url, "n1");
      CHECK(changed["status"]["allocatable"]["memory"] == "6Gi");
      CHECK(Version(changed) != Version(ready));
      CHECK(Metric(url, "cara_node_heartbeats_total{kept=\"write\"}") == 2);
    }
  }
}

TEST_CASE("node health: leases keep a node Ready, and it goes NotReady when they stop",
          "[controllers][heartbeat][lease]") {
  for (const auto& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      FakeClock clock(SystemClock::Default()->Now());
      TestControllers controllers = OnClock(&clock);
      TestServer server(backend, {}, &controllers);
      const std::string url = server.url();
      REQUIRE(HttpClient(url).PostJson("/api/v1/nodes", {{"metadata", {{"name", "n1"}}}}).status ==
              201);
      Beat(url, "n1");
      const json ready = GetNode(url, "n1");
      REQUIRE(State(ready) == "Ready");

      // Twice the timeout of heartbeats that are all leases.
      for (int i = 0; i < 10; ++i) {
        clock.Advance(1s);
        Beat(url, "n1");
        REQUIRE(clock.AwaitIdle(server.clock_threads()));
      }
      json still = GetNode(url, "n1");
      CHECK(State(still) == "Ready");
      CHECK(Version(still) == Version(ready));  // no write, not even node-health's
      CHECK(Metric(url, "cara_node_heartbeats_total{kept=\"lease\"}") == 10);

      // Silence: NotReady once the last lease is older than the timeout,
      // not before.
      clock.Advance(4s);
      REQUIRE(clock.AwaitIdle(server.clock_threads()));
      CHECK(State(GetNode(url, "n1")) == "Ready");
      clock.Advance(2s);
      REQUIRE(clock.AwaitIdle(server.clock_threads()));
      json down = GetNode(url, "n1");
      CHECK(State(down) == "NotReady");

      // The next heartbeat is a transition again.
      Beat(url, "n1");
      CHECK(State(GetNode(url, "n1")) == "Ready");
    }
  }
}

TEST_CASE("a replica that takes a node's heartbeats keeps it Ready on the leader",
          "[controllers][heartbeat][lease][failover]") {
  FakeClock clock(SystemClock::Default()->Now());
  TestControllers controllers = OnClock(&clock);
  TestServer a("postgres", {}, &controllers);
  server::ServerOptions same_keys;
  same_keys.secret_keys = a.secret_keys();
  TestServer b(a.database_url(), same_keys, &controllers);
  auto idle = [&] { return clock.AwaitIdle(a.clock_threads() + b.clock_threads()); };
  REQUIRE(Eventually([&] {
    clock.Advance(200ms);
    return idle() && a.leading() != b.leading();
  }));
  TestServer& leader = a.leading() ? a : b;
  TestServer& replica = a.leading() ? b : a;

  REQUIRE(HttpClient(replica.url())
              .PostJson("/api/v1/nodes", {{"metadata", {{"name", "n1"}}}})
              .status == 201);
  Beat(replica.url(), "n1");
  const json ready = GetNode(leader.url(), "n1");
  REQUIRE(State(ready) == "Ready");

  for (int i = 0; i < 12; ++i) {
    clock.Advance(1s);
    Beat(replica.url(), "n1");
    REQUIRE(Flush(replica));  // as its flusher does every second
    REQUIRE(idle());
  }
  json seen = GetNode(leader.url(), "n1");
  CHECK(State(seen) == "Ready");
  CHECK(Version(seen) == Version(ready));
  CHECK(LastHeartbeat(seen) > LastHeartbeat(ready));  // the replica's flushes
  CHECK(Metric(replica.url(), "cara_node_heartbeats_total{kept=\"lease\"}") == 12);

  for (int i = 0; i < 7; ++i) {
    clock.Advance(1s);
    REQUIRE(idle());
  }
  CHECK(State(GetNode(leader.url(), "n1")) == "NotReady");
}

}  // namespace cara::testing
