// diff and sync check manifests and plan them on every core
// (common/parallel_for.h). These tests pin the invariant that makes that
// safe: on any number of threads the manifest set, every error message and
// its order, and the plan (actions, stages, bodies, hash) are exactly what
// a one-by-one pass gives.
#include <catch2/catch.hpp>

#include "api/codec.h"
#include "common/time_format.h"
#include "gitops/manifest_set.h"
#include "gitops/plan.h"

namespace cara::gitops {
namespace {

using nlohmann::json;

const Timestamp kNow = *ParseRfc3339("2026-11-21T12:00:00Z");
const char kSource[] = "/srv/manifests";
constexpr size_t kManyThreads = 8;

std::string Name(int i) { return "app-" + std::to_string(1000 + i); }

std::string ProjectYaml(const std::string& name, const std::string& image,
                        const std::string& host = "") {
  std::string yaml = "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: " + name +
                     "\nspec:\n  services:\n    - name: web\n      image: " + image + "\n";
  if (!host.empty()) {
    yaml += "  ingress:\n    - name: web\n      host: " + host +
            "\n      target:\n        service: web\n        port: 80\n";
  }
  return yaml;
}

// A repository of 300 files in which, every so often, something is wrong:
// schema and semantic errors, YAML syntax, unknown kinds, names and ingress
// hosts defined twice (across files, so their errors depend on file order),
// Lists with and without items.
std::vector<SourceFile> MixedRepository() {
  std::vector<SourceFile> files;
  for (int i = 0; i < 300; ++i) {
    const std::string file = "projects/" + Name(i) + ".yaml";
    std::string text;
    switch (i % 10) {
      case 1:  // schema: a service without an image
        text = "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: " + Name(i) +
               "\nspec:\n  services:\n    - name: web\n";
        break;
      case 2:  // the name of an earlier file
        text = ProjectYaml(Name(i - 2), "nginx:1");
        break;
      case 3:  // an ingress host another project already holds
        text = ProjectYaml(Name(i), "nginx:1", "shared-" + std::to_string(i / 30) + ".example");
        break;
      case 4:  // YAML syntax
        text = "kind: Project\nmetadata: [unclosed\n";
        break;
      case 5:  // an unknown kind, then a scalar document
        text = "apiVersion: caravanserai/v1\nkind: Deployment\nmetadata:\n  name: x\n---\n42\n";
        break;
      case 6:  // a List of two, one of them invalid (bad name)
        text = "apiVersion: caravanserai/v1\nkind: List\nitems:\n  - " +
               std::string("apiVersion: caravanserai/v1\n    kind: Node\n    metadata:\n") +
               "      name: node-" + std::to_string(i) +
               "\n  - apiVersion: caravanserai/v1\n    kind: Node\n    metadata:\n" +
               "      name: Bad_Name\n";
        break;
      case 7:  // a List whose items are not a sequence
        text = "apiVersion: caravanserai/v1\nkind: List\nitems: 3\n";
        break;
      default:
        text = ProjectYaml(Name(i), "nginx:1." + std::to_string(i),
                           i % 10 == 0 ? "shared-" + std::to_string(i / 30) + ".example" : "");
    }
    files.push_back({file, text});
  }
  return files;
}

void CheckSameSet(const ManifestSet& one, const ManifestSet& many) {
  CHECK(many.errors == one.errors);
  REQUIRE(many.manifests.size() == one.manifests.size());
  for (size_t i = 0; i < one.manifests.size(); ++i) {
    INFO("manifest " << i);
    CHECK(many.manifests[i].kind == one.manifests[i].kind);
    CHECK(many.manifests[i].name == one.manifests[i].name);
    CHECK(many.manifests[i].document.file() == one.manifests[i].document.file());
    CHECK(many.manifests[i].document.value() == one.manifests[i].document.value());
  }
}

TEST_CASE("manifests checked on many threads give the one-thread set and errors, in order",
          "[parallel]") {
  const std::vector<SourceFile> files = MixedRepository();
  ManifestSet one = LoadManifestSet(files, 1);
  // The repository is as broken as intended, and the errors come in file
  // order: the first ones are those of the first broken files.
  REQUIRE(one.errors.size() > 150);
  INFO(one.errors[0] << "\n" << one.errors[1] << "\n" << one.errors[2] << "\n" << one.errors[3]);
  CHECK(one.errors[0].rfind("projects/app-1001.yaml:7:7: /spec/services/0: missing", 0) == 0);
  CHECK(one.errors[1].rfind("projects/app-1001.yaml:7:7: /spec/services/0/image:", 0) == 0);
  CHECK(one.errors[2].rfind("projects/app-1002.yaml:4:", 0) == 0);
  CHECK(one.errors[2].find("duplicate Project \"app-1000\" (also defined at "
                           "projects/app-1000.yaml:4)") != std::string::npos);
  CHECK(one.errors[3].rfind("projects/app-1003.yaml:", 0) == 0);
  CHECK(one.errors[3].find("ingress host \"shared-0.example\" is already used by project "
                           "\"app-1000\"") != std::string::npos);
  for (size_t threads : {size_t{2}, size_t{3}, kManyThreads, size_t{0}}) {
    INFO(threads << " threads");
    CheckSameSet(one, LoadManifestSet(files, threads));
  }
}

DesiredObject Desired(int i, const std::string& image) {
  json doc = {{"apiVersion", "caravanserai/v1"},
              {"kind", "Project"},
              {"metadata", {{"name", Name(i)}, {"labels", {{"team", std::to_string(i % 3)}}}}},
              {"spec", {{"services", {{{"name", "web"}, {"image", image}}}}}}};
  return {"Project", Name(i), doc, "projects/" + Name(i) + ".yaml:1"};
}

api::Project Live(int i, const std::string& image, const std::string& source) {
  api::Project p;
  p.metadata.name = Name(i);
  p.metadata.resource_version = std::to_string(100 + i);
  p.metadata.labels["team"] = std::to_string(i % 3);
  if (!source.empty()) {
    p.metadata.labels[kManagedByLabel] = kManagedByValue;
    p.metadata.annotations[kSourceAnnotation] = source;
  }
  api::ServiceDef web;
  web.name = "web";
  web.image = image;
  p.spec.services.push_back(web);
  p.status.phase = i % 11 == 0 ? api::kPhaseTerminating : api::kPhaseRunning;
  return p;
}

// Desired 0..399 and live 100..499: creates, noops, updates, skips of
// terminating and foreign objects, and prunes, out of name order.
void MixedPlanInputs(std::vector<DesiredObject>* desired, LiveState* live) {
  for (int i = 399; i >= 0; --i) desired->push_back(Desired(i, "nginx:" + std::to_string(i % 4)));
  for (int i = 100; i < 500; ++i) {
    const std::string source = i % 13 == 0 ? "/srv/other" : kSource;
    live->projects.push_back(Live(i, "nginx:" + std::to_string(i % 5), source));
  }
}

TEST_CASE("a plan made on many threads is the one-thread plan, action by action", "[parallel]") {
  std::vector<DesiredObject> desired;
  LiveState live;
  MixedPlanInputs(&desired, &live);
  PlanOptions options;
  options.now = kNow;
  options.source_id = kSource;
  options.max_delete = 1000;
  options.threads = 1;
  Plan one = ComputePlan(desired, live, options);
  // Every kind of action is in it.
  for (ActionType type : {ActionType::kCreate, ActionType::kUpdate, ActionType::kNoop,
                          ActionType::kSkip, ActionType::kDelete}) {
    CHECK(one.Count(type) > 0);
  }
  for (size_t threads : {size_t{2}, kManyThreads, size_t{0}}) {
    INFO(threads << " threads");
    options.threads = threads;
    Plan many = ComputePlan(desired, live, options);
    CHECK(many.hash == one.hash);
    CHECK(many.owned == one.owned);
    CHECK(many.refusals == one.refusals);
    REQUIRE(many.actions.size() == one.actions.size());
    for (size_t i = 0; i < one.actions.size(); ++i) {
      const Action& a = one.actions[i];
      const Action& b = many.actions[i];
      INFO("action " << i << " " << a.name);
      CHECK(b.name == a.name);
      CHECK(b.type == a.type);
      CHECK(b.stage == a.stage);
      CHECK(b.reason == a.reason);
      CHECK(b.body == a.body);
      CHECK(b.before == a.before);
      CHECK(b.after == a.after);
      CHECK(b.changes.size() == a.changes.size());
    }
  }
}

}  // namespace
}  // namespace cara::gitops
