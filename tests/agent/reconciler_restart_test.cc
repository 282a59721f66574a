// Restart policies and dependsOn in the reconcile pass, over a fake engine, a
// fake control plane and a fake clock: back-off timing is proven by moving
// the clock, never by sleeping. agent_e2e_test.cc proves the same on dockerd.
#include <algorithm>

#include <catch2/catch.hpp>

#include "agent/reconciler.h"
#include "api/lifecycle.h"
#include "fake_container_engine.h"
#include "fake_control_plane.h"
#include "support/fake_clock.h"
#include "test_projects.h"

namespace cara::agent {
namespace {

using namespace std::chrono_literals;
using std::chrono::seconds;
using testing::kImage;
using testing::kNode;
using testing::Project;
using testing::Service;
using Calls = std::vector<std::string>;

const Timestamp kStart{std::chrono::hours(24 * 365 * 56)};

struct World {
  FakeContainerEngine engine;
  FakeControlPlane server;
  FakeClock clock{kStart};
  World() { engine.AddImage(kImage); }
};

// One agent process over the world; a second one stands for a restart.
struct AgentSide {
  explicit AgentSide(World& w)
      : world(w), runtime(&w.engine), reconciler(&w.server, &runtime, &routes, kNode, &w.clock) {}

  // One pass; the engine calls it made, in order.
  Calls Pass() {
    Status st = reconciler.RunOnce();
    INFO(st.ToString());
    REQUIRE(st.ok());
    return world.engine.TakeCalls();
  }

  // Moves the clock a second at a time, one pass each, until a pass starts
  // `container`; returns how long that took. A second pass at the same
  // instant then sees a container that crashes at once as exited, so the
  // next back-off counts from the restart.
  seconds UntilStarted(const std::string& container) {
    for (seconds waited{1}; waited < 1h; waited += 1s) {
      world.clock.Advance(1s);
      Calls calls = Pass();
      if (std::find(calls.begin(), calls.end(), "start " + container) != calls.end()) {
        Pass();
        return waited;
      }
    }
    FAIL("never restarted: " << container);
    return {};
  }

