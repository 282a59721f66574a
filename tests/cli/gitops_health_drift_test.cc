// Health and drift in the reports of the real caractrl: a Failed project
// (made Failed by the real agent on a private dockerd) is reported degraded
// although its spec is in sync; a hand edit through the API is reported as
// drift and a source change as an update.
#include <catch2/catch.hpp>

#include <fstream>

#include "support/agent_cluster.h"
#include "support/caractrl.h"
#include "support/docker_daemon.h"
#include "support/eventually.h"
#include "support/http_client.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

using nlohmann::json;

std::string Project(const std::string& name, const std::string& image,
                    const std::string& command = "true") {
  return "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: " + name +
         "\nspec:\n  services:\n    - name: main\n      image: " + image +
         "\n      imagePullPolicy: Never\n      command: [\"sh\", \"-c\", \"" + command + "\"]\n";
}

const json* FindAction(const json& report, const std::string& name) {
  for (const json& a : report["actions"]) {
    if (a["name"] == name) return &a;
  }
  return nullptr;
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string PhaseOf(HttpClient& api, const std::string& name) {
  return api.Get("/api/v1/projects/" + name).json["status"].value("phase", "");
}

}  // namespace

TEST_CASE("diff and sync report a Failed project degraded even when it is in sync",
          "[gitops-cli][docker]") {
  AgentCluster cluster;
  HttpClient api(cluster.url());
  TempDir dir;
  const std::string web = DockerDaemon::UniqueName("healthy");
  const std::string broken = DockerDaemon::UniqueName("broken");
  std::ofstream(dir.path() + "/web.yaml")
      << Project(web, DockerDaemon::kTestImage, "trap 'exit 0' TERM; sleep 600 & wait");
  // Not there under imagePullPolicy: Never: the agent fails it at once.
  std::ofstream(dir.path() + "/broken.yaml") << Project(broken, "cara/no-such-image:none");
  auto sync = cluster.RunCaractrl({"sync", dir.path()});
  INFO(sync.out << sync.err);
  REQUIRE(sync.exit_code == 0);
  REQUIRE(
      Eventually([&] { return PhaseOf(api, web) == "Running" && PhaseOf(api, broken) == "Failed"; },
                 std::chrono::seconds(60)));

  // The specs match: diff says so with its exit code, and still flags it.
  auto diff = cluster.RunCaractrl({"diff", dir.path()});
  INFO(diff.out << diff.err);
  CHECK(diff.exit_code == 0);
  CHECK(Has(diff.out, "= noop project/" + broken + " (" + dir.path() +
                          "/broken.yaml:1) [Failed, degraded: "));
  CHECK_FALSE(Has(diff.out, "project/" + web));  // healthy and unchanged: not listed
  CHECK(Has(diff.out, "(2 unchanged, 0 skipped, 1 degraded).\n"));
  auto all = cluster.RunCaractrl({"diff", dir.path(), "--show-unchanged"});
  CHECK(Has(all.out,
            "= noop project/" + web + " (" + dir.path() + "/web.yaml:1) [Running, healthy]\n"));

  auto report = cluster.RunCaractrl({"diff", dir.path(), "-o", "json"});
  INFO(report.out);
  CHECK(report.exit_code == 0);
  json j = json::parse(report.out);
  CHECK(j["inSync"] == true);
  CHECK(j["summary"]["degraded"] == 1);
  const json* failed = FindAction(j, broken);
  REQUIRE(failed != nullptr);
  CHECK((*failed)["action"] == "noop");
  CHECK((*failed)["phase"] == "Failed");
  CHECK((*failed)["health"] == "Degraded");
  CHECK((*failed)["degraded"] == true);
  CHECK((*failed)["healthMessage"].get<std::string>() != "");
  const json* running = FindAction(j, web);
  REQUIRE(running != nullptr);
  CHECK((*running)["health"] == "Healthy");
  CHECK((*running)["degraded"] == false);

  auto again = cluster.RunCaractrl({"sync", dir.path(), "-o", "json"});
  INFO(again.out << again.err);
  CHECK(again.exit_code == 0);
  json synced = json::parse(again.out);
  CHECK(synced["inSync"] == true);
  CHECK(synced["summary"]["degraded"] == 1);

  auto markdown = cluster.RunCaractrl({"diff", dir.path(), "-o", "markdown"});
  CHECK(Has(markdown.out, "### caractrl diff: no changes, 1 degraded\n"));
  CHECK(Has(markdown.out, "| `=` noop | `project/" + broken + "` | " + dir.path() +
                              "/broken.yaml:1 — **Failed, degraded: "));
}

TEST_CASE("a hand edit through the API is drift, a source change is an update", "[gitops-cli]") {
  TestServer server("sqlite");
  HttpClient api(server.url());
  TempDir dir;
  std::ofstream(dir.path() + "/web.yaml") << Project("web", "nginx:1.27");
  std::ofstream(dir.path() + "/api.yaml") << Project("api", "nginx:1.27");
  auto first = RunCaractrl(server, {"sync", dir.path()});
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  json web = api.Get("/api/v1/projects/web").json;
  const std::string record =
      web["metadata"]["annotations"].value("caravanserai.io/applied-hash", "");
  CHECK(record.rfind("sha256:", 0) == 0);

  web["spec"]["services"][0]["image"] = "nginx:edited-by-hand";
  REQUIRE(api.PutJson("/api/v1/projects/web", web).status == 200);
  std::ofstream(dir.path() + "/api.yaml") << Project("api", "nginx:1.28");

  auto diff = RunCaractrl(server, {"diff", dir.path(), "-o", "json"});
  INFO(diff.out << diff.err);
  CHECK(diff.exit_code == 1);
  json plan = json::parse(diff.out);
  REQUIRE(FindAction(plan, "web") != nullptr);
  REQUIRE(FindAction(plan, "api") != nullptr);
  CHECK((*FindAction(plan, "web"))["action"] == "drift");
  CHECK((*FindAction(plan, "web"))["phase"] == "Pending");  // no node to run it
  CHECK((*FindAction(plan, "api"))["action"] == "update");
  CHECK(plan["summary"]["drift"] == 1);
  CHECK(plan["summary"]["update"] == 1);

  auto sync = RunCaractrl(server, {"sync", dir.path()});
  INFO(sync.out << sync.err);
  CHECK(sync.exit_code == 0);
  // Origins are absolute paths: "(/tmp/.../web.yaml:1)".
  CHECK(Has(sync.out, "~ drift project/web (" + dir.path() +
                          "/web.yaml:1) [Pending, progressing] → ok: configured\n"));
  CHECK(Has(sync.out, "~ update project/api (" + dir.path() +
                          "/api.yaml:1) [Pending, progressing] → ok: configured\n"));
  CHECK(Has(sync.out, "Sync: 0 created, 1 updated, 1 drift reverted, 0 deleted"));
  CHECK(api.Get("/api/v1/projects/web").json["spec"]["services"][0]["image"] == "nginx:1.27");
  CHECK(RunCaractrl(server, {"diff", dir.path()}).exit_code == 0);

  // The server's history keeps the label.
  auto history = RunCaractrl(server, {"history", "-o", "json"});
  INFO(history.out << history.err);
  CHECK(history.exit_code == 0);
  CHECK(Has(history.out, "\"drift\""));
}

}  // namespace cara::testing
