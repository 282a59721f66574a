// A partial sync (--selector): which manifests are planned, and which owned
// objects may be pruned.
#include <catch2/catch.hpp>

#include "gitops/plan.h"

namespace cara::gitops {
namespace {

using nlohmann::json;

const char kSource[] = "/srv/manifests";

DesiredObject Project(const std::string& name, const std::string& tier,
                      const std::string& image = "nginx:1.27") {
  json doc = {{"apiVersion", "caravanserai/v1"},
              {"kind", "Project"},
              {"metadata", {{"name", name}, {"labels", {{"tier", tier}}}}},
              {"spec", {{"services", {{{"name", "web"}, {"image", image}}}}}}};
  return {"Project", name, doc, name + ".yaml:1"};
}

// A live project as the source `source` synced it, labelled tier=`tier`.
api::Project Live(const std::string& name, const std::string& tier,
                  const std::string& source = kSource) {
  api::Project p;
  p.metadata.name = name;
  p.metadata.labels = {{"tier", tier}, {kManagedByLabel, kManagedByValue}};
  p.metadata.annotations = {{kSourceAnnotation, source}};
  api::ServiceDef web;
  web.name = "web";
  web.image = "nginx:1.27";
  p.spec.services.push_back(web);
  return p;
}

PlanOptions Selecting(const std::string& selector) {
  PlanOptions o;
  o.source_id = kSource;
  o.selector = *api::LabelSelector::Parse(selector);
  return o;
}

std::vector<std::string> Summary(const Plan& plan) {
  std::vector<std::string> out;
  for (const Action& a : plan.actions)
    out.push_back(std::string(ActionName(a.type)) + " " + a.name);
  return out;
}

}  // namespace

TEST_CASE("selector: only matching manifests are planned", "[plan][selector]") {
  LiveState live;
  live.projects = {Live("api", "back"), Live("shop", "front")};
  Plan plan = ComputePlan({Project("api", "back", "nginx:2"), Project("shop", "front", "nginx:2"),
                           Project("blog", "front")},
                          live, Selecting("tier=front"));
  CHECK(Summary(plan) == std::vector<std::string>{"create blog", "update shop"});
  CHECK(plan.owned == 1);  // the owned objects in the selection
}

TEST_CASE("selector: prune deletes only owned objects that match", "[plan][selector]") {
  LiveState live;
  live.projects = {Live("old-front", "front"), Live("old-back", "back"),
                   Live("other-front", "front", "/elsewhere")};
  Plan plan = ComputePlan({Project("shop", "front")}, live, Selecting("tier=front"));
  CHECK(Summary(plan) == std::vector<std::string>{"create shop", "delete old-front"});
}

TEST_CASE("selector: an object still in the source is never pruned, whatever its labels",
          "[plan][selector]") {
  LiveState live;
  live.projects = {Live("shop", "front")};  // the source moves it to tier=back
  Plan plan = ComputePlan({Project("shop", "back"), Project("blog", "front")}, live,
                          Selecting("tier=front"));
  CHECK(Summary(plan) == std::vector<std::string>{"create blog"});
}

TEST_CASE("selector: a selection with no manifests is refused like an empty source",
          "[plan][selector]") {
  LiveState live;
  live.projects = {Live("shop", "front")};
  Plan plan = ComputePlan({Project("api", "back")}, live, Selecting("tier=frnot"));
  REQUIRE(plan.refusals.size() == 1);
  CHECK(plan.refusals[0].find("no manifest of the source matches --selector") == 0);
  PlanOptions allowed = Selecting("tier=front");
  allowed.allow_empty = true;
  CHECK(Summary(ComputePlan({Project("api", "back")}, live, allowed)) ==
        std::vector<std::string>{"delete shop"});
}

TEST_CASE("selector: set-based and negated requirements", "[plan][selector]") {
  Plan plan = ComputePlan({Project("a", "front"), Project("b", "back"), Project("c", "batch")}, {},
                          Selecting("tier notin (back),tier!=batch"));
  CHECK(Summary(plan) == std::vector<std::string>{"create a"});
}

}  // namespace cara::gitops
