// Drift: every sync write records what it applied
// (caravanserai.io/applied-hash), so the next plan can tell a live edit
// (the source did not change: "drift") from a source change ("update").
// Run through the FakeCluster, which stores bodies as the server does.
#include <catch2/catch.hpp>

#include "common/clock.h"
#include "fake_cluster.h"
#include "gitops/applied_hash.h"
#include "gitops/plan.h"
#include "gitops/plan_executor.h"

namespace cara::gitops {
namespace {

using nlohmann::json;

DesiredObject ProjectManifest(const std::string& name, const std::string& image = "nginx:1.27") {
  json doc = {{"apiVersion", "caravanserai/v1"},
              {"kind", "Project"},
              {"metadata", {{"name", name}, {"labels", {{"app", name}}}}},
              {"spec", {{"services", {{{"name", "web"}, {"image", image}}}}}}};
  return {"Project", name, doc, "projects/" + name + ".yaml:1"};
}

DesiredObject SecretManifest(const std::string& name, const std::string& value) {
  json doc = {{"apiVersion", "caravanserai/v1"},
              {"kind", "Secret"},
              {"metadata", {{"name", name}}},
              {"stringData", {{"password", value}}}};
  return {"Secret", name, doc, "secrets/" + name + ".yaml:1"};
}

PlanOptions SyncOptions() { return SyncOptionsFor("/srv/manifests"); }

Plan PlanFor(FakeCluster& cluster, const std::vector<DesiredObject>& desired,
             const PlanOptions& o = SyncOptions()) {
  return PlanAgainst(cluster, desired, o);
}

// Plans and executes; every write must succeed.
void Sync(FakeCluster& cluster, const std::vector<DesiredObject>& desired,
          const PlanOptions& o = SyncOptions()) {
  for (const auto& outcome :
       ExecutePlan(cluster.Connector(), PlanFor(cluster, desired, o), 1, nullptr)) {
    if (outcome) REQUIRE(outcome->ok);
  }
}

const Action& Find(const Plan& plan, const std::string& name) {
  for (const Action& a : plan.actions) {
    if (a.name == name) return a;
  }
  FAIL("no action for " << name);
  return plan.actions.front();
}

std::string AppliedOf(const api::ObjectMeta& m) {
  auto it = m.annotations.find(kAppliedHashAnnotation);
  return it == m.annotations.end() ? "" : it->second;
}

// Somebody changes the live project's image through the API.
void EditImage(FakeCluster& cluster, const std::string& name, const std::string& image) {
  api::Project live = *cluster.FindProject(name);
  live.spec.services[0].image = image;
  cluster.Store(live);
}

TEST_CASE("drift: every sync write records what it applied, and diffs never show it", "[drift]") {
  FakeCluster cluster;
  Sync(cluster, {ProjectManifest("web")});
  const std::string created = AppliedOf(cluster.FindProject("web")->metadata);
  CHECK(created.rfind("sha256:", 0) == 0);
  CHECK(created.size() == 7 + 64);

  Plan again = PlanFor(cluster, {ProjectManifest("web")});
  CHECK(again.InSync());

  Sync(cluster, {ProjectManifest("web", "nginx:1.28")});
  const std::string updated = AppliedOf(cluster.FindProject("web")->metadata);
  CHECK(updated.rfind("sha256:", 0) == 0);
  CHECK(updated != created);

  // A record that does not match (an older caractrl, a copied object) is
  // not a difference either, and is never shown.
  api::Project live = *cluster.FindProject("web");
  live.metadata.annotations[kAppliedHashAnnotation] = "sha256:other";
  cluster.Store(live);
  CHECK(PlanFor(cluster, {ProjectManifest("web", "nginx:1.28")}).InSync());
  EditImage(cluster, "web", "nginx:1.29");
  const Action& a = Find(PlanFor(cluster, {ProjectManifest("web", "nginx:1.28")}), "web");
  CHECK(a.before.dump().find(kAppliedHashAnnotation) == std::string::npos);
  CHECK(a.after.dump().find(kAppliedHashAnnotation) == std::string::npos);
}

TEST_CASE("drift: a live edit of an unchanged source is drift, a source change is an update",
          "[drift]") {
  FakeCluster cluster;
  Sync(cluster, {ProjectManifest("web"), ProjectManifest("api")});
  EditImage(cluster, "web", "nginx:hacked");
  EditImage(cluster, "api", "nginx:hacked");

  // web: the source is as sync last applied it; api: the source changed too.
  Plan plan = PlanFor(cluster, {ProjectManifest("web"), ProjectManifest("api", "nginx:1.28")});
  const Action& web = Find(plan, "web");
  CHECK(web.type == ActionType::kDrift);
  CHECK(std::string(ActionName(web.type)) == "drift");
  CHECK(web.mutates);
  REQUIRE(web.changes.size() == 1);
  CHECK(web.changes[0].before == "nginx:hacked");
  CHECK(web.changes[0].after == "nginx:1.27");
  CHECK(Find(plan, "api").type == ActionType::kUpdate);
  CHECK(plan.Count(ActionType::kDrift) == 1);
  CHECK(plan.Count(ActionType::kUpdate) == 1);

  // The repair is a conditional replace like any update, and keeps the record.
  const std::string record = AppliedOf(cluster.FindProject("api")->metadata);
  auto outcomes = ExecutePlan(cluster.Connector(), plan, 1, nullptr);
  for (const auto& o : outcomes) {
    if (o) CHECK(o->ok);
  }
  CHECK(cluster.FindProject("web")->spec.services[0].image == "nginx:1.27");
  CHECK(AppliedOf(cluster.FindProject("api")->metadata) != record);
  CHECK(PlanFor(cluster, {ProjectManifest("web"), ProjectManifest("api", "nginx:1.28")}).InSync());
}

TEST_CASE("drift: an object sync never recorded is an update", "[drift]") {
  FakeCluster cluster;
  Sync(cluster, {ProjectManifest("web")});
  api::Project live = *cluster.FindProject("web");
  live.metadata.annotations.erase(kAppliedHashAnnotation);  // written before the record existed
  live.spec.services[0].image = "nginx:hacked";
  cluster.Store(live);
  CHECK(Find(PlanFor(cluster, {ProjectManifest("web")}), "web").type == ActionType::kUpdate);
}

TEST_CASE("drift: caractrl apply keeps the record, so a hand apply reads as drift", "[drift]") {
  FakeCluster cluster;
  Sync(cluster, {ProjectManifest("web")});
  const std::string record = AppliedOf(cluster.FindProject("web")->metadata);
  PlanOptions apply;
  apply.now = SystemClock::Default()->Now();  // no source id: caractrl apply
  Plan applied = PlanFor(cluster, {ProjectManifest("web", "nginx:by-hand")}, apply);
  CHECK(Find(applied, "web").type == ActionType::kUpdate);  // apply never says drift
  Sync(cluster, {ProjectManifest("web", "nginx:by-hand")}, apply);
  CHECK(AppliedOf(cluster.FindProject("web")->metadata) == record);
  CHECK(Find(PlanFor(cluster, {ProjectManifest("web")}), "web").type == ActionType::kDrift);
}

TEST_CASE("drift: a Secret value replaced by hand is drift, a new sealed value an update",
          "[drift]") {
  FakeCluster cluster;
  Sync(cluster, {SecretManifest("db", "one")});
  api::Secret live = *cluster.FindSecret("db");
  live.string_data = {{"password", "changed-by-hand"}};
  live.digests.clear();
  cluster.Store(live);
  CHECK(Find(PlanFor(cluster, {SecretManifest("db", "one")}), "db").type == ActionType::kDrift);
  CHECK(Find(PlanFor(cluster, {SecretManifest("db", "two")}), "db").type == ActionType::kUpdate);
}

TEST_CASE("drift: the record and the plan hash depend on the source only", "[drift]") {
  FakeCluster one, two;
  Sync(one, {ProjectManifest("web")});
  Sync(two, {ProjectManifest("web")});
  CHECK(AppliedOf(one.FindProject("web")->metadata) == AppliedOf(two.FindProject("web")->metadata));
  // A rollout restart's annotation is not part of what sync applied.
  api::Project restarted = *one.FindProject("web");
  restarted.metadata.annotations[api::kRestartedAtAnnotation] = "2026-12-07T05:00:00Z";
  restarted.spec.services[0].image = "nginx:hacked";
  one.Store(restarted);
  EditImage(two, "web", "nginx:hacked");
  Plan p1 = PlanFor(one, {ProjectManifest("web")});
  Plan p2 = PlanFor(two, {ProjectManifest("web")});
  CHECK(Find(p1, "web").type == ActionType::kDrift);
  CHECK(Find(p2, "web").type == ActionType::kDrift);
  CHECK(Find(p1, "web").body["metadata"]["annotations"][kAppliedHashAnnotation] ==
        Find(p2, "web").body["metadata"]["annotations"][kAppliedHashAnnotation]);
}

}  // namespace
}  // namespace cara::gitops
