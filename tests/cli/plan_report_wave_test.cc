// Sync waves in reports: "[wave N]" in text and "wave" in JSON, both only
// for waves other than 0 (the default, which most objects are in).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli/plan_report.h"

namespace cara::cli {
namespace {

gitops::Action Create(const std::string& name, int wave) {
  gitops::Action a;
  a.type = gitops::ActionType::kCreate;
  a.kind = "Project";
  a.name = name;
  a.origin = name + ".yaml:1";
  a.mutates = true;
  a.wave = wave;
  return a;
}

}  // namespace

TEST_CASE("reports show an action's sync wave when it is not 0", "[plan_report][sync-wave]") {
  gitops::Plan plan;
  plan.actions = {Create("db", 0), Create("app", 2)};
  PlanReport report{"diff", {"/srv/ops", "", ""}, &plan, {}, false};
  const std::string text = RenderPlanText(report, {false, false, false});
  CHECK(text.find("+ create project/db (db.yaml:1)\n") != std::string::npos);
  CHECK(text.find("+ create project/app [wave 2] (app.yaml:1)\n") != std::string::npos);
  auto json = nlohmann::json::parse(RenderPlanJson(report));
  CHECK_FALSE(json["actions"][0].contains("wave"));
  CHECK(json["actions"][1]["wave"] == 2);
}

}  // namespace cara::cli
