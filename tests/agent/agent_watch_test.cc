// The agent acts on its assignments as the watch reports them, with the
// resync and the fallback poll as the only timers: all on a fake clock, so
// "it started before any interval passed" and "nothing happened until the
// interval was over" are proven without sleeping.
#include <catch2/catch.hpp>

#include "agent/agent.h"
#include "fake_container_engine.h"
#include "fake_control_plane.h"
#include "support/fake_clock.h"
#include "test_projects.h"

namespace cara::agent {
namespace {

using namespace std::chrono_literals;
using testing::kImage;
using testing::kNode;
using testing::Project;
using testing::Service;

// Threads that wait on the clock when the agent idles: heartbeats and the
// reconcile loop (the watch thread blocks in the fake watch, not on the
// clock); a refused watch adds the watch thread's retry sleep.
constexpr size_t kIdleWatching = 2;
constexpr size_t kIdlePolling = 3;

AgentConfig Config() {
  AgentConfig config;
  config.node_name = kNode;
  config.advertise_ip = "10.1.2.3";
  config.disk_path = "/";
  config.heartbeat_interval = 1h;
  config.resync_interval = 30s;
  config.poll_interval = 10s;
  config.watch_retry_interval = 1h;
  return config;
}

struct AgentOnFakeClock {
  FakeClock clock{Timestamp{}};
  FakeContainerEngine engine;
  FakeControlPlane server;
  RouteTable routes;
  Agent agent{Config(), &engine, &server, &routes, &clock};

  AgentOnFakeClock() { engine.AddImage(kImage); }
  ~AgentOnFakeClock() { agent.Stop(); }

  std::string Phase(const std::string& project) { return server.GetProject(project).status.phase; }
};

}  // namespace

TEST_CASE("agent watch: an assignment made while the agent idles starts at once",
          "[agent][watch][fake]") {
  AgentOnFakeClock a;
  a.agent.Start();
  REQUIRE(a.server.WaitFor([&] { return a.server.open_watches() == 1; }));
  REQUIRE(a.clock.AwaitIdle(kIdleWatching));
  const MonotonicTime before = a.clock.SteadyNow();

  a.server.PutProject(Project("shop", {Service("web")}));
  REQUIRE(a.server.WaitFor([&] { return a.Phase("shop") == "Running"; }));
  CHECK(a.clock.SteadyNow() == before);  // no interval had to pass
  CHECK(a.engine.ContainerNames() == std::set<std::string>{"shop-web"});
}

TEST_CASE("agent watch: a change the watch missed is found by the resync, not sooner",
          "[agent][watch][fake]") {
  AgentOnFakeClock a;
  a.agent.Start();
  REQUIRE(a.server.WaitFor([&] { return a.server.open_watches() == 1; }));
  REQUIRE(a.clock.AwaitIdle(kIdleWatching));

  a.server.PutProject(Project("shop", {Service("web")}), /*announce=*/false);
  a.clock.Advance(29s);  // past the poll interval, short of the resync
  REQUIRE(a.clock.AwaitIdle(kIdleWatching));
  CHECK(a.Phase("shop") == "Scheduled");

  a.clock.Advance(1s);
  REQUIRE(a.server.WaitFor([&] { return a.Phase("shop") == "Running"; }));
}

TEST_CASE("agent watch: work left for a later pass is looked at every poll interval",
          "[agent][watch][fake]") {
  AgentOnFakeClock a;
  SecretValues db;
  db.name = "db";
  db.type = "Opaque";
  db.values = {{"password", "p"}};
  a.server.PutSecret(db);
  a.server.FailSecrets(Status::Unavailable("cannot reach server"));
  api::ServiceDef web = Service("web");
  api::EnvVar password;
  password.name = "DB_PASSWORD";
  password.value_from = api::SecretKeyRef{"db", "password"};
  web.env.push_back(password);
  a.agent.Start();
  REQUIRE(a.server.WaitFor([&] { return a.server.open_watches() == 1; }));
  a.server.PutProject(Project("shop", {web}));
  // At least one pass tried (a busy machine may see the start-up pass and
  // the watch's wake-up both find the project): none could deploy it.
  REQUIRE(a.server.WaitFor([&] { return a.server.secret_fetches() >= 1; }));
  REQUIRE(a.clock.AwaitIdle(kIdleWatching));
  CHECK(a.Phase("shop") == "Scheduled");

  a.server.FailSecrets(Status::Ok());  // nothing announces this
  a.clock.Advance(10s);
  REQUIRE(a.server.WaitFor([&] { return a.Phase("shop") == "Running"; }));
}

TEST_CASE("agent watch: without a watch the agent polls every poll interval",
          "[agent][watch][fake]") {
  AgentOnFakeClock a;
  a.server.RefuseWatch(Status::Unavailable("this server has no watch API"));
  a.agent.Start();
  REQUIRE(a.clock.AwaitIdle(kIdlePolling));
  int lists = a.server.list_calls();

  a.server.PutProject(Project("shop", {Service("web")}));
  a.clock.Advance(9s);
  REQUIRE(a.clock.AwaitIdle(kIdlePolling));
  CHECK(a.Phase("shop") == "Scheduled");
  CHECK(a.server.list_calls() == lists);

  a.clock.Advance(1s);
  REQUIRE(a.server.WaitFor([&] { return a.Phase("shop") == "Running"; }));

  // Once the server answers watches, the next try (after the retry
  // interval) watches again.
  a.server.RefuseWatch(Status::Ok());
  a.clock.Advance(1h);
  REQUIRE(a.server.WaitFor([&] { return a.server.open_watches() == 1; }));
}

}  // namespace cara::agent