  World& world;
  RouteTable routes;
  ProjectRuntime runtime;
  Reconciler reconciler;
};

api::ServiceDef WithPolicy(api::ServiceDef s, const std::string& policy) {
  s.restart_policy = policy;
  return s;
}

api::ServiceDef DependsOn(api::ServiceDef s, const std::string& dep, const std::string& condition) {
  api::ServiceDependency d;
  d.service = dep;
  d.condition = condition;
  s.depends_on.push_back(d);
  return s;
}

int64_t RestartCount(const api::Project& p, const std::string& service) {
  for (const auto& s : p.status.services) {
    if (s.name == service) return s.restart_count;
  }
  return -1;
}

std::string RestartingMessage(const api::Project& p) {
  const api::Condition* c = api::FindCondition(p.status.conditions, api::kConditionRestarting);
  if (!c) return "";
  CHECK(c->status == "True");
  CHECK(c->reason == "CrashLoopBackOff");
  return c->message;
}

}  // namespace

TEST_CASE("restart: OnFailure restarts a crashing service after 10 s, 20 s, 40 s ... up to 5 min",
          "[agent][reconciler][restart][fake]") {
  World w;
  AgentSide agent(w);
  w.engine.ExitOnStart("app-web", 1);  // crashes on every start
  w.server.PutProject(
      Project("app", {WithPolicy(Service("web"), api::kRestartOnFailure), Service("db")}));
  agent.Pass();
  // Not Failed: Running, in a crash loop, restart pending.
  api::Project p = w.server.GetProject("app");
  CHECK(p.status.phase == "Running");
  CHECK(RestartingMessage(p) == "web restarted 0 times, last exit=1");
  CHECK(RestartCount(p, "web") == 0);
  CHECK(RestartCount(p, "db") == 0);

  std::vector<seconds> delays;
  for (int i = 0; i < 7; ++i) delays.push_back(agent.UntilStarted("app-web"));
  CHECK(delays == std::vector<seconds>{10s, 20s, 40s, 80s, 160s, 300s, 300s});
  p = w.server.GetProject("app");
  CHECK(p.status.phase == "Running");
  CHECK(RestartCount(p, "web") == 7);
  CHECK(RestartCount(p, "db") == 0);
  CHECK(RestartingMessage(p) == "web restarted 7 times, last exit=1");

  // Between restarts nothing is started and nothing reported.
  w.server.TakeReports();
  w.clock.Advance(299s);
  CHECK(agent.Pass().empty());
  CHECK(w.server.TakeReports().empty());
}

TEST_CASE("restart: the count survives an agent restart (it is the server's)",
          "[agent][reconciler][restart][fake]") {
  World w;
  w.engine.ExitOnStart("app-web", 4);
  w.server.PutProject(Project("app", {WithPolicy(Service("web"), api::kRestartAlways)}));
  {
    AgentSide before(w);
    before.Pass();
    before.UntilStarted("app-web");
    before.UntilStarted("app-web");
  }
  CHECK(RestartCount(w.server.GetProject("app"), "web") == 2);
  AgentSide after(w);  // back-off forgotten, count kept
  after.Pass();
  CHECK(after.UntilStarted("app-web") == 10s);
  api::Project p = w.server.GetProject("app");
  CHECK(RestartCount(p, "web") == 3);
  CHECK(RestartingMessage(p) == "web restarted 3 times, last exit=4");
}

TEST_CASE("restart: several services in a crash loop share the condition",
          "[agent][reconciler][restart][fake]") {
  World w;
  AgentSide agent(w);
  w.engine.ExitOnStart("app-web", 1);
  w.engine.ExitOnStart("app-worker", 2);
  w.server.PutProject(Project("app", {WithPolicy(Service("web"), api::kRestartOnFailure),
                                      WithPolicy(Service("worker"), api::kRestartAlways)}));
  agent.Pass();
  agent.UntilStarted("app-web");
  CHECK(RestartingMessage(w.server.GetProject("app")) ==
        "web restarted 1 times, last exit=1; worker restarted 1 times, last exit=2");
}

TEST_CASE("restart: after 10 min up the condition clears and the back-off starts over",
          "[agent][reconciler][restart][fake]") {
  World w;
  AgentSide agent(w);
  w.server.PutProject(Project("app", {WithPolicy(Service("web"), api::kRestartOnFailure)}));
  agent.Pass();
  for (seconds expected : {10s, 20s}) {
    w.engine.SetContainerState("app-web", "exited", 1);
    agent.Pass();
    CHECK(agent.UntilStarted("app-web") == expected);
  }
  CHECK(RestartingMessage(w.server.GetProject("app")) == "web restarted 2 times, last exit=1");
  w.clock.Advance(9min);
  agent.Pass();
  CHECK_FALSE(RestartingMessage(w.server.GetProject("app")).empty());
  w.clock.Advance(1min);
  agent.Pass();
  api::Project p = w.server.GetProject("app");
  CHECK(RestartingMessage(p).empty());
  CHECK(RestartCount(p, "web") == 2);  // the count never resets

  w.engine.SetContainerState("app-web", "exited", 1);
  agent.Pass();
  CHECK(agent.UntilStarted("app-web") == 10s);
}

TEST_CASE("restart: OnFailure leaves a clean exit alone, Always restarts it",
          "[agent][reconciler][restart][fake]") {
  World w;
  AgentSide agent(w);
  w.server.PutProject(Project("clean", {WithPolicy(Service("web"), api::kRestartOnFailure)}));
  w.server.PutProject(Project("always", {WithPolicy(Service("web"), api::kRestartAlways)}));
  agent.Pass();
  w.engine.SetContainerState("clean-web", "exited", 0);
  w.engine.SetContainerState("always-web", "exited", 0);
  agent.Pass();
  api::Project clean = w.server.GetProject("clean");
  CHECK(clean.status.phase == "Failed");
  CHECK(api::FindCondition(clean.status.conditions, api::condition::kPhase)->message ==
        "Containers exited cleanly: web(exit=0)");
  CHECK(agent.UntilStarted("always-web") == 10s);
  // The failed project's container is never started again.
  w.clock.Advance(1h);
  CHECK(agent.Pass().empty());
  CHECK(w.engine.InspectContainer("clean-web")->state == "exited");
  CHECK(w.server.GetProject("always").status.phase == "Running");
}

TEST_CASE("restart: Never still fails the project, with the report of before",
          "[agent][reconciler][restart][fake]") {
  World w;
  AgentSide agent(w);
  w.server.PutProject(Project("app", {WithPolicy(Service("web"), api::kRestartNever)}));
  agent.Pass();
  w.server.TakeReports();
  w.engine.SetContainerState("app-web", "exited", 3);
  agent.Pass();
  auto reports = w.server.TakeReports();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].status.phase == "Failed");
  CHECK(reports[0].status.reason == "ContainerCrashed");
  CHECK(reports[0].status.message == "Containers crashed: web(exit=3)");
  CHECK_FALSE(reports[0].status.conditions.has_value());
  CHECK_FALSE(reports[0].status.services.has_value());
  w.clock.Advance(1h);
  CHECK(agent.Pass().empty());
}

