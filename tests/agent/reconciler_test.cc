// Reconcile decisions over a fake engine and a fake control plane: what one
// pass changes in the engine and what it reports to the server. No Docker;
// agent_e2e_test.cc proves the same paths against a real dockerd.
#include "agent/reconciler.h"

#include <algorithm>

#include <catch2/catch.hpp>

#include "fake_container_engine.h"
#include "fake_control_plane.h"
#include "test_projects.h"

namespace cara::agent {
namespace {

using testing::kImage;
using testing::kNode;
using testing::Project;
using testing::Service;
using Calls = std::vector<std::string>;

// One agent's reconciler over the shared engine and server. Several can be
// built over the same World: each stands for an agent process (a restart).
struct World {
  FakeContainerEngine engine;
  FakeControlPlane server;

  World() {
    engine.AddImage(kImage);
    engine.AddImage("img:2");
  }
};

struct AgentSide {
  explicit AgentSide(World& w)
      : world(w), runtime(&w.engine), reconciler(&w.server, &runtime, &routes, kNode) {}

  // One pass; the engine calls it made, sorted (the runtime stops containers
  // in parallel, so their order is not fixed).
  Calls Pass() {
    Status st = reconciler.RunOnce();
    INFO(st.ToString());
    REQUIRE(st.ok());
    Calls calls = world.engine.TakeCalls();
    std::sort(calls.begin(), calls.end());
    return calls;
  }

  World& world;
  RouteTable routes;
  ProjectRuntime runtime;
  Reconciler reconciler;
};

// The single report since the last call.
StatusReport OnlyReport(FakeControlPlane& server, const std::string& project) {
  auto reports = server.TakeReports();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].project == project);
  return reports[0].status;
}

// The single report since the last call, checked to be
// `phase`/`reason`/`message`.
StatusReport ExpectReport(FakeControlPlane& server, const std::string& project,
                          const std::string& phase, const std::string& reason,
                          const std::string& message) {
  StatusReport r = OnlyReport(server, project);
  INFO(project << ": " << r.phase << " " << r.reason << " " << r.message);
  CHECK(r.phase == phase);
  CHECK(r.reason == reason);
  CHECK(r.message == message);
  return r;
}

std::string ContainerId(FakeContainerEngine& engine, const std::string& name) {
  auto info = engine.InspectContainer(name);
  return info.ok() ? info->id : "";
}

// "shop" with web and db, deployed and reported Running.
api::Project DeployShop(World& w, AgentSide& agent) {
  api::Project p = Project("shop", {Service("web"), Service("db")});
  api::IngressDef http;
  http.host = "shop.example.test";
  http.target_service = "web";
  http.target_port = 80;
  p.spec.ingress = {http};
  w.server.PutProject(p);
  Calls calls = agent.Pass();
  CHECK(calls == Calls{"create shop-db", "create shop-web", "create-network cara-shop",
                       "start shop-db", "start shop-web"});
  StatusReport r =
      ExpectReport(w.server, "shop", "Running", "ContainersRunning", "All containers running");
  CHECK(r.observed_generation == 1);
  return w.server.GetProject("shop");
}

}  // namespace

TEST_CASE("reconciler: a Scheduled project is deployed, routed and reported Running once",
          "[agent][reconciler][fake]") {
  World w;
  AgentSide agent(w);
  DeployShop(w, agent);
  auto backend = agent.routes.Lookup("shop.example.test");
  REQUIRE(backend.has_value());
  CHECK(backend->ip == w.engine.InspectContainer("shop-web")->ip_by_network.at("cara-shop"));
  CHECK(backend->port == 80);

  // Running and healthy: the next pass touches nothing and reports nothing.
  CHECK(agent.Pass().empty());
  CHECK(w.server.TakeReports().empty());
}

TEST_CASE("reconciler: a new generation recreates exactly the changed service",
          "[agent][reconciler][fake]") {
  World w;
  AgentSide agent(w);
  api::Project p = DeployShop(w, agent);
  std::string db_id = ContainerId(w.engine, "shop-db");
  std::string web_id = ContainerId(w.engine, "shop-web");

  p.spec.services[0].image = "img:2";  // web
  p.metadata.generation = 2;
  w.server.PutProject(p);
  CHECK(agent.Pass() ==
        Calls{"create shop-web", "remove shop-web", "start shop-web", "stop shop-web"});
  CHECK(ContainerId(w.engine, "shop-db") == db_id);
  CHECK(ContainerId(w.engine, "shop-web") != web_id);
  CHECK(w.engine.CreatedSpec("shop-web")->image == "img:2");
  StatusReport r = OnlyReport(w.server, "shop");
  CHECK(r.phase == "Running");
  CHECK(r.observed_generation == 2);

  // An env change is a configuration change too; a generation with no
  // container change (e.g. ingress only) recreates nothing.
  p = w.server.GetProject("shop");
  p.spec.services[1].env = {testing::Env("MODE", "replica")};
  p.metadata.generation = 3;
  w.server.PutProject(p);
  CHECK(agent.Pass() == Calls{"create shop-db", "remove shop-db", "start shop-db", "stop shop-db"});
  CHECK(OnlyReport(w.server, "shop").observed_generation == 3);
  p = w.server.GetProject("shop");
  p.spec.ingress.clear();
  p.metadata.generation = 4;
  w.server.PutProject(p);
  CHECK(agent.Pass().empty());
  CHECK(OnlyReport(w.server, "shop").observed_generation == 4);
  CHECK_FALSE(agent.routes.Lookup("shop.example.test").has_value());
}

