// Health gating over a fake engine and a fake control plane: a project with
// healthchecks is Running only once every one passes, and the agent's
// Healthy condition names the services that do not. agent_e2e_workload_test.cc
// proves the same against a real dockerd.
#include <catch2/catch.hpp>

#include "agent/reconciler.h"
#include "api/lifecycle.h"
#include "fake_container_engine.h"
#include "fake_control_plane.h"
#include "test_projects.h"

namespace cara::agent {
namespace {

using testing::kImage;
using testing::kNode;
using testing::Project;
using testing::Service;

api::ServiceDef Checked(const std::string& name) {
  api::ServiceDef s = Service(name);
  api::HealthCheck hc;
  hc.command = {"true"};
  hc.interval = "1s";
  s.healthcheck = hc;
  return s;
}

struct Agent {
  Agent() : runtime(&engine), reconciler(&server, &runtime, &routes, kNode) {
    engine.AddImage(kImage);
  }
  // One pass, then the reports it sent.
  std::vector<FakeControlPlane::ReportCall> Pass() {
    REQUIRE(reconciler.RunOnce().ok());
    engine.TakeCalls();
    return server.TakeReports();
  }
  const api::Condition* Healthy() {
    project = server.GetProject("shop");
    return api::FindCondition(project.status.conditions, api::kConditionHealthy);
  }

  FakeContainerEngine engine;
  FakeControlPlane server;
  RouteTable routes;
  ProjectRuntime runtime;
  Reconciler reconciler;
  api::Project project;
};

}  // namespace

TEST_CASE("health: a project waits in Scheduled until every healthcheck passes",
          "[agent][health][fake]") {
  Agent a;
  a.server.PutProject(Project("shop", {Service("web"), Checked("db"), Checked("cache")}));

  auto reports = a.Pass();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].status.phase == "Scheduled");
  CHECK(reports[0].status.observed_generation == 0);
  const api::Condition* healthy = a.Healthy();
  REQUIRE(healthy != nullptr);
  CHECK(healthy->status == "False");
  CHECK(healthy->reason == "Unhealthy");
  CHECK(healthy->message == "db: starting, cache: starting");
  CHECK(a.project.status.phase == "Scheduled");

  // Nothing changed: nothing is written.
  CHECK(a.Pass().empty());

  a.engine.SetHealth("shop-db", "unhealthy");
  a.engine.SetHealth("shop-cache", "healthy");
  REQUIRE(a.Pass().size() == 1);
  REQUIRE(a.Healthy() != nullptr);
  CHECK(a.Healthy()->message == "db: healthcheck failing");
  CHECK(a.project.status.phase == "Scheduled");

  a.engine.SetHealth("shop-db", "healthy");
  reports = a.Pass();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].status.phase == "Running");
  CHECK(reports[0].status.observed_generation == 1);
  CHECK(a.Healthy() == nullptr);
  CHECK(a.Pass().empty());
}

TEST_CASE("health: a Running project that turns unhealthy stays Running with Healthy=False",
          "[agent][health][fake]") {
  Agent a;
  a.server.PutProject(Project("shop", {Checked("db")}));
  a.Pass();
  a.engine.SetHealth("shop-db", "healthy");
  a.Pass();
  REQUIRE(a.server.GetProject("shop").status.phase == "Running");

  a.engine.SetHealth("shop-db", "unhealthy");
  auto reports = a.Pass();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].status.phase == "Running");
  REQUIRE(a.Healthy() != nullptr);
  CHECK(a.Healthy()->reason == "Unhealthy");
  CHECK(a.Healthy()->message == "db: healthcheck failing");
  CHECK(a.project.status.phase == "Running");
  CHECK(a.project.status.observed_generation == 1);
  CHECK(a.Pass().empty());

  a.engine.SetHealth("shop-db", "healthy");
  CHECK(a.Pass().size() == 1);
  CHECK(a.Healthy() == nullptr);
  CHECK(a.project.status.phase == "Running");
  CHECK(a.Pass().empty());
}

TEST_CASE("health: a new generation is observed only once its healthchecks pass",
          "[agent][health][fake]") {
  Agent a;
  api::Project p = Project("shop", {Checked("db")});
  a.server.PutProject(p);
  a.Pass();
  a.engine.SetHealth("shop-db", "healthy");
  a.Pass();

  p = a.server.GetProject("shop");
  p.spec.services[0].env = {testing::Env("MODE", "replica")};
  p.metadata.generation = 2;
  a.server.PutProject(p);
  a.Pass();  // recreated: starting again
  REQUIRE(a.Healthy() != nullptr);
  CHECK(a.Healthy()->message == "db: starting");
  CHECK(a.project.status.phase == "Running");
  CHECK(a.project.status.observed_generation == 1);

  a.engine.SetHealth("shop-db", "healthy");
  a.Pass();
  CHECK(a.Healthy() == nullptr);
  CHECK(a.project.status.observed_generation == 2);
}

// The agent's conditions are one set: Restarting comes from the restart
// loop only, so one held without any restart policy is stale and goes when
// the health check reports.
TEST_CASE("health: a stale Restarting condition goes with the health report",
          "[agent][health][fake]") {
  Agent a;
  api::Project p = Project("shop", {Checked("db")});
  api::Condition restarting;
  restarting.type = api::kConditionRestarting;
  restarting.status = "True";
  restarting.reason = api::kReasonCrashLoopBackOff;
  restarting.message = "db restarted 1 times, last exit=1";
  p.status.conditions.push_back(restarting);
  a.server.PutProject(p);
  a.Pass();
  a.project = a.server.GetProject("shop");
  CHECK(api::FindCondition(a.project.status.conditions, api::kConditionRestarting) == nullptr);
  CHECK(a.Healthy() != nullptr);
}

}  // namespace cara::agent
