// caractrl diff and sync check and plan manifests on every core, while the
// live state is listed on a connection of its own. What they print and do
// must be what the one-thread pipeline gives: the real binary is compared,
// byte for byte, with that pipeline run in process (one thread, one
// connection, list after load) against the same server and repository.
#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "admin_connection.h"
#include "cli/api_cluster_client.h"
#include "cli/plan_report.h"
#include "gitops/live_state.h"
#include "gitops/manifest_source.h"
#include "support/caractrl.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

namespace cara::testing {
namespace {

using nlohmann::json;

std::string Name(int i) { return "app-" + std::to_string(100 + i); }

std::string ProjectYaml(const std::string& name, const std::string& image,
                        const std::string& host = "") {
  std::string yaml = "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: " + name +
                     "\n  labels:\n    team: t" + std::to_string(name.size() % 3) +
                     "\nspec:\n  services:\n    - name: web\n      image: " + image +
                     "\n      env:\n        - name: A\n          value: \"1\"\n";
  if (!host.empty()) {
    yaml += "  ingress:\n    - name: web\n      host: " + host +
            "\n      target:\n        service: web\n        port: 80\n";
  }
  return yaml;
}

void WriteProject(const TempDir& dir, int i, const std::string& image,
                  const std::string& host = "") {
  std::ofstream(dir.path() + "/" + Name(i) + ".yaml") << ProjectYaml(Name(i), image, host);
}

ProcessResult Caractrl(const TestServer& server, std::vector<std::string> args) {
  args.insert(args.begin(), {BuiltBinary("caractrl"), "--server", server.url()});
  return RunProcess(args, CaractrlEnv(server.url(), {{"NO_COLOR", "1"}}));
}

// The one-thread pipeline: load on one thread, then list, then plan on one
// thread.
struct SequentialPlan {
  gitops::LoadedSource source;
  gitops::Plan plan;
};

SequentialPlan PlanInProcess(const TestServer& server, const std::string& dir) {
  gitops::SourceSpec spec;
  spec.dir = dir;
  auto source = gitops::LoadSource(spec, "", nullptr, /*threads=*/1);
  REQUIRE(source.ok());
  REQUIRE(source->errors.empty());
  cli::ApiClient client(AdminConnection(server));
  cli::ApiClusterClient cluster(client);
  auto live = gitops::ListLiveState(cluster);
  REQUIRE(live.ok());
  gitops::PlanOptions options;
  options.now = SystemClock::Default()->Now();
  options.source_id = source->info.id;
  options.threads = 1;
  SequentialPlan out{std::move(*source), {}};
  out.plan = gitops::ComputePlan(out.source.objects, *live, options);
  return out;
}

// 240 projects synced, then a quarter edited, some removed and some added.
void SyncedThenEdited(const TestServer& server, const TempDir& dir) {
  for (int i = 0; i < 240; ++i) WriteProject(dir, i, "nginx:1");
  REQUIRE(Caractrl(server, {"sync", dir.path()}).exit_code == 0);
  for (int i = 0; i < 240; i += 4) WriteProject(dir, i, "nginx:2");
  for (int i = 1; i < 30; i += 7) std::remove((dir.path() + "/" + Name(i) + ".yaml").c_str());
  for (int i = 240; i < 250; ++i) WriteProject(dir, i, "nginx:3");
}

}  // namespace

TEST_CASE("diff prints byte for byte what the one-thread pipeline renders",
          "[gitops-cli][parallel]") {
  TestServer server("sqlite");
  TempDir dir;
  SyncedThenEdited(server, dir);

  SequentialPlan expected = PlanInProcess(server, dir.path());
  REQUIRE(expected.plan.Mutating() == 59 + 5 + 10);  // app-108 is edited and removed
  cli::PlanReport report{"diff", expected.source.info, &expected.plan, {}, false};

  auto text = Caractrl(server, {"diff", dir.path()});
  INFO(text.err);
  CHECK(text.exit_code == 1);
  CHECK(text.out == cli::RenderPlanText(report, {false, true, false}));
  auto as_json = Caractrl(server, {"diff", dir.path(), "-o", "json"});
  CHECK(as_json.exit_code == 1);
  CHECK(as_json.out == cli::RenderPlanJson(report));
}

TEST_CASE("a sync whose write fails midway reports as the one-thread plan orders it",
          "[gitops-cli][parallel]") {
  TestServer server("sqlite");
  TempDir dir;
  SyncedThenEdited(server, dir);
  // Somebody else holds the ingress host one of the new projects asks for:
  // its create fails with 409 in the middle of the project writes.
  HttpClient api(server.url());
  json squatter = json::parse(R"({"apiVersion": "caravanserai/v1", "kind": "Project",
    "metadata": {"name": "squatter"}, "spec": {"services": [{"name": "web", "image": "x:1"}],
    "ingress": [{"name": "web", "host": "taken.example", "target": {"service": "web", "port": 80}}]}})");
  REQUIRE(api.Post("/api/v1/projects", squatter.dump()).status == 201);
  WriteProject(dir, 245, "nginx:3", "taken.example");

  SequentialPlan expected = PlanInProcess(server, dir.path());
  auto sync = Caractrl(server, {"sync", dir.path(), "-o", "json"});
  INFO(sync.err);
  CHECK(sync.exit_code == 1);
  json got = json::parse(sync.out);
  REQUIRE(got["actions"].size() == expected.plan.actions.size());
  int failed = 0;
  for (size_t i = 0; i < expected.plan.actions.size(); ++i) {
    const gitops::Action& want = expected.plan.actions[i];
    const json& a = got["actions"][i];
    INFO("action " << i << " " << want.name);
    CHECK(a["name"] == want.name);
    CHECK(a["action"] == gitops::ActionName(want.type));
    if (!want.mutates) {
      CHECK_FALSE(a.contains("result"));
      continue;
    }
    const bool ok = want.name != Name(245);
    CHECK(a["result"]["ok"] == ok);
    failed += !ok;
  }
  CHECK(failed == 1);
  CHECK(got["planHash"] == expected.plan.hash);
  // Everything else was written: only the failed create is left to do.
  auto after = Caractrl(server, {"diff", dir.path(), "-o", "json"});
  json left = json::parse(after.out);
  int mutating = 0;
  for (const auto& a : left["actions"]) {
    if (!a["mutates"].get<bool>()) continue;
    ++mutating;
    CHECK(a["name"] == Name(245));
  }
  CHECK(mutating == 1);
}

}  // namespace cara::testing
