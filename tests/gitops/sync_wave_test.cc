// caravanserai.io/sync-wave: parsing and manifest errors, the order it gives
// a plan (writes ascending, deletes descending), and running a plan wave by
// wave against the in-memory cluster with a gate between waves.
#include "gitops/sync_wave.h"

#include <mutex>

#include <catch2/catch.hpp>

#include "fake_cluster.h"
#include "gitops/live_state.h"
#include "gitops/manifest_set.h"
#include "gitops/wave_rollout.h"

namespace cara::gitops {
namespace {

using nlohmann::json;

json Metadata(const std::string& name, const std::string& wave) {
  json meta = {{"name", name}};
  if (!wave.empty()) meta["annotations"] = {{kSyncWaveAnnotation, wave}};
  return meta;
}

DesiredObject Project(const std::string& name, const std::string& wave = "") {
  json doc = {{"apiVersion", "caravanserai/v1"},
              {"kind", "Project"},
              {"metadata", Metadata(name, wave)},
              {"spec", {{"services", {{{"name", "web"}, {"image", "nginx:1.27"}}}}}}};
  return {"Project", name, doc, name + ".yaml:1"};
}

DesiredObject Node(const std::string& name, const std::string& wave = "") {
  json doc = {{"apiVersion", "caravanserai/v1"},
              {"kind", "Node"},
              {"metadata", Metadata(name, wave)},
              {"spec", json::object()}};
  return {"Node", name, doc, name + ".yaml:1"};
}

PlanOptions Options() {
  PlanOptions o;
  o.now = SystemClock::Default()->Now();
  o.source_id = "/waves";
  return o;
}

// "create Project/db@0" per action, in plan order, with its stage.
std::vector<std::string> Order(const Plan& plan) {
  std::vector<std::string> out;
  for (const Action& a : plan.actions) {
    out.push_back(std::string(ActionName(a.type)) + " " + a.kind + "/" + a.name + "@" +
                  std::to_string(a.stage));
  }
  return out;
}

}  // namespace

TEST_CASE("sync wave: an integer annotation, 0 without one", "[sync-wave]") {
  CHECK(*ParseSyncWave({}) == 0);
  CHECK(*ParseSyncWave({{kSyncWaveAnnotation, "2"}}) == 2);
  CHECK(*ParseSyncWave({{kSyncWaveAnnotation, "-1"}}) == -1);
  for (const char* bad : {"", "first", " 1", "1 ", "+1", "1.5", "0x10", "99999999999"}) {
    INFO(bad);
    auto wave = ParseSyncWave({{kSyncWaveAnnotation, bad}});
    REQUIRE_FALSE(wave.ok());
    CHECK(wave.status().message().find(kSyncWaveAnnotation) != std::string::npos);
  }
  CHECK(SyncWaveOf(Project("db", "3").document) == 3);
  CHECK(SyncWaveOf(Project("db", "x").document) == 0);
}

TEST_CASE("sync wave: a bad value is a manifest error at its position", "[sync-wave]") {
  const std::string yaml =
      "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: web\n  annotations:\n"
      "    caravanserai.io/sync-wave: \"first\"\nspec:\n  services:\n"
      "    - name: web\n      image: nginx:1.27\n";
  ManifestSet set = LoadManifestSet({{"apps/web.yaml", yaml}});
  REQUIRE(set.errors.size() == 1);
  CHECK(set.errors[0] ==
        "apps/web.yaml:6:32: /metadata/annotations/caravanserai.io~1sync-wave: "
        "caravanserai.io/sync-wave: \"first\" is not an integer (e.g. \"-1\", \"0\", \"2\")");
  std::string good = yaml;
  good.replace(good.find("\"first\""), 7, "\"-2\"");
  CHECK(LoadManifestSet({{"apps/web.yaml", good}}).errors.empty());
}

TEST_CASE("sync wave: writes run by wave ascending, deletes by wave descending", "[sync-wave]") {
  FakeCluster cluster;
  // Owned objects to prune: wave 1's app must go before wave 0's db.
  Plan first = ComputePlan({Project("old-db"), Project("old-app", "1")}, {}, Options());
  REQUIRE(ExecutePlan(cluster.Connector(), first, 2, nullptr).size() == 2);
  auto live = ListLiveState(cluster);
  REQUIRE(live.ok());
  Plan plan = ComputePlan({Project("app", "1"), Project("db"), Node("n1", "1"),
                           Project("cache", "-1"), Project("web", "1")},
                          *live, Options());
  CHECK(Order(plan) == std::vector<std::string>{"create Project/cache@0", "create Project/db@1",
                                                "create Node/n1@2", "create Project/app@3",
                                                "create Project/web@3", "delete Project/old-app@4",
                                                "delete Project/old-db@5"});
  CHECK(plan.actions[4].wave == 1);  // a prune takes the live object's wave
  CHECK(HasWaves(plan));
  std::vector<WaveStep> steps = WaveSteps(plan);
  REQUIRE(steps.size() == 5);
  CHECK((steps[2].deletes == false && steps[2].wave == 1 && steps[2].first_stage == 2 &&
         steps[2].last_stage == 3));
  CHECK((steps[3].deletes && steps[3].wave == 1 && steps[4].deletes && steps[4].wave == 0));
}

TEST_CASE("sync wave: without annotations the order and stages are the kind groups",
          "[sync-wave]") {
  Plan plan = ComputePlan({Project("web"), Node("n1")}, {}, Options());
  CHECK(Order(plan) == std::vector<std::string>{"create Node/n1@0", "create Project/web@1"});
  CHECK_FALSE(HasWaves(plan));
}

TEST_CASE("sync wave: each wave passes the gate before the next is written", "[sync-wave]") {
  FakeCluster cluster;
  std::mutex mu;
  std::vector<std::string> events;
  cluster.BeforeWrite([&](const std::string& name) {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back("write " + name);
  });
  Plan plan = ComputePlan({Project("db"), Project("app", "1"), Project("web", "2")}, LiveState{},
                          Options());
  WaveGate gate = [&](const WaveStep& done, const WaveStep& next,
                      const std::vector<WaitTarget>& targets) {
    std::lock_guard<std::mutex> lock(mu);
    REQUIRE(targets.size() == 1);
    CHECK(targets[0].healthy);
    CHECK(targets[0].generation == 1);
    events.push_back("gate " + std::to_string(done.wave) + "->" + std::to_string(next.wave) + " " +
                     targets[0].project);
    return true;
  };
  auto outcomes = ExecuteWaves(cluster.Connector(), plan, LiveState{}, 4, nullptr, nullptr, gate);
  CHECK(events == std::vector<std::string>{"write db", "gate 0->1 db", "write app", "gate 1->2 app",
                                           "write web"});
  for (const auto& o : outcomes) CHECK((o && o->ok));
}

TEST_CASE("sync wave: a gate that says no leaves the later waves unwritten", "[sync-wave]") {
  FakeCluster cluster;
  Plan plan = ComputePlan({Project("db"), Project("app", "1")}, LiveState{}, Options());
  int gates = 0;
  auto outcomes =
      ExecuteWaves(cluster.Connector(), plan, LiveState{}, 4, nullptr, nullptr,
                   [&](const WaveStep&, const WaveStep&, const std::vector<WaitTarget>&) {
                     ++gates;
                     return false;
                   });
  CHECK(gates == 1);
  CHECK((outcomes[0] && outcomes[0]->ok));
  CHECK_FALSE(outcomes[1].has_value());
  CHECK(cluster.FindProject("db").has_value());
  CHECK_FALSE(cluster.FindProject("app").has_value());
}

TEST_CASE("sync wave: a failed write ends the run before the next wave", "[sync-wave]") {
  FakeCluster cluster;
  Plan plan = ComputePlan({Project("db"), Project("app", "1")}, LiveState{}, Options());
  api::Project taken;  // another writer creates db after planning: its create gets 409
  taken.metadata.name = "db";
  cluster.Store(taken);
  int gates = 0;
  auto outcomes =
      ExecuteWaves(cluster.Connector(), plan, LiveState{}, 4, nullptr, nullptr,
                   [&](const WaveStep&, const WaveStep&, const std::vector<WaitTarget>&) {
                     ++gates;
                     return true;
                   });
  CHECK(gates == 0);
  CHECK((outcomes[0] && !outcomes[0]->ok));
  CHECK_FALSE(outcomes[1].has_value());
}

TEST_CASE("sync wave: without a gate every wave is written in one go", "[sync-wave]") {
  FakeCluster cluster;
  Plan plan = ComputePlan({Project("db"), Project("app", "1")}, LiveState{}, Options());
  auto outcomes = ExecuteWaves(cluster.Connector(), plan, LiveState{}, 4, nullptr, nullptr, {});
  CHECK((outcomes[0] && outcomes[0]->ok && outcomes[1] && outcomes[1]->ok));
}

}  // namespace cara::gitops
