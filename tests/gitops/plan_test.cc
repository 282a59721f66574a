#include "gitops/plan.h"

#include <catch2/catch.hpp>

#include "api/codec.h"
#include "common/time_format.h"

namespace cara::gitops {
namespace {

using nlohmann::json;

const Timestamp kNow = *ParseRfc3339("2026-11-21T12:00:00Z");
const char kSource[] = "/srv/manifests";

DesiredObject NodeManifest(const std::string& name, bool unschedulable = false) {
  json doc = {{"apiVersion", "caravanserai/v1"},
              {"kind", "Node"},
              {"metadata", {{"name", name}}},
              {"spec", {{"unschedulable", unschedulable}}}};
  return {"Node", name, doc, "nodes.yaml:1"};
}

DesiredObject ProjectManifest(const std::string& name, const std::string& image = "nginx:1.27") {
  json doc = {{"apiVersion", "caravanserai/v1"},
              {"kind", "Project"},
              {"metadata", {{"name", name}, {"labels", {{"app", name}}}}},
              {"spec",
               {{"services",
                 {{{"name", "web"}, {"image", image}},
                  {{"name", "db"}, {"image", "postgres:16"}, {"env", {{{"name", "A"}}}}}}}}}};
  return {"Project", name, doc, "projects/" + name + ".yaml:1"};
}

PlanOptions SyncOptions() {
  PlanOptions o;
  o.now = kNow;
  o.source_id = kSource;
  return o;
}

// The live state a successful sync of `plan` leaves behind: what the server
// stores for each body (plus status and metadata the server manages).
LiveState Converge(const Plan& plan, LiveState live = {}) {
  for (const Action& a : plan.actions) {
    if (!a.mutates || a.body.is_null()) continue;
    json body = a.body;
    body["metadata"]["resourceVersion"] = "rv-1";
    if (a.kind == "Node") {
      auto n = api::DecodeNode(body);
      REQUIRE(n.ok());
      n->status.state = "Ready";
      std::erase_if(live.nodes, [&](const api::Node& x) { return x.metadata.name == a.name; });
      live.nodes.push_back(*n);
    } else {
      auto p = api::DecodeProject(body);
      REQUIRE(p.ok());
      p->status.phase = "Running";
      p->metadata.generation = 3;
      std::erase_if(live.projects,
                    [&](const api::Project& x) { return x.metadata.name == a.name; });
      live.projects.push_back(*p);
    }
  }
  return live;
}

std::vector<std::string> Summary(const Plan& plan) {
  std::vector<std::string> out;
  for (const Action& a : plan.actions) {
    out.push_back(std::string(ActionName(a.type)) + " " + a.kind + "/" + a.name);
  }
  return out;
}

const Action& Find(const Plan& plan, const std::string& name) {
  for (const Action& a : plan.actions) {
    if (a.name == name) return a;
  }
  FAIL("no action for " << name);
  throw;
}

api::Project LiveProject(const std::string& name, const std::string& source_id) {
  api::Project p;
  p.metadata.name = name;
  if (!source_id.empty()) {
    p.metadata.labels[kManagedByLabel] = kManagedByValue;
    p.metadata.annotations[kSourceAnnotation] = source_id;
  }
  api::ServiceDef web;
  web.name = "web";
  web.image = "nginx:1";
  p.spec.services.push_back(web);
  p.status.phase = "Running";
  return p;
}

TEST_CASE("plan: an empty cluster gets every object created, nodes first", "[plan]") {
  std::vector<DesiredObject> desired = {ProjectManifest("web"), NodeManifest("node-2"),
                                        ProjectManifest("api"), NodeManifest("node-1")};
  Plan plan = ComputePlan(desired, {}, SyncOptions());
  CHECK(Summary(plan) == std::vector<std::string>{"create Node/node-1", "create Node/node-2",
                                                  "create Project/api", "create Project/web"});
  CHECK(plan.Mutating() == 4);
  CHECK(plan.refusals.empty());
  const Action& web = Find(plan, "web");
  CHECK(web.origin == "projects/web.yaml:1");
  CHECK(web.body["metadata"]["labels"][kManagedByLabel] == "caractrl");
  CHECK(web.body["metadata"]["labels"]["app"] == "web");
  CHECK(web.body["metadata"]["annotations"][kSourceAnnotation] == kSource);
  CHECK_FALSE(web.body["metadata"].contains("resourceVersion"));
  CHECK(web.before.is_null());
  CHECK(web.after["spec"]["services"][0]["image"] == "nginx:1.27");
  // A node's hostname defaults to its name, as the agent registers it.
  CHECK(Find(plan, "node-1").body["spec"]["hostname"] == "node-1");
}

TEST_CASE("plan: after a sync the same source plans no changes", "[plan]") {
  std::vector<DesiredObject> desired = {NodeManifest("node-1", true), ProjectManifest("web")};
  Plan first = ComputePlan(desired, {}, SyncOptions());
  Plan second = ComputePlan(desired, Converge(first), SyncOptions());
  CHECK(second.InSync());
  CHECK(Summary(second) == std::vector<std::string>{"noop Node/node-1", "noop Project/web"});
}

TEST_CASE("plan: an edited manifest is an update with per-field changes", "[plan]") {
  Plan first = ComputePlan({ProjectManifest("web")}, {}, SyncOptions());
  LiveState live = Converge(first);
  Plan plan = ComputePlan({ProjectManifest("web", "nginx:1.28")}, live, SyncOptions());
  const Action& a = Find(plan, "web");
  CHECK(a.type == ActionType::kUpdate);
  REQUIRE(a.changes.size() == 1);
  CHECK(a.changes[0].path == "spec.services[web].image");
  CHECK(a.changes[0].before == "nginx:1.27");
  CHECK(a.changes[0].after == "nginx:1.28");
  // The update is conditional on the version it was planned against.
  CHECK(a.body["metadata"]["resourceVersion"] == "rv-1");
}

TEST_CASE("plan: defaults, list order and quantity spelling are not differences", "[plan]") {
  DesiredObject d = ProjectManifest("web");
  LiveState live = Converge(ComputePlan({d}, {}, SyncOptions()));
  auto& services = d.document["spec"]["services"];
  std::swap(services[0], services[1]);
  services[1]["imagePullPolicy"] = "IfNotPresent";  // the default for a tagged image
  d.document["spec"]["resources"] = {{"cpu", "0.5"}, {"memory", "1Gi"}};
  live.projects[0].spec.resources = {"500m", "1024Mi"};
  Plan plan = ComputePlan({d}, live, SyncOptions());
  CHECK(plan.InSync());

  services[1]["imagePullPolicy"] = "Always";
  plan = ComputePlan({d}, live, SyncOptions());
  REQUIRE(plan.actions.size() == 1);
  REQUIRE(plan.actions[0].changes.size() == 1);
  CHECK(plan.actions[0].changes[0].path == "spec.services[web].imagePullPolicy");
}

TEST_CASE("plan: label changes show with quoted keys", "[plan]") {
  DesiredObject d = ProjectManifest("web");
  LiveState live = Converge(ComputePlan({d}, {}, SyncOptions()));
  d.document["metadata"]["labels"]["example.io/tier"] = "front";
  Plan plan = ComputePlan({d}, live, SyncOptions());
  REQUIRE(plan.actions[0].changes.size() == 1);
  CHECK(plan.actions[0].changes[0].path == "metadata.labels[\"example.io/tier\"]");
  CHECK(plan.actions[0].changes[0].before.is_null());
}

TEST_CASE("plan: an unschedulable flip is a drain or an undrain", "[plan]") {
  LiveState live = Converge(ComputePlan({NodeManifest("node-1")}, {}, SyncOptions()));
  Plan drain = ComputePlan({NodeManifest("node-1", true)}, live, SyncOptions());
  CHECK(Summary(drain) == std::vector<std::string>{"drain Node/node-1"});
  live.nodes[0].spec.unschedulable = true;
  Plan undrain = ComputePlan({NodeManifest("node-1", false)}, live, SyncOptions());
  CHECK(Summary(undrain) == std::vector<std::string>{"undrain Node/node-1"});
}

TEST_CASE("plan: an object created without ownership is adopted", "[plan]") {
  LiveState live;
  live.projects.push_back(LiveProject("web", ""));
  Plan plan = ComputePlan({ProjectManifest("web", "nginx:1")}, live, SyncOptions());
  const Action& a = Find(plan, "web");
  CHECK(a.type == ActionType::kUpdate);
  CHECK(a.body["metadata"]["labels"][kManagedByLabel] == "caractrl");
}

TEST_CASE("plan: an object of another source is skipped, never fought over", "[plan]") {
  LiveState live;
  live.projects.push_back(LiveProject("web", "git@example.com:other.git"));
  Plan plan = ComputePlan({ProjectManifest("web")}, live, SyncOptions());
  const Action& a = Find(plan, "web");
  CHECK(a.type == ActionType::kSkip);
  CHECK(a.reason == "managed by another source: git@example.com:other.git");
  CHECK_FALSE(a.mutates);
}

TEST_CASE("plan: prune deletes only objects this source owns", "[plan]") {
  LiveState live;
  live.projects.push_back(LiveProject("gone", kSource));
  live.projects.push_back(LiveProject("preview-7", ""));  // caractrl apply --expire-in
  live.projects.push_back(LiveProject("theirs", "/other/source"));
  auto kept = LiveProject("kept", kSource);
  kept.metadata.annotations[kPruneAnnotation] = kPruneDisabled;
  live.projects.push_back(kept);
  Plan plan = ComputePlan({ProjectManifest("web")}, live, SyncOptions());
  CHECK(Summary(plan) ==
        std::vector<std::string>{"create Project/web", "delete Project/gone", "skip Project/kept"});
  CHECK(Find(plan, "gone").mutates);
  CHECK(Find(plan, "gone").reason == "not in the source");
  CHECK(Find(plan, "kept").reason ==
        "not in the source; protected by caravanserai.io/prune: disabled");
  CHECK(plan.owned == 2);

  PlanOptions no_prune = SyncOptions();
  no_prune.prune = false;
  plan = ComputePlan({ProjectManifest("web")}, live, no_prune);
  CHECK(Find(plan, "gone").type == ActionType::kSkip);
  CHECK(Find(plan, "gone").reason == "not in the source; pruning is off (--no-prune)");
}

TEST_CASE("plan: nodes are pruned only with --prune-nodes and never while in use", "[plan]") {
  LiveState live =
      Converge(ComputePlan({NodeManifest("node-1"), NodeManifest("node-2")}, {}, SyncOptions()));
  auto p = LiveProject("web", "");
  p.status.node_ref = "node-2";
  live.projects.push_back(p);
  std::vector<DesiredObject> desired = {ProjectManifest("other")};
  Plan plan = ComputePlan(desired, live, SyncOptions());
  CHECK(Find(plan, "node-1").type == ActionType::kSkip);
  CHECK(Find(plan, "node-1").reason ==
        "not in the source; nodes are pruned only with --prune-nodes");

  PlanOptions o = SyncOptions();
  o.prune_nodes = true;
  plan = ComputePlan(desired, live, o);
  CHECK(Find(plan, "node-1").type == ActionType::kDelete);
  CHECK(Find(plan, "node-2").type == ActionType::kSkip);
  CHECK(Find(plan, "node-2").reason == "not in the source; 1 project(s) still assigned: web");
  // Project deletes come before node deletes.
  CHECK(Summary(plan) ==
        std::vector<std::string>{"create Project/other", "delete Node/node-1", "skip Node/node-2"});
}

TEST_CASE("plan: an expired manifest is never created and is deleted if live", "[plan]") {
  DesiredObject preview = ProjectManifest("web-pr-1");
  preview.document["spec"]["expireAt"] = "2026-11-21T11:59:59Z";
  Plan plan = ComputePlan({preview}, {}, SyncOptions());
  REQUIRE(plan.actions.size() == 1);
  CHECK(plan.actions[0].type == ActionType::kExpire);
  CHECK_FALSE(plan.actions[0].mutates);
  CHECK(plan.actions[0].reason == "expired at 2026-11-21T11:59:59Z; not created");
  CHECK(plan.InSync());

  LiveState live;
  live.projects.push_back(LiveProject("web-pr-1", kSource));
  plan = ComputePlan({preview}, live, SyncOptions());
  CHECK(plan.actions[0].type == ActionType::kExpire);
  CHECK(plan.actions[0].mutates);

  live.projects[0].status.phase = "Terminating";
  plan = ComputePlan({preview}, live, SyncOptions());
  CHECK_FALSE(plan.actions[0].mutates);

  preview.document["spec"]["expireAt"] = "2026-11-21T12:00:01Z";
  plan = ComputePlan({preview}, {}, SyncOptions());
  CHECK(plan.actions[0].type == ActionType::kCreate);
}

TEST_CASE("plan: a terminating project in the source waits to be created again", "[plan]") {
  LiveState live;
  live.projects.push_back(LiveProject("web", kSource));
  live.projects[0].status.phase = "Terminating";
  Plan plan = ComputePlan({ProjectManifest("web")}, live, SyncOptions());
  CHECK(plan.actions[0].type == ActionType::kSkip);
  CHECK_FALSE(plan.actions[0].mutates);
  // Left unapplied: the cluster does not match the source.
  CHECK(plan.actions[0].in_source);
  CHECK(plan.Unapplied() == 1);
  CHECK_FALSE(plan.InSync());
}

TEST_CASE("plan: guards refuse an empty source and mass deletion", "[plan]") {
  LiveState live;
  for (int i = 0; i < 12; ++i)
    live.projects.push_back(LiveProject("p" + std::to_string(i), kSource));

  Plan empty = ComputePlan({}, live, SyncOptions());
  REQUIRE(empty.refusals.size() == 2);
  CHECK(empty.refusals[0].find("the source has no manifests") == 0);
  CHECK(empty.refusals[1] ==
        "the plan deletes 12 objects, more than the limit of 10 (--max-delete)");

  PlanOptions o = SyncOptions();
  o.allow_empty = true;
  o.max_delete = 12;
  CHECK(ComputePlan({}, live, o).refusals.empty());

  // 11 of 12 owned: the default limit is max(10, 25%).
  Plan one_left = ComputePlan({ProjectManifest("p0")}, live, SyncOptions());
  REQUIRE(one_left.refusals.size() == 1);

  for (int i = 12; i < 60; ++i)
    live.projects.push_back(LiveProject("p" + std::to_string(i), kSource));
  std::vector<DesiredObject> most;
  for (int i = 0; i < 45; ++i) most.push_back(ProjectManifest("p" + std::to_string(i)));
  CHECK(ComputePlan(most, live, SyncOptions()).refusals.empty());  // 15 of 60 = 25%
}

TEST_CASE("plan: caractrl apply mode adds no ownership and never prunes", "[plan]") {
  LiveState live;
  live.projects.push_back(LiveProject("other", kSource));
  PlanOptions o;
  o.now = kNow;
  Plan plan = ComputePlan({ProjectManifest("web")}, live, o);
  CHECK(Summary(plan) == std::vector<std::string>{"create Project/web"});
  CHECK_FALSE(plan.actions[0].body["metadata"]["labels"].contains(kManagedByLabel));
  CHECK(plan.refusals.empty());
}

TEST_CASE("plan: the hash depends on the changes, not on input order or versions", "[plan]") {
  std::vector<DesiredObject> desired = {ProjectManifest("a"), ProjectManifest("b")};
  LiveState live = Converge(ComputePlan(desired, {}, SyncOptions()));
  desired[0] = ProjectManifest("a", "nginx:2");
  Plan plan = ComputePlan(desired, live, SyncOptions());
  std::reverse(desired.begin(), desired.end());
  live.projects[0].metadata.resource_version = "rv-99";
  Plan same = ComputePlan(desired, live, SyncOptions());
  CHECK(plan.hash == same.hash);
  CHECK(plan.hash.size() == 64);
  desired[1] = ProjectManifest("a", "nginx:3");
  CHECK(ComputePlan(desired, live, SyncOptions()).hash != plan.hash);
}

}  // namespace
}  // namespace cara::gitops

