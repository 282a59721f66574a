// Secrets in the plan: compared by type, metadata and per-key source
// digest (never by value), written before Projects and pruned after them,
// and shown without a value or digest anywhere in the comparable views.
#include <catch2/catch.hpp>

#include "common/clock.h"
#include "fake_cluster.h"
#include "gitops/live_state.h"
#include "gitops/plan.h"
#include "gitops/plan_executor.h"
#include "gitops/secret_view.h"

namespace cara::gitops {
namespace {

using nlohmann::json;

const char kPlain[] = "hunter2-plain-value";
const char kBlob[] = "cara-sealed:v1:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=";

DesiredObject SecretManifest(const std::string& name, json string_data, json sealed_data = {}) {
  json doc = {
      {"apiVersion", "caravanserai/v1"}, {"kind", "Secret"}, {"metadata", {{"name", name}}}};
  if (!string_data.is_null()) doc["stringData"] = std::move(string_data);
  if (!sealed_data.is_null()) doc["sealedData"] = std::move(sealed_data);
  return {"Secret", name, doc, "secrets/" + name + ".yaml:1"};
}

DesiredObject ProjectManifest(const std::string& name) {
  json doc = {{"apiVersion", "caravanserai/v1"},
              {"kind", "Project"},
              {"metadata", {{"name", name}}},
              {"spec", {{"services", {{{"name", "web"}, {"image", "nginx:1.27"}}}}}}};
  return {"Project", name, doc, "projects/" + name + ".yaml:1"};
}

PlanOptions SyncOptions() { return SyncOptionsFor("/test"); }

Plan PlanFor(FakeCluster& cluster, const std::vector<DesiredObject>& desired,
             PlanOptions o = SyncOptions()) {
  return PlanAgainst(cluster, desired, o);
}

const Action& Find(const Plan& plan, const std::string& kind, const std::string& name) {
  for (const Action& a : plan.actions) {
    if (a.kind == kind && a.name == name) return a;
  }
  FAIL("no action for " << kind << "/" << name);
  return plan.actions.front();
}

// Everything a report may show of an action, as text.
std::string Shown(const Plan& plan) {
  std::string text = plan.hash;
  for (const Action& a : plan.actions) {
    text += a.before.dump() + a.after.dump() + a.reason;
    for (const auto& c : a.changes) text += c.path + c.before.dump() + c.after.dump();
  }
  return text;
}

TEST_CASE("secret plan: created before projects, then in sync by digest", "[secret_plan]") {
  FakeCluster cluster;
  std::vector<DesiredObject> desired = {ProjectManifest("web"),
                                        SecretManifest("db", {{"password", kPlain}})};
  Plan plan = PlanFor(cluster, desired);
  const Action& secret = Find(plan, "Secret", "db");
  CHECK(secret.type == ActionType::kCreate);
  CHECK(secret.stage < Find(plan, "Project", "web").stage);
  CHECK(secret.after["data"] == json{{"password", kSecretValueShown}});
  CHECK(Shown(plan).find(kPlain) == std::string::npos);
  ExecutePlan(cluster.Connector(), plan, 2, nullptr);
  auto stored = cluster.FindSecret("db");
  REQUIRE(stored);
  CHECK(stored->digests.at("password").rfind("pbkdf2-sha256:", 0) == 0);

  Plan again = PlanFor(cluster, desired);
  CHECK(again.InSync());
  CHECK(Find(again, "Secret", "db").type == ActionType::kNoop);
}

TEST_CASE("secret plan: a changed, an added and a removed key are told apart without values",
          "[secret_plan]") {
  FakeCluster cluster;
  ExecutePlan(cluster.Connector(),
              PlanFor(cluster, {SecretManifest("db", {{"password", kPlain}, {"old", "x"}})}), 1,
              nullptr);
  Plan plan = PlanFor(cluster, {SecretManifest("db", {{"user", "admin"}}, {{"password", kBlob}})});
  const Action& a = Find(plan, "Secret", "db");
  REQUIRE(a.type == ActionType::kUpdate);
  std::map<std::string, std::pair<json, json>> changes;
  for (const auto& c : a.changes) changes[c.path] = {c.before, c.after};
  CHECK(changes.at("data.password") ==
        std::make_pair(json(kSecretValueShown), json(kSecretValueChanged)));
  CHECK(changes.at("data.user").first.is_null());
  CHECK(changes.at("data.old").second.is_null());
  std::string shown = Shown(plan);
  CHECK(shown.find(kPlain) == std::string::npos);
  CHECK(shown.find(kBlob) == std::string::npos);
  CHECK(shown.find("sha256:") == std::string::npos);
  CHECK(shown.find("admin") == std::string::npos);
}

TEST_CASE("secret plan: type and labels are compared, a re-sealed value is a change",
          "[secret_plan]") {
  FakeCluster cluster;
  DesiredObject registry = SecretManifest("reg", nullptr, {{"password", kBlob}});
  ExecutePlan(cluster.Connector(), PlanFor(cluster, {registry}), 1, nullptr);
  CHECK(PlanFor(cluster, {registry}).InSync());
  DesiredObject labelled = registry;
  labelled.document["metadata"]["labels"] = {{"tier", "db"}};
  CHECK(Find(PlanFor(cluster, {labelled}), "Secret", "reg").type == ActionType::kUpdate);
  DesiredObject resealed =
      SecretManifest("reg", nullptr, {{"password", std::string(kBlob) + "AA"}});
  CHECK(Find(PlanFor(cluster, {resealed}), "Secret", "reg").after["data"]["password"] ==
        kSecretValueChanged);
}

TEST_CASE("secret plan: owned secrets are pruned after projects, others are left alone",
          "[secret_plan]") {
  FakeCluster cluster;
  ExecutePlan(cluster.Connector(),
              PlanFor(cluster, {ProjectManifest("web"), SecretManifest("db", {{"k", "v"}})}), 1,
              nullptr);
  api::Secret foreign;
  foreign.metadata.name = "by-hand";
  foreign.string_data["k"] = "v";
  cluster.Store(foreign);
  PlanOptions o = SyncOptions();
  o.allow_empty = true;
  Plan plan = PlanFor(cluster, {}, o);
  const Action& secret = Find(plan, "Secret", "db");
  const Action& project = Find(plan, "Project", "web");
  CHECK(secret.type == ActionType::kDelete);
  CHECK(secret.stage > project.stage);
  for (const Action& a : plan.actions) CHECK(a.name != "by-hand");

  o.prune = false;
  CHECK(Find(PlanFor(cluster, {}, o), "Secret", "db").type == ActionType::kSkip);
}

TEST_CASE("secret plan: the request body carries the values, a printable one only digests",
          "[secret_plan]") {
  FakeCluster cluster;
  Plan plan = PlanFor(cluster, {SecretManifest("db", {{"password", kPlain}})});
  const Action& a = Find(plan, "Secret", "db");
  CHECK(a.body["stringData"]["password"] == kPlain);
  json printable = WithoutValues(a.body);
  CHECK(printable.dump().find(kPlain) == std::string::npos);
  CHECK(printable["digests"]["password"].get<std::string>().rfind("pbkdf2-sha256:", 0) == 0);
}

TEST_CASE("secret plan: a secret list the client may not read counts as none", "[secret_plan]") {
  FakeCluster cluster;
  LiveKinds kinds;
  kinds.nodes = false;
  kinds.projects = false;
  cluster.FailLists(Status::NotFound("secrets are not readable"));
  auto live = ListLiveState(cluster, kinds);
  REQUIRE(live.ok());
  CHECK(live->secrets.empty());
  cluster.FailLists(Status::Unavailable("down"));
  CHECK_FALSE(ListLiveState(cluster, kinds).ok());
}

}  // namespace
}  // namespace cara::gitops
