// The Agent's loops (registration, heartbeats, reconcile) over a fake engine
// and a fake control plane. No Docker and no server: the tests wait for the
// calls the agent makes, never for time to pass.
#include "agent/agent.h"

#include <catch2/catch.hpp>

#include "fake_container_engine.h"
#include "fake_control_plane.h"
#include "test_projects.h"

namespace cara::agent {
namespace {

using namespace std::chrono_literals;
using testing::kImage;
using testing::kNode;
using testing::Project;
using testing::Service;

AgentConfig Config() {
  AgentConfig config;
  config.node_name = kNode;
  config.advertise_ip = "10.1.2.3";
  config.agent_port = 9191;
  config.disk_path = "/";
  config.heartbeat_interval = 10ms;
  config.poll_interval = 10ms;
  return config;
}

const api::Condition& DockerReady(const api::NodeStatus& report) {
  const api::Condition* c = api::FindCondition(report.conditions, "DockerReady");
  REQUIRE(c != nullptr);
  return *c;
}

// An agent over fakes; Start() returns after its first heartbeat.
struct AgentOverFakes {
  FakeContainerEngine engine;
  FakeControlPlane server;
  RouteTable routes;
  Agent agent{Config(), &engine, &server, &routes, SystemClock::Default()};

  void StartAndAwaitHeartbeat() {
    agent.Start();
    REQUIRE(server.WaitFor([&] { return !server.Heartbeats().empty(); }));
  }
};

}  // namespace

TEST_CASE("agent: registers its node, then heartbeats with DockerReady=True",
          "[agent][loops][fake]") {
  AgentOverFakes a;
  a.StartAndAwaitHeartbeat();
  a.agent.Stop();
  FakeControlPlane& server = a.server;

  CHECK(server.Nodes() == std::set<std::string>{kNode});
  FakeControlPlane::HeartbeatCall first = server.Heartbeats().front();
  CHECK(first.node == kNode);
  CHECK(first.report.state == "Ready");
  CHECK(first.report.network.ip == "10.1.2.3");
  CHECK(first.report.network.agent_port == 9191);
  CHECK(first.report.capacity.count("cpu") == 1);
  const api::Condition& docker = DockerReady(first.report);
  CHECK(docker.status == "True");
  CHECK(docker.reason == "DockerAnswering");
  CHECK(docker.message == "Docker engine answers");
}

TEST_CASE("agent: heartbeats say NotReady and DockerReady=False while the engine does not answer",
          "[agent][loops][fake]") {
  AgentOverFakes a;
  FakeControlPlane& server = a.server;
  a.engine.SetAnswering(false);
  a.StartAndAwaitHeartbeat();
  api::NodeStatus down = server.Heartbeats().back().report;
  CHECK(down.state == "NotReady");
  const api::Condition& docker = DockerReady(down);
  CHECK(docker.status == "False");
  CHECK(docker.reason == "DockerUnavailable");
  CHECK(docker.message == "cannot reach Docker at /fake/docker.sock: connect: connection refused");

  a.engine.SetAnswering(true);
  REQUIRE(server.WaitFor([&] { return server.Heartbeats().back().report.state == "Ready"; }));
  a.agent.Stop();
  CHECK(DockerReady(server.Heartbeats().back().report).status == "True");
}

TEST_CASE("agent: a node deleted on the server is registered again", "[agent][loops][fake]") {
  AgentOverFakes a;
  FakeControlPlane& server = a.server;
  a.StartAndAwaitHeartbeat();
  size_t before = server.Heartbeats().size();
  server.DeleteNode(kNode);
  REQUIRE(server.WaitFor([&] { return server.Heartbeats().size() > before; }));
  a.agent.Stop();
  CHECK(server.registrations() == 2);
  CHECK(server.Nodes() == std::set<std::string>{kNode});
}

TEST_CASE("agent: deploys what is assigned, and a restarted agent changes nothing",
          "[agent][loops][fake]") {
  FakeContainerEngine engine;
  FakeControlPlane server;
  engine.AddImage(kImage);
  server.PutProject(Project("shop", {Service("web"), Service("db")}));
  {
    RouteTable routes;
    Agent agent(Config(), &engine, &server, &routes, SystemClock::Default());
    agent.Start();
    REQUIRE(server.WaitFor([&] { return server.GetProject("shop").status.phase == "Running"; }));
    agent.Stop();
  }
  CHECK(engine.ContainerNames() == std::set<std::string>{"shop-db", "shop-web"});
  engine.TakeCalls();
  server.TakeReports();

  RouteTable routes;
  Agent restarted(Config(), &engine, &server, &routes, SystemClock::Default());
  int lists_before = server.list_calls();
  restarted.Start();
  // Route restore is one list call and a pass one; the third starts the
  // second pass, so the first is complete.
  REQUIRE(server.WaitFor([&] { return server.list_calls() >= lists_before + 3; }));
  restarted.Stop();
  CHECK(engine.TakeCalls().empty());
  CHECK(server.TakeReports().empty());
}

// The events of a deploy are queued, not posted on the way to Running: a
// server slow to record them does not delay the Running report, and they
// still arrive, in order, by the time the agent has stopped.
TEST_CASE("agent: a project is reported Running while the server still records its events",
          "[agent][loops][events][fake]") {
  FakeContainerEngine engine;
  FakeControlPlane server;
  engine.AddImage(kImage);
  server.HoldEvents(true);
  struct Release {  // a failed REQUIRE must not leave the agent's Stop waiting
    FakeControlPlane& server;
    ~Release() { server.HoldEvents(false); }
  } release{server};
  server.PutProject(Project("shop", {Service("web")}));
  RouteTable routes;
  Agent agent(Config(), &engine, &server, &routes, SystemClock::Default());
  agent.Start();
  // Running, while the first event's post is held at the server (the queue's
  // thread may reach it after the report).
  REQUIRE(server.WaitFor([&] {
    return server.GetProject("shop").status.phase == "Running" && server.events_waiting() == 1;
  }));
  CHECK(server.TakeEvents().empty());

  server.HoldEvents(false);
  agent.Stop();
  std::vector<std::string> reasons;
  for (const api::Event& e : server.TakeEvents()) reasons.push_back(e.reason);
  CHECK(reasons == std::vector<std::string>{"Created", "Started"});
}

}  // namespace cara::agent