namespace cara::gitops {
namespace {

TEST_CASE("plan: what the server drops on store is not a difference", "[plan]") {
  DesiredObject d = ProjectManifest("web");
  d.document["spec"]["services"][1]["env"] = {{{"name", "EMPTY"}, {"value", ""}}};
  d.document["spec"]["services"][0]["command"] = json::array();
  // The live object is what the server stored: decoded, encoded, decoded.
  LiveState live = Converge(ComputePlan({d}, {}, SyncOptions()));
  auto stored = api::DecodeProject(json(api::ToJson(live.projects[0])));
  REQUIRE(stored.ok());
  live.projects[0] = *stored;
  CHECK(ComputePlan({d}, live, SyncOptions()).InSync());
}

// A noop is decided on the manifest as decoded, and only a manifest that
// differs is put in stored form: the change must still be exactly the one
// made, never a spelling the server drops, whichever way round it is.
TEST_CASE("plan: a change next to dropped spellings shows only the change", "[plan]") {
  DesiredObject d = ProjectManifest("web");
  LiveState live = Converge(ComputePlan({d}, {}, SyncOptions()));
  d.document["spec"]["services"][1]["env"] = {{{"name", "A"}, {"value", ""}}};
  d.document["spec"]["services"][0]["command"] = json::array();
  d.document["spec"]["volumes"] = json::array();
  CHECK(ComputePlan({d}, live, SyncOptions()).InSync());

  d.document["spec"]["services"][0]["image"] = "nginx:1.28";
  Plan plan = ComputePlan({d}, live, SyncOptions());
  REQUIRE(plan.actions.size() == 1);
  const Action& a = plan.actions[0];
  CHECK(a.type == ActionType::kUpdate);
  REQUIRE(a.changes.size() == 1);
  CHECK(a.changes[0].path == "spec.services[web].image");
  CHECK(a.body["spec"]["services"][0]["image"] == "nginx:1.28");
  // What a sync of it leaves behind is in sync with the manifest again.
  CHECK(ComputePlan({d}, Converge(plan, live), SyncOptions()).InSync());
}

TEST_CASE("plan: apply keeps the ownership sync gave an object", "[plan]") {
  LiveState live = Converge(ComputePlan({ProjectManifest("web")}, {}, SyncOptions()));
  PlanOptions apply;
  apply.now = kNow;
  Plan plan = ComputePlan({ProjectManifest("web")}, live, apply);
  CHECK(plan.InSync());
  plan = ComputePlan({ProjectManifest("web", "nginx:2")}, live, apply);
  REQUIRE(plan.actions.size() == 1);
  CHECK(plan.actions[0].body["metadata"]["labels"][kManagedByLabel] == "caractrl");
  CHECK(plan.actions[0].body["metadata"]["annotations"][kSourceAnnotation] == kSource);
}

TEST_CASE("plan: expiring deletions count against --max-delete", "[plan]") {
  LiveState live;
  std::vector<DesiredObject> desired;
  for (int i = 0; i < 12; ++i) {
    std::string name = "pr-" + std::to_string(i);
    live.projects.push_back(LiveProject(name, kSource));
    desired.push_back(ProjectManifest(name));
    desired.back().document["spec"]["expireAt"] = "2020-01-01T00:00:00Z";
  }
  Plan plan = ComputePlan(desired, live, SyncOptions());
  CHECK(plan.Count(ActionType::kExpire) == 12);
  REQUIRE(plan.refusals.size() == 1);
  CHECK(plan.refusals[0] ==
        "the plan deletes 12 objects, more than the limit of 10 (--max-delete)");
}

TEST_CASE("plan: a conflict with another source is never in sync", "[plan]") {
  LiveState live;
  live.projects.push_back(LiveProject("web", "/other"));
  Plan plan = ComputePlan({ProjectManifest("web")}, live, SyncOptions());
  CHECK(plan.Mutating() == 0);
  CHECK(plan.Conflicts() == 1);
  CHECK_FALSE(plan.InSync());
}

TEST_CASE("plan: StillAsPlanned tells a status write from a spec edit", "[plan]") {
  LiveState live = Converge(ComputePlan({ProjectManifest("web")}, {}, SyncOptions()));
  Plan plan = ComputePlan({ProjectManifest("web", "nginx:2")}, live, SyncOptions());
  const Action& a = plan.actions[0];
  api::Project fresh = live.projects[0];
  fresh.status.phase = "Failed";
  fresh.metadata.resource_version = "rv-2";
  CHECK(StillAsPlanned(a, fresh));
  fresh.spec.services[0].image = "nginx:edited";
  CHECK_FALSE(StillAsPlanned(a, fresh));
  fresh = live.projects[0];
  fresh.metadata.labels["new"] = "label";
  CHECK_FALSE(StillAsPlanned(a, fresh));
}

}  // namespace
}  // namespace cara::gitops

