// A Project's health as reports show it: Failed or Healthy=False is
// Degraded, Running its current generation is Healthy, the rest Progressing.
#include "gitops/project_health.h"

#include <catch2/catch.hpp>
#include <map>

#include "api/lifecycle.h"
#include "common/clock.h"
#include "gitops/plan.h"

namespace cara::gitops {
namespace {

api::Project ProjectIn(const std::string& phase, int64_t generation = 2, int64_t observed = 2) {
  api::Project p;
  p.metadata.name = "web";
  p.metadata.generation = generation;
  p.status.phase = phase;
  p.status.observed_generation = observed;
  return p;
}

api::Condition ConditionOf(const std::string& type, const std::string& status,
                           const std::string& message) {
  api::Condition c;
  c.type = type;
  c.status = status;
  c.message = message;
  return c;
}

TEST_CASE("project health: Running its current generation is healthy", "[project_health]") {
  ProjectHealth h = HealthOf(ProjectIn(api::kPhaseRunning));
  CHECK(h.phase == "Running");
  CHECK(h.health == kHealthHealthy);
  CHECK_FALSE(h.degraded);
  CHECK(h.message.empty());
}

TEST_CASE("project health: Failed is degraded with the message of its phase", "[project_health]") {
  api::Project p = ProjectIn(api::kPhaseFailed);
  p.status.conditions = {ConditionOf(api::condition::kPhase, "True", "image pull failed"),
                         ConditionOf("Pinned", "True", "kept on node-1")};
  ProjectHealth h = HealthOf(p);
  CHECK(h.phase == "Failed");
  CHECK(h.health == kHealthDegraded);
  CHECK(h.degraded);
  CHECK(h.message == "image pull failed");
}

TEST_CASE("project health: a failing healthcheck (Healthy=False) is degraded while Running",
          "[project_health]") {
  api::Project p = ProjectIn(api::kPhaseRunning);
  p.status.conditions = {ConditionOf(api::kConditionRestarting, "True", "web restarted 3 times"),
                         ConditionOf(api::kConditionHealthy, "False", "web: health check failing")};
  ProjectHealth h = HealthOf(p);
  CHECK(h.phase == "Running");
  CHECK(h.degraded);
  CHECK(h.message == "web: health check failing");

  // A Restarting condition alone is not a failing healthcheck.
  p.status.conditions.pop_back();
  CHECK_FALSE(HealthOf(p).degraded);
}

TEST_CASE("project health: not yet running its generation is progressing", "[project_health]") {
  ProjectHealth pending = HealthOf(ProjectIn(""));
  CHECK(pending.phase == "Pending");
  CHECK(pending.health == kHealthProgressing);
  CHECK_FALSE(pending.degraded);
  CHECK(HealthOf(ProjectIn(api::kPhaseScheduled)).health == kHealthProgressing);
  CHECK(HealthOf(ProjectIn(api::kPhaseTerminating)).health == kHealthProgressing);
  // Running, but the agent has not rolled out the newest spec yet.
  CHECK(HealthOf(ProjectIn(api::kPhaseRunning, 3, 2)).health == kHealthProgressing);
}

DesiredObject Manifest(const std::string& name) {
  nlohmann::json doc = {{"apiVersion", "caravanserai/v1"},
                        {"kind", "Project"},
                        {"metadata", {{"name", name}}},
                        {"spec", {{"services", {{{"name", "web"}, {"image", "nginx:1.27"}}}}}}};
  return {"Project", name, doc, name + ".yaml:1"};
}

// A live project as sync left it, in `phase`.
api::Project Synced(const std::string& name, const std::string& phase,
                    const std::string& image = "nginx:1.27") {
  api::Project p = ProjectIn(phase);
  p.metadata.name = name;
  p.metadata.labels[kManagedByLabel] = kManagedByValue;
  p.metadata.annotations[kSourceAnnotation] = "/src";
  api::ServiceDef web;
  web.name = "web";
  web.image = image;
  p.spec.services.push_back(web);
  return p;
}

TEST_CASE("plan: each live project carries its health, and Failed ones of the source are degraded",
          "[project_health]") {
  LiveState live;
  live.projects = {Synced("ok", api::kPhaseRunning), Synced("broken", api::kPhaseFailed),
                   Synced("changed", api::kPhaseFailed, "nginx:1.26"),
                   Synced("gone", api::kPhaseFailed)};
  PlanOptions o;
  o.now = SystemClock::Default()->Now();
  o.source_id = "/src";
  Plan plan = ComputePlan(
      {Manifest("ok"), Manifest("broken"), Manifest("changed"), Manifest("new")}, live, o);
  std::map<std::string, const Action*> by_name;
  for (const Action& a : plan.actions) by_name[a.name] = &a;
  REQUIRE(by_name.size() == 5);
  CHECK(by_name["ok"]->health->health == kHealthHealthy);
  // In sync (a noop) and still degraded: the spec is not the whole story.
  CHECK(by_name["broken"]->type == ActionType::kNoop);
  CHECK(by_name["broken"]->health->degraded);
  CHECK(by_name["changed"]->type == ActionType::kUpdate);
  CHECK(by_name["changed"]->health->phase == "Failed");
  CHECK_FALSE(by_name["new"]->health.has_value());  // nothing live yet
  // Being pruned: its health is shown, but it is no longer the source's.
  CHECK(by_name["gone"]->type == ActionType::kDelete);
  CHECK(by_name["gone"]->health->degraded);
  CHECK(plan.Degraded() == 2);
  CHECK(plan.InSync() == false);
}

}  // namespace
}  // namespace cara::gitops
