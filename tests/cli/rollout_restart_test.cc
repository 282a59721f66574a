// caractrl rollout restart, run as the real binary against a real cara-server
// on every store backend: the restarted-at annotation is a spec change for
// the server (a new generation, Failed back to Pending), and diff and sync
// never see it.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "api/types.h"
#include "common/time_format.h"
#include "support/caractrl.h"
#include "support/http_client.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

using nlohmann::json;

const char kShop[] = R"(apiVersion: caravanserai/v1
kind: Project
metadata:
  name: shop
  labels: {app: shop}
spec:
  services:
    - name: web
      image: cara/busybox:test
)";

json Project(HttpClient& api, const std::string& name) {
  HttpResponse r = api.Get("/api/v1/projects/" + name);
  REQUIRE(r.status == 200);
  return r.json;
}

std::string RestartedAt(const json& project) {
  return project["metadata"]
      .value("annotations", json::object())
      .value(api::kRestartedAtAnnotation, "");
}

// Puts the project in `phase` on node-1, as the scheduler and agent would.
void SetPhase(TestServer& server, const std::string& name, const std::string& phase) {
  auto updated = server.store().UpdateProject(name, [&](api::Project& p) {
    p.status.phase = phase;
    p.status.node_ref = "node-1";
    return Status::Ok();
  });
  REQUIRE(updated.ok());
}

}  // namespace

TEST_CASE("rollout restart bumps the generation and sends a Failed project back to Pending",
          "[cli][rollout]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      REQUIRE(RunCaractrl(server, {"apply", "-f", "-"}, kShop).exit_code == 0);
      SetPhase(server, "shop", api::kPhaseFailed);

      auto r = RunCaractrl(server, {"rollout", "restart", "project", "shop"});
      INFO(r.err);
      REQUIRE(r.exit_code == 0);
      CHECK(r.out == "project/shop restarted\n");
      json restarted = Project(api, "shop");
      CHECK(restarted["metadata"]["generation"] == 2);
      CHECK(ParseRfc3339(RestartedAt(restarted)).ok());
      CHECK(restarted["status"]["phase"] == api::kPhasePending);
      CHECK_FALSE(restarted["status"].contains("nodeRef"));

      // A Running project keeps its phase and gets a new generation each time.
      SetPhase(server, "shop", api::kPhaseRunning);
      auto again = RunCaractrl(server, {"rollout", "restart", "project/shop"});
      REQUIRE(again.exit_code == 0);
      CHECK(again.out == "project/shop restarted\n");
      json twice = Project(api, "shop");
      CHECK(twice["metadata"]["generation"] == 3);
      CHECK(RestartedAt(twice) != RestartedAt(restarted));
      CHECK(twice["status"]["phase"] == api::kPhaseRunning);
    }
  }
}

TEST_CASE("rollout restart: a missing project is exit 1, bad arguments exit 2", "[cli][rollout]") {
  TestServer server("sqlite");
  REQUIRE(RunCaractrl(server, {"apply", "-f", "-"}, kShop).exit_code == 0);

  auto missing = RunCaractrl(server, {"rollout", "restart", "project", "nope", "shop"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err == "Error: project \"nope\" not found\n");
  CHECK(missing.out == "project/shop restarted\n");  // the others are still restarted

  const std::vector<std::pair<std::vector<std::string>, std::string>> usage = {
      {{"rollout", "restart", "node", "n1"},
       "Error: rollout restart: unknown resource type \"node\": expected project\n"},
      {{"rollout", "restart", "project"}, "Error: rollout restart: a project name is required\n"},
      {{"rollout", "restart", "project/shop", "shop"},
       "Error: rollout restart: expected project/NAME, got \"shop\"\n"},
      {{"rollout", "restart", "node/n1"},
       "Error: rollout restart: expected project/NAME, got \"node/n1\"\n"},
  };
  for (const auto& [args, err] : usage) {
    INFO(args.back());
    auto r = RunCaractrl(server, args);
    CHECK(r.exit_code == 2);
    CHECK(r.err == err);
    CHECK(r.out.empty());
  }
  auto no_args = RunCaractrl(server, {"rollout", "restart"});
  CHECK(no_args.exit_code == 2);
  CHECK(no_args.err == "Error: rollout restart: expected project NAME or project/NAME\n");
  auto help = RunCaractrl(server, {"rollout", "restart", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("Exit codes:") != std::string::npos);
  HttpClient api(server.url());
  CHECK(Project(api, "shop")["metadata"]["generation"] == 2);  // only the first command wrote
}

TEST_CASE("diff and sync ignore the restarted-at annotation and sync keeps it",
          "[cli][rollout][gitops-cli]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      TempDir dir;
      const std::string file = dir.path() + "/shop.yaml";
      std::ofstream(file) << kShop;
      REQUIRE(RunCaractrl(server, {"sync", dir.path()}).exit_code == 0);
      REQUIRE(RunCaractrl(server, {"rollout", "restart", "project", "shop"}).exit_code == 0);
      json restarted = Project(api, "shop");
      const std::string at = RestartedAt(restarted);
      REQUIRE_FALSE(at.empty());

      auto diff = RunCaractrl(server, {"diff", dir.path()});
      INFO(diff.out << diff.err);
      CHECK(diff.exit_code == 0);
      auto noop = RunCaractrl(server, {"sync", dir.path()});
      CHECK(noop.exit_code == 0);
      CHECK(Project(api, "shop") == restarted);  // nothing written

      // A real change is synced; the annotation survives it, one new generation.
      std::string changed = kShop;
      changed.replace(changed.find("cara/busybox:test"), 17, "cara/busybox:v2");
      std::ofstream(file) << changed;
      auto sync = RunCaractrl(server, {"sync", dir.path()});
      INFO(sync.out << sync.err);
      REQUIRE(sync.exit_code == 0);
      json synced = Project(api, "shop");
      CHECK(RestartedAt(synced) == at);
      CHECK(synced["metadata"]["generation"] == restarted["metadata"]["generation"].get<int>() + 1);
      CHECK(RunCaractrl(server, {"diff", dir.path()}).exit_code == 0);
    }
  }
}

}  // namespace cara::testing