TEST_CASE("dependsOn: Started dependencies are started first, in one pass",
          "[agent][reconciler][depends-on][fake]") {
  World w;
  AgentSide agent(w);
  w.server.PutProject(Project("app", {DependsOn(Service("web"), "db", ""), Service("db")}));
  CHECK(agent.Pass() == Calls{"create-network cara-app", "create app-db", "start app-db",
                              "create app-web", "start app-web"});
  CHECK(w.server.GetProject("app").status.phase == "Running");
}

TEST_CASE("dependsOn: a Healthy dependency holds its dependent until it is healthy",
          "[agent][reconciler][depends-on][fake]") {
  World w;
  AgentSide agent(w);
  api::ServiceDef db = Service("db");
  db.healthcheck = api::HealthCheck{};
  db.healthcheck->command = {"CMD", "true"};
  w.server.PutProject(Project("app", {DependsOn(Service("web"), "db", "Healthy"), db}));
  CHECK(agent.Pass() == Calls{"create-network cara-app", "create app-db", "start app-db"});
  // Still Scheduled, saying what it waits for.
  auto reports = w.server.TakeReports();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].status.phase == "Scheduled");
  REQUIRE(reports[0].status.conditions);
  REQUIRE(reports[0].status.conditions->size() == 1);
  CHECK((*reports[0].status.conditions)[0].message == "db: starting");
  w.engine.SetHealth("app-db", "starting");
  w.clock.Advance(1h);
  CHECK(agent.Pass().empty());
  CHECK(w.server.GetProject("app").status.phase == "Scheduled");
  w.engine.SetHealth("app-db", "healthy");
  CHECK(agent.Pass() == Calls{"create app-web", "start app-web"});
  CHECK(w.server.GetProject("app").status.phase == "Running");
}

}  // namespace cara::agent

namespace cara::agent {

TEST_CASE("dependsOn: a crash-looping dependency holds its dependent and its count is reported",
          "[agent][reconciler][depends-on][restart][fake]") {
  World w;
  AgentSide agent(w);
  w.engine.ExitOnStart("app-db", 5);
  api::ServiceDef db = WithPolicy(Service("db"), api::kRestartOnFailure);
  db.healthcheck = api::HealthCheck{};
  api::Project p = Project("app", {DependsOn(Service("web"), "db", "Healthy"), db});
  api::SetProjectPhase(p, api::kPhaseScheduled, "Scheduled", "Scheduled to node-1", Timestamp{});
  w.server.PutProject(p);
  CHECK(agent.Pass() == Calls{"create-network cara-app", "create app-db", "start app-db"});
  CHECK(agent.UntilStarted("app-db") == 10s);
  api::Project now = w.server.GetProject("app");
  CHECK(now.status.phase == "Scheduled");
  CHECK(api::FindCondition(now.status.conditions, api::condition::kPhase)->message ==
        "Scheduled to node-1");
  CHECK(RestartCount(now, "db") == 1);
  CHECK(RestartingMessage(now) == "db restarted 1 times, last exit=5");
  CHECK(w.engine.ContainerNames() == std::set<std::string>{"app-db"});
}

}  // namespace cara::agent
