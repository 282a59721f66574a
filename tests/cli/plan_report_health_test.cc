// Health and drift in every rendering of a plan: each Project's live phase
// and health beside its action, degraded projects listed (and counted) even
// when in sync, and drift as its own action.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/plan_report.h"

namespace cara::cli {
namespace {

using gitops::Action;
using gitops::ActionType;
using gitops::Plan;
using gitops::ProjectHealth;
using nlohmann::json;

Action ProjectAction(ActionType type, const std::string& name, std::optional<ProjectHealth> h) {
  Action a;
  a.type = type;
  a.kind = "Project";
  a.name = name;
  a.origin = name + ".yaml:1";
  a.in_source = true;
  a.mutates = type != ActionType::kNoop;
  a.health = std::move(h);
  return a;
}

ProjectHealth Health(const std::string& phase, const std::string& health,
                     const std::string& message = "") {
  return {phase, health, health == gitops::kHealthDegraded, message};
}

// web runs fine and is unchanged; db failed although its spec is in sync;
// cache drifted (a live edit is reverted); api is new.
Plan HealthPlan() {
  Plan plan;
  Action cache = ProjectAction(ActionType::kDrift, "cache", Health("Running", "Healthy"));
  cache.before = {{"spec", {{"replicas", 2}}}};
  cache.after = {{"spec", {{"replicas", 1}}}};
  cache.changes = {{"spec.replicas", 2, 1}};
  plan.actions = {
      ProjectAction(ActionType::kCreate, "api", std::nullopt), cache,
      ProjectAction(ActionType::kNoop, "db", Health("Failed", "Degraded", "image pull failed")),
      ProjectAction(ActionType::kNoop, "web", Health("Running", "Healthy"))};
  plan.hash = "abc";
  return plan;
}

PlanReport ReportOf(const Plan& plan, const std::string& mode) {
  PlanReport r;
  r.mode = mode;
  r.source = {"/srv/manifests", "", ""};
  r.plan = &plan;
  if (mode == "sync") {
    r.outcomes.resize(plan.actions.size());
    r.outcomes[0] = gitops::ActionOutcome{true, "created", 1, ""};
    r.outcomes[1] = gitops::ActionOutcome{true, "configured", 2, ""};
  }
  return r;
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("plan text: phase and health beside each project, degraded ones even in sync",
          "[plan_report]") {
  Plan plan = HealthPlan();
  std::string text = RenderPlanText(ReportOf(plan, "diff"), TextStyle{});
  INFO(text);
  CHECK(Has(text, "\n+ create project/api (api.yaml:1)\n"));
  CHECK(Has(text, "\n~ drift project/cache (cache.yaml:1) [Running, healthy]\n"));
  CHECK(Has(text, "\n= noop project/db (db.yaml:1) [Failed, degraded: image pull failed]\n"));
  CHECK_FALSE(Has(text, "project/web"));  // in sync and healthy: listed with --show-unchanged
  CHECK(Has(text,
            "Plan: 1 to create, 0 to update, 1 drift to revert, 0 to delete, 0 to drain, "
            "0 to undrain, 0 to expire; 2 unchanged, 0 skipped, 1 degraded.\n"));

  std::string synced = RenderPlanText(ReportOf(plan, "sync"), TextStyle{});
  INFO(synced);
  CHECK(Has(synced, "Sync: 1 created, 0 updated, 1 drift reverted, 0 deleted"));
  CHECK(Has(synced, "2 unchanged, 0 skipped, 1 degraded, 0 failed.\n"));

  TextStyle color;
  color.color = true;
  CHECK(Has(RenderPlanText(ReportOf(plan, "diff"), color),
            "\x1b[31m[Failed, degraded: image pull failed]\x1b[0m"));
}

TEST_CASE("plan text of a cluster in sync still counts degraded projects", "[plan_report]") {
  Plan plan;
  plan.actions = {
      ProjectAction(ActionType::kNoop, "db", Health("Running", "Degraded", "web: unhealthy"))};
  std::string text = RenderPlanText(ReportOf(plan, "diff"), TextStyle{});
  INFO(text);
  CHECK(plan.InSync());
  CHECK(Has(text, "= noop project/db (db.yaml:1) [Running, degraded: web: unhealthy]\n"));
  CHECK(Has(text,
            "No differences: the cluster matches /srv/manifests (1 unchanged, 0 skipped, "
            "1 degraded).\n"));
}

TEST_CASE("plan JSON: phase, health and degraded per project, drift and degraded counted",
          "[plan_report]") {
  Plan plan = HealthPlan();
  json j = json::parse(RenderPlanJson(ReportOf(plan, "sync")));
  REQUIRE(j["actions"].size() == 4);
  CHECK_FALSE(j["actions"][0].contains("phase"));  // not live yet
  CHECK(j["actions"][1]["action"] == "drift");
  CHECK(j["actions"][1]["phase"] == "Running");
  CHECK(j["actions"][1]["health"] == "Healthy");
  CHECK(j["actions"][1]["degraded"] == false);
  CHECK_FALSE(j["actions"][1].contains("healthMessage"));
  CHECK(j["actions"][2]["action"] == "noop");
  CHECK(j["actions"][2]["health"] == "Degraded");
  CHECK(j["actions"][2]["degraded"] == true);
  CHECK(j["actions"][2]["healthMessage"] == "image pull failed");
  CHECK(j["summary"]["drift"] == 1);
  CHECK(j["summary"]["update"] == 0);
  CHECK(j["summary"]["degraded"] == 1);
  CHECK(j["inSync"] == false);
}

TEST_CASE("plan Markdown: health in the details, degraded projects listed", "[plan_report]") {
  Plan plan = HealthPlan();
  std::string md = RenderPlanMarkdown(ReportOf(plan, "diff"));
  INFO(md);
  CHECK(md.rfind("### caractrl diff: 2 changes, 1 degraded\n", 0) == 0);
  CHECK(Has(md, "| `~` drift | `project/cache` | cache.yaml:1 — Running, healthy |\n"));
  CHECK(Has(md,
            "| `=` noop | `project/db` | db.yaml:1 — **Failed, degraded: image pull failed** |\n"));
  CHECK_FALSE(Has(md, "project/web"));
  CHECK(Has(md, "<details><summary>drift project/cache</summary>"));
}

}  // namespace
}  // namespace cara::cli