TEST_CASE("reconciler: a crashed container fails the project and its containers stay",
          "[agent][reconciler][fake]") {
  World w;
  AgentSide agent(w);
  DeployShop(w, agent);

  w.engine.SetContainerState("shop-db", "exited", 3);
  CHECK(agent.Pass().empty());
  StatusReport r = ExpectReport(w.server, "shop", "Failed", "ContainerCrashed",
                                "Containers crashed: db(exit=3)");
  CHECK(r.observed_generation == 0);

  // Failed projects keep their containers (for logs) and are not redeployed.
  CHECK(agent.Pass().empty());
  CHECK(w.server.TakeReports().empty());
  CHECK(w.engine.ContainerNames() == std::set<std::string>{"shop-db", "shop-web"});
}

TEST_CASE("reconciler: health check reasons for dead, missing and cleanly exited containers",
          "[agent][reconciler][fake]") {
  World w;
  AgentSide agent(w);
  DeployShop(w, agent);

  SECTION("dead") {
    w.engine.SetContainerState("shop-web", "dead", 137);
    agent.Pass();
    ExpectReport(w.server, "shop", "Failed", "ContainerCrashed",
                 "Containers crashed: web(exit=137)");
  }
  SECTION("missing") {
    REQUIRE(w.engine.RemoveContainer("shop-web", true).ok());
    w.engine.TakeCalls();
    CHECK(agent.Pass().empty());  // a health check does not recreate
    ExpectReport(w.server, "shop", "Failed", "ContainerMissing",
                 "Missing containers for services: web (expected 2, found 1)");
  }
  SECTION("exited cleanly") {
    w.engine.SetContainerState("shop-db", "exited", 0);
    agent.Pass();
    ExpectReport(w.server, "shop", "Failed", "ContainerExited",
                 "Containers exited cleanly: db(exit=0)");
  }
}

TEST_CASE("reconciler: a service that exits at once fails the deploy with ContainerExited",
          "[agent][reconciler][fake]") {
  World w;
  AgentSide agent(w);
  w.engine.ExitOnStart("job-run", 2);
  w.server.PutProject(Project("job", {Service("run"), Service("side")}));
  agent.Pass();
  ExpectReport(w.server, "job", "Failed", "ContainerExited",
               "Containers exited with errors: run(exit=2)");
}

TEST_CASE("reconciler: image problems fail the deploy with ImagePullFailed",
          "[agent][reconciler][fake]") {
  World w;
  AgentSide agent(w);
  w.engine.FailPull("img:9", Status::Internal("manifest for img:9 not found"));
  w.server.PutProject(Project("broken", {Service("web", "img:9")}));
  CHECK(agent.Pass() == Calls{"create-network cara-broken", "pull img:9"});
  ExpectReport(w.server, "broken", "Failed", "ImagePullFailed",
               "ensure container \"web\": pull image \"img:9\": manifest for img:9 not found");
}

TEST_CASE("reconciler: a Terminating project is torn down and reported Terminated",
          "[agent][reconciler][fake]") {
  World w;
  AgentSide agent(w);
  api::Project p = DeployShop(w, agent);
  p.spec.volumes = {{"data", "Ephemeral"}};
  REQUIRE(w.engine.CreateVolume("cara-shop-data", {{"cara.project", "shop"}}).ok());
  w.engine.TakeCalls();
  p.status.phase = api::kPhaseTerminating;
  w.server.PutProject(p);
  CHECK(agent.Pass() == Calls{"remove shop-db", "remove shop-web", "remove-network cara-shop",
                              "remove-volume cara-shop-data", "stop shop-db", "stop shop-web"});
  ExpectReport(w.server, "shop", "Terminated", "ResourcesRemoved",
               "All Docker resources have been removed");
  CHECK_FALSE(agent.routes.Lookup("shop.example.test").has_value());
}