namespace cara::gitops {
namespace {

TEST_CASE("plan: workload defaults are not differences, a changed field is one change",
          "[plan][workload]") {
  DesiredObject d = ProjectManifest("web");
  json& web = d.document["spec"]["services"][0];
  web["ports"] = json::array({{{"containerPort", 80}, {"hostPort", 8080}, {"protocol", "tcp"}}});
  web["healthcheck"] = {{"command", json::array({"true"})}, {"interval", "10s"}};
  web["resources"] = {{"limits", {{"cpu", "500m"}, {"memory", "1Gi"}}}};
  LiveState live = Converge(ComputePlan({d}, {}, SyncOptions()));

  // Left out, the protocol is tcp; limits are compared by value.
  web["ports"][0].erase("protocol");
  web["resources"]["limits"] = {{"cpu", "0.5"}, {"memory", "1024Mi"}};
  Plan plan = ComputePlan({d}, live, SyncOptions());
  CHECK(plan.InSync());

  web["healthcheck"]["interval"] = "20s";
  plan = ComputePlan({d}, live, SyncOptions());
  REQUIRE(plan.actions.size() == 1);
  REQUIRE(plan.actions[0].changes.size() == 1);
  CHECK(plan.actions[0].changes[0].path == "spec.services[web].healthcheck.interval");
  CHECK(plan.actions[0].changes[0].before == "10s");
  CHECK(plan.actions[0].changes[0].after == "20s");
}

TEST_CASE("plan: the restarted-at annotation is never a difference and writes keep it",
          "[plan][workload]") {
  DesiredObject d = ProjectManifest("web");
  d.document["metadata"]["annotations"] = {{api::kRestartedAtAnnotation, "from-the-source"}};
  Plan created = ComputePlan({d}, {}, SyncOptions());
  CHECK_FALSE(
      Find(created, "web").body["metadata"]["annotations"].contains(api::kRestartedAtAnnotation));

  LiveState live = Converge(created);
  live.projects[0].metadata.annotations[api::kRestartedAtAnnotation] = "2030-01-01T00:00:00Z";
  CHECK(ComputePlan({d}, live, SyncOptions()).InSync());
  d.document["metadata"].erase("annotations");
  CHECK(ComputePlan({d}, live, SyncOptions()).InSync());

  d.document["spec"]["services"][0]["image"] = "nginx:1.28";
  Plan plan = ComputePlan({d}, live, SyncOptions());
  const Action& a = Find(plan, "web");
  REQUIRE(a.changes.size() == 1);
  CHECK(a.changes[0].path == "spec.services[web].image");
  CHECK(a.body["metadata"]["annotations"][api::kRestartedAtAnnotation] == "2030-01-01T00:00:00Z");
}

}  // namespace
}  // namespace cara::gitops
