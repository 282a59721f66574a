// ExecutePlan against the in-memory cluster: stage order, what each outcome
// says, lost races with status writes, edits made since planning, objects
// already gone and the stop flag.
#include "gitops/plan_executor.h"

#include <functional>

#include <catch2/catch.hpp>

#include "common/clock.h"
#include "fake_cluster.h"
#include "gitops/live_state.h"

namespace cara::gitops {
namespace {

using nlohmann::json;

DesiredObject Node(const std::string& name, const std::string& zone) {
  json doc = {{"apiVersion", "caravanserai/v1"},
              {"kind", "Node"},
              {"metadata", {{"name", name}, {"labels", {{"zone", zone}}}}},
              {"spec", {{"hostname", name}}}};
  return {"Node", name, doc, "nodes.yaml:1"};
}

DesiredObject Project(const std::string& name, const std::string& image) {
  json doc = {{"apiVersion", "caravanserai/v1"},
              {"kind", "Project"},
              {"metadata", {{"name", name}}},
              {"spec", {{"services", {{{"name", "web"}, {"image", image}}}}}}};
  return {"Project", name, doc, "projects/" + name + ".yaml:1"};
}

Plan PlanFor(FakeCluster& cluster, const std::vector<DesiredObject>& desired) {
  auto live = ListLiveState(cluster);
  REQUIRE(live.ok());
  PlanOptions o;
  o.now = SystemClock::Default()->Now();
  o.source_id = "/test";
  o.prune = true;
  return ComputePlan(desired, *live, o);
}

std::vector<std::optional<ActionOutcome>> Execute(FakeCluster& cluster, const Plan& plan,
                                                  const std::atomic<bool>* stop = nullptr) {
  return ExecutePlan(cluster.Connector(), plan, 4, nullptr, stop);
}

// Creates node n1 in zone a, plans moving it to zone b, then lets another
// writer store `change` to it before the plan is executed.
std::optional<ActionOutcome> MoveAfterWrite(FakeCluster& cluster,
                                            const std::function<void(api::Node&)>& change) {
  Execute(cluster, PlanFor(cluster, {Node("n1", "a")}));
  Plan plan = PlanFor(cluster, {Node("n1", "b")});
  api::Node other = *cluster.FindNode("n1");
  change(other);
  cluster.Store(other);
  return Execute(cluster, plan).at(0);
}

TEST_CASE("executor: creates, updates and prunes, saying what it did", "[plan_executor]") {
  FakeCluster cluster;
  auto created = Execute(cluster, PlanFor(cluster, {Node("n1", "a"), Project("web", "nginx:1")}));
  for (const auto& o : created) {
    REQUIRE(o);
    CHECK(o->ok);
    CHECK(o->message == "created");
  }
  Plan plan = PlanFor(cluster, {Node("n1", "a"), Project("api", "api:1")});
  auto outcomes = Execute(cluster, plan);
  REQUIRE(outcomes.size() == plan.actions.size());
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    INFO(plan.actions[i].name);
    CHECK(outcomes[i].has_value() == plan.actions[i].mutates);
  }
  CHECK(cluster.FindProject("api"));
  CHECK_FALSE(cluster.FindProject("web"));

  auto update = Execute(cluster, PlanFor(cluster, {Node("n1", "a"), Project("api", "api:2")}));
  bool configured = false;
  for (const auto& o : update) {
    if (!o) continue;
    CHECK(o->message == "configured");
    CHECK(o->generation == 2);  // the generation the server gave the new spec
    configured = true;
  }
  CHECK(configured);
}

TEST_CASE("executor: an update that lost a race with a status write is sent again",
          "[plan_executor]") {
  FakeCluster cluster;
  // A heartbeat: a newer resourceVersion, nothing planned changed.
  auto outcome = MoveAfterWrite(cluster, [](api::Node& n) { n.status.state = "Ready"; });
  REQUIRE(outcome);
  INFO(outcome->message);
  CHECK(outcome->ok);
  CHECK(cluster.FindNode("n1")->metadata.labels.at("zone") == "b");
}

TEST_CASE("executor: an update planned before somebody's edit fails as a conflict",
          "[plan_executor]") {
  FakeCluster cluster;
  auto outcome =
      MoveAfterWrite(cluster, [](api::Node& n) { n.metadata.labels["zone"] = "by-hand"; });
  REQUIRE(outcome);
  CHECK_FALSE(outcome->ok);
  CHECK(outcome->message.find("(edited since it was planned; sync again)") != std::string::npos);
  CHECK(cluster.FindNode("n1")->metadata.labels.at("zone") == "by-hand");
}

TEST_CASE("executor: deleting what somebody else deleted first succeeds", "[plan_executor]") {
  FakeCluster cluster;
  Execute(cluster, PlanFor(cluster, {Project("web", "nginx:1")}));
  Plan plan = PlanFor(cluster, {});
  REQUIRE(plan.actions.size() == 1);
  REQUIRE(plan.actions[0].type == ActionType::kDelete);
  REQUIRE(cluster.Delete(api::kKindProject, "web").ok());

  auto outcomes = Execute(cluster, plan);
  REQUIRE(outcomes[0]);
  CHECK(outcomes[0]->ok);
  CHECK(outcomes[0]->message == "deleted");
}

TEST_CASE("executor: a set stop flag starts no action", "[plan_executor]") {
  FakeCluster cluster;
  std::atomic<bool> stop{true};
  auto outcomes = Execute(cluster, PlanFor(cluster, {Node("n1", "a")}), &stop);
  CHECK_FALSE(outcomes[0].has_value());
  CHECK(cluster.writes() == 0);
}

}  // namespace
}  // namespace cara::gitops