TEST_CASE("reconciler: resources labelled as ours with no project here are removed",
          "[agent][reconciler][fake]") {
  World w;
  AgentSide agent(w);
  ContainerSpec orphan;
  orphan.name = "old-web";
  orphan.image = kImage;
  orphan.labels = {{"cara.project", "old"}, {"cara.service", "web"}};
  orphan.network = "cara-old";
  w.engine.AddContainer(orphan, "running");
  REQUIRE(w.engine.CreateNetwork("cara-old", {{"cara.project", "old"}}).ok());
  REQUIRE(w.engine.CreateVolume("cara-old-data", {{"cara.project", "old"}}).ok());
  ContainerSpec foreign;  // not ours: no cara.project label
  foreign.name = "someone-else";
  foreign.image = kImage;
  w.engine.AddContainer(foreign, "running");
  // A Failed project keeps its containers.
  ContainerSpec failed = orphan;
  failed.name = "kept-web";
  failed.labels["cara.project"] = "kept";
  failed.network = "";
  w.engine.AddContainer(failed, "exited");
  w.server.PutProject(Project("kept", {Service("web")}, api::kPhaseFailed));
  agent.routes.Update("old", {{"old.example.test", {"10.9.9.9", 80}}});
  w.engine.TakeCalls();

  CHECK(agent.Pass() == Calls{"remove old-web", "remove-network cara-old",
                              "remove-volume cara-old-data", "stop old-web"});
  CHECK(w.engine.ContainerNames() == std::set<std::string>{"kept-web", "someone-else"});
  CHECK(w.engine.NetworkNames().empty());
  CHECK(w.engine.VolumeNames().empty());
  CHECK_FALSE(agent.routes.Lookup("old.example.test").has_value());
  CHECK(w.server.TakeReports().empty());
}

TEST_CASE("reconciler: a restarted agent over the right containers changes nothing",
          "[agent][reconciler][fake]") {
  World w;
  {
    AgentSide before(w);
    DeployShop(w, before);
  }
  AgentSide after(w);  // a new process: no memory of the deploy
  REQUIRE(after.reconciler.RestoreRoutes().ok());
  auto backend = after.routes.Lookup("shop.example.test");
  REQUIRE(backend.has_value());
  CHECK(backend->ip == w.engine.InspectContainer("shop-web")->ip_by_network.at("cara-shop"));
  CHECK(after.Pass().empty());
  CHECK(w.server.TakeReports().empty());

  // Killed half-way through a deploy (one service created, not started): the
  // next agent finishes the work instead of duplicating it.
  api::Project half = Project("half", {Service("a"), Service("b")});
  w.server.PutProject(half);
  REQUIRE(w.engine.CreateNetwork("cara-half", {{"cara.project", "half"}}).ok());
  REQUIRE(w.engine.CreateContainer(ContainerSpecFor(half, half.spec.services[0])).ok());
  w.engine.TakeCalls();
  CHECK(after.Pass() == Calls{"create half-b", "start half-a", "start half-b"});
  CHECK(OnlyReport(w.server, "half").phase == "Running");
}

TEST_CASE("reconciler: without an answering engine the pass is skipped and nothing is reported",
          "[agent][reconciler][fake]") {
  World w;
  AgentSide agent(w);
  w.server.PutProject(Project("shop", {Service("web")}));
  w.engine.SetAnswering(false);
  Status st = agent.reconciler.RunOnce();
  CHECK(st.code() == Code::kUnavailable);
  CHECK(st.message() ==
        "reconcile pass skipped: cannot reach Docker at /fake/docker.sock: connect: connection "
        "refused");
  CHECK(w.server.list_calls() == 0);
  CHECK(w.server.TakeReports().empty());
  CHECK(w.server.GetProject("shop").status.phase == "Scheduled");

  w.engine.SetAnswering(true);
  agent.Pass();
  CHECK(OnlyReport(w.server, "shop").phase == "Running");
}

// Every round trip to the server is on the way from Scheduled to Running, so
// a pass lists the node's projects once, Failed ones included; those it only
// keeps (their containers stay for logs) and never acts on.
TEST_CASE("reconciler: one list per pass, and the Failed projects in it are kept, not handled",
          "[agent][reconciler][fake]") {
  World w;
  AgentSide agent(w);
  ContainerSpec failed;
  failed.name = "kept-web";
  failed.image = kImage;
  failed.labels = {{"cara.project", "kept"}, {"cara.service", "web"}};
  w.engine.AddContainer(failed, "exited");
  w.server.PutProject(Project("kept", {Service("web")}, api::kPhaseFailed));
  w.server.PutProject(Project("shop", {Service("web")}));
  w.engine.TakeCalls();

  int lists_before = w.server.list_calls();
  CHECK(agent.Pass() == Calls{"create shop-web", "create-network cara-shop", "start shop-web"});
  CHECK(w.server.list_calls() == lists_before + 1);
  ExpectReport(w.server, "shop", "Running", "ContainersRunning", "All containers running");
  CHECK(w.engine.ContainerNames() == std::set<std::string>{"kept-web", "shop-web"});
  CHECK(w.server.GetProject("kept").status.phase == "Failed");
}

}  // namespace cara::agent
