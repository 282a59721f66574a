// Two real cara-server processes on one real PostgreSQL database: both serve
// the API, exactly one runs the controllers, and when the leader is killed
// the other takes over.
#include <catch2/catch.hpp>

#include <signal.h>

#include <thread>

#include "support/cara_server_binary.h"
#include "support/eventually.h"
#include "support/http_client.h"
#include "support/postgres_server.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace cara::testing {
namespace {

using namespace std::chrono_literals;

// Both replicas share a data dir, as replicas sharing a volume would: one
// cluster CA and one admin token.
struct Replica {
  Replica(const std::string& database_url, const std::string& data_dir)
      : server(data_dir,
               {"--node-heartbeat-timeout", "2s", "--resync-interval", "1s",
                "--leader-retry-interval", "200ms"},
               {{"DATABASE_URL", database_url}}, TestLogPath("cara-server-replica")),
        url(server.url()) {}

  bool Ready() {
    HttpClient api(url);
    return api.Get("/api/readyz").status == 200;
  }
  // -1 when the replica does not answer.
  int Leading() {
    HttpClient api(url);
    auto r = api.Get("/metrics");
    if (r.status != 200) return -1;
    if (r.body.find("\ncara_controller_leader 1\n") != std::string::npos) return 1;
    if (r.body.find("\ncara_controller_leader 0\n") != std::string::npos) return 0;
    return -1;
  }

  CaraServerBinary server;
  std::string url;
};

std::string NodeState(const std::string& url, const std::string& name) {
  HttpClient api(url);
  auto r = api.Get("/api/v1/nodes/" + name);
  return r.status == 200 ? r.json["status"].value("state", "") : "";
}

}  // namespace

TEST_CASE("one leader runs controllers, the other replica takes over when it dies",
          "[controllers][failover]") {
  TempDir data;
  std::string db = PostgresServer::Shared().FreshDatabaseUrl();
  Replica a(db, data.path());
  Replica b(db, data.path());
  REQUIRE(Eventually([&] { return a.Ready() && b.Ready(); }));
  REQUIRE(Eventually([&] { return a.Leading() + b.Leading() == 1; }));
  Replica& leader = a.Leading() == 1 ? a : b;
  Replica& follower = a.Leading() == 1 ? b : a;

  // Both serve the API; the leader's controllers act on writes made
  // through the follower (remote events).
  HttpClient api(follower.url);
  REQUIRE(api.PostJson("/api/v1/nodes", {{"metadata", {{"name", "n1"}}}}).status == 201);
  REQUIRE(api.PostJson("/api/v1/nodes/n1/heartbeat", {{"state", "Ready"}}).status == 204);
  REQUIRE(api.PostJson("/api/v1/projects",
                       {{"metadata", {{"name", "p1"}}},
                        {"spec", {{"services", {{{"name", "web"}, {"image", "x:1"}}}}}}})
              .status == 201);
  REQUIRE(Eventually([&] {
    HttpClient c(leader.url);
    auto p = c.Get("/api/v1/projects/p1");
    return p.status == 200 && p.json["status"].value("phase", "") == "Scheduled";
  }));

  leader.server.process().Signal(SIGKILL);
  leader.server.process().Wait();
  CHECK(Eventually([&] { return follower.Leading() == 1; }));

  // The new leader's controllers work: n1 stopped heartbeating and goes NotReady.
  CHECK(Eventually([&] { return NodeState(follower.url, "n1") == "NotReady"; }));
  REQUIRE(api.PostJson("/api/v1/nodes", {{"metadata", {{"name", "n2"}}}}).status == 201);
  REQUIRE(api.PostJson("/api/v1/nodes/n2/heartbeat", {{"state", "Ready"}}).status == 204);
  CHECK(Eventually([&] {
    auto p = api.Get("/api/v1/projects/p1");
    return p.status == 200 && p.json["status"].value("nodeRef", "") == "n2";
  }));
}

}  // namespace cara::testing
