// The agent's events over a fake engine and a fake control plane: which
// actions and transitions post which event, that a pass doing nothing posts
// nothing, and that Recreated names the field that changed -- never a value.
// agent_events_e2e_test.cc proves the Recreated event against a real dockerd.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "agent/config_changes.h"
#include "agent/event_reporter.h"
#include "agent/reconciler.h"
#include "fake_container_engine.h"
#include "fake_control_plane.h"
#include "test_projects.h"

namespace cara::agent {
namespace {

using testing::Env;
using testing::kImage;
using testing::kNode;
using testing::Project;
using testing::Service;

struct AgentSide {
  AgentSide()
      : events(&server, kNode),
        runtime(&engine, &events),
        reconciler(&server, &runtime, &routes, kNode) {
    engine.AddImage(kImage);
    engine.AddImage("img:2");
  }

  // "Reason: message" of the events the last pass posted.
  std::vector<std::string> Pass() {
    REQUIRE(reconciler.RunOnce().ok());
    std::vector<std::string> out;
    for (const api::Event& e : server.TakeEvents()) {
      CHECK(e.source.component == "cara-agent");
      CHECK(e.source.node == kNode);
      out.push_back(e.reason + ": " + e.message);
    }
    return out;
  }

  FakeContainerEngine engine;
  FakeControlPlane server;
  EventReporter events;
  RouteTable routes;
  ProjectRuntime runtime;
  Reconciler reconciler;
};

using Events = std::vector<std::string>;

TEST_CASE("agent events: a deploy tells each action, an idle pass nothing",
          "[agent][events][fake]") {
  AgentSide a;
  api::Project p = Project("shop", {Service("web")});
  a.server.PutProject(p);
  CHECK(a.Pass() == Events{"Created: web: created container shop-web",
                           "Started: web: started container shop-web"});
  CHECK(a.Pass().empty());
  CHECK(a.Pass().empty());
}

TEST_CASE("agent events: Recreated names the image and the env names that changed",
          "[agent][events][fake]") {
  AgentSide a;
  api::ServiceDef web = Service("web");
  web.env = {Env("DB_HOST", "db-1"), Env("MODE", "x")};
  api::Project p = Project("shop", {web, Service("api")});
  a.server.PutProject(p);
  a.Pass();

  p = a.server.GetProject("shop");
  p.spec.services[0].image = "img:2";
  p.spec.services[0].env = {Env("DB_HOST", "db-2"), Env("NEW", "1")};
  p.metadata.generation = 2;
  a.server.PutProject(p);
  Events events = a.Pass();
  REQUIRE(events.size() == 2);
  CHECK(
      events[0] ==
      "Recreated: web: image img:1 → img:2, env DB_HOST changed, env NEW added, env MODE removed");
  CHECK(events[1] == "Started: web: started container shop-web");
  CHECK(events[0].find("db-2") == std::string::npos);
}

TEST_CASE("agent events: a failed pull, a teardown", "[agent][events][fake]") {
  AgentSide a;
  a.engine.FailPull("img:9", Status::Internal("manifest for img:9 not found"));
  a.server.PutProject(Project("broken", {Service("web", "img:9")}));
  Events events = a.Pass();
  REQUIRE(events.size() == 2);
  CHECK(events[0] == "Pulling: web: pulling image img:9");
  CHECK(events[1].rfind("Failed: ImagePullFailed: ", 0) == 0);
  CHECK(a.Pass().empty());  // Failed already: no news

  api::Project shop = Project("shop", {Service("web")});
  a.server.PutProject(shop);
  a.Pass();
  shop = a.server.GetProject("shop");
  shop.status.phase = api::kPhaseTerminating;
  a.server.PutProject(shop);
  CHECK(a.Pass() == Events{"Killing: stopping and removing the containers of shop"});
}

TEST_CASE("config parts: every part that shapes a container is named, no value shows",
          "[agent][events][fake]") {
  ContainerSpec before;
  before.image = "a:1";
  before.env = {"DB_HOST=secret-host"};
  before.secret_digests = {"PASSWORD=sha256:aaa"};
  const std::string label = ConfigPartsLabel(before);
  CHECK(label.find("secret-host") == std::string::npos);
  CHECK(DescribeConfigChange(label, before) == "configuration changed");
  ContainerSpec after = before;
  after.secret_digests = {"PASSWORD=sha256:bbb"};
  after.command = {"sh"};
  after.ports = {PortSpec{80, "tcp", 8080, ""}};
  after.memory_bytes = 1 << 20;
  after.labels["cara.restarted-at"] = "2026-01-01T00:00:00Z";
  CHECK(DescribeConfigChange(label, after) ==
        "env PASSWORD changed, command changed, ports changed, limits changed, rollout restart");
  CHECK(DescribeConfigChange("", after) == "configuration changed");
}

}  // namespace
}  // namespace cara::agent
