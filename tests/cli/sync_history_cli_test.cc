// caractrl history, rollback, suspend and resume with the real binary, real
// Git repositories and a real server: each writing sync is recorded, a
// rollback restores an older commit and holds a running `sync --watch` off
// until the source is resumed, and the suspension lives in the server's
// store (it survives a restart, on SQLite and PostgreSQL).
#include <catch2/catch.hpp>

#include <signal.h>

#include <nlohmann/json.hpp>

#include "gitops/manifest_source.h"
#include "net/percent_encoding.h"
#include "security/token.h"
#include "support/cara_server_binary.h"
#include "support/caractrl.h"
#include "support/eventually.h"
#include "support/file_contents.h"
#include "support/git_repo.h"
#include "support/http_client.h"
#include "support/postgres_server.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

using nlohmann::json;

std::string ProjectYaml(const std::string& name, const std::string& image) {
  return "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: " + name +
         "\nspec:\n  services:\n    - name: web\n      image: " + image + "\n";
}

// The id sync gives `repo`'s cluster/ directory.
std::string SourceIdOf(const std::string& repo) {
  gitops::SourceSpec spec;
  spec.repo = repo;
  spec.path = "cluster";
  return gitops::DeriveSourceId(spec);
}

// A repository whose cluster/ holds one project, web, at image nginx:<v>.
struct History {
  TempDir tmp;
  GitRepo repo{tmp.path() + "/repo"};
  std::string id = SourceIdOf(repo.dir());

  std::string CommitImage(const std::string& image) {
    repo.Write("cluster/web.yaml", ProjectYaml("web", image));
    return repo.Commit("web " + image);
  }
  std::vector<std::string> Sync(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {"sync", "--repo", repo.dir(), "--path", "cluster"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
};

std::string ImageOf(HttpClient& api, const std::string& project) {
  json p = api.Get("/api/v1/projects/" + project).json;
  return p.is_object() && p.contains("spec") ? p["spec"]["services"][0]["image"].get<std::string>()
                                             : "";
}

TEST_CASE("history lists each writing sync with its commit, result and who", "[history-cli]") {
  TestServer server("sqlite");
  History h;
  const std::string c1 = h.CommitImage("nginx:1");
  REQUIRE(RunCaractrl(server, h.Sync()).exit_code == 0);
  REQUIRE(RunCaractrl(server, h.Sync()).exit_code == 0);  // in sync: writes nothing, no run
  const std::string c2 = h.CommitImage("nginx:2");
  REQUIRE(RunCaractrl(server, h.Sync()).exit_code == 0);

  auto listed = RunCaractrl(server, {"history", "--source", h.id, "-o", "json"});
  INFO(listed.out << listed.err);
  REQUIRE(listed.exit_code == 0);
  json runs = json::parse(listed.out)["items"];
  REQUIRE(runs.size() == 2);
  CHECK(runs[0]["commit"] == c1);
  CHECK(runs[1]["commit"] == c2);
  CHECK(runs[1]["source"] == h.id);
  CHECK(runs[1]["result"] == "Succeeded");
  CHECK(runs[1]["who"] == *security::TokenId(server.admin_token()));
  CHECK(
      runs[1]["actions"][0] ==
      json({{"action", "update"}, {"kind", "Project"}, {"name", "web"}, {"outcome", "Succeeded"}}));

  auto table = RunCaractrl(server, {"history"});
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.rfind("RUN", 0) == 0);
  for (const char* column : {"SOURCE", "COMMIT", "RESULT", "ACTIONS", "WHO", "AGE"}) {
    CHECK(table.out.find(column) != std::string::npos);
  }
  CHECK(table.out.find(c2.substr(0, 12)) != std::string::npos);
  CHECK(RunCaractrl(server, {"sync", "--dry-run", "--repo", h.repo.dir(), "--path", "cluster"})
            .exit_code == 0);
  CHECK(json::parse(RunCaractrl(server, {"history", "-o", "json"}).out)["items"].size() == 2);
  auto help = RunProcess({BuiltBinary("caractrl"), "sync", "--help"});
  CHECK(help.out.find("  5  the source is suspended") != std::string::npos);
}

TEST_CASE("rollback restores an older commit and holds a running watch off until resumed",
          "[history-cli]") {
  TestServer server("sqlite");
  HttpClient api(server.url());
  History h;
  const std::string c1 = h.CommitImage("nginx:1");
  REQUIRE(RunCaractrl(server, h.Sync()).exit_code == 0);
  const std::string c2 = h.CommitImage("nginx:2");
  REQUIRE(RunCaractrl(server, h.Sync()).exit_code == 0);
  json runs = json::parse(RunCaractrl(server, {"history", "--source", h.id, "-o", "json"}).out);
  const std::string first_run = runs["items"][0]["id"];

  const std::string log = TestLogPath("sync-watch");
  std::vector<std::string> argv = {BuiltBinary("caractrl")};
  for (auto& a : h.Sync({"--watch", "--interval", "200ms"})) argv.push_back(a);
  BackgroundProcess watch(argv, CaractrlEnv(server.url()), log);
  REQUIRE(
      Eventually([&] { return ReadAll(log).find("sync cycle: unchanged") != std::string::npos; }));

  auto rollback = RunCaractrl(server, {"rollback", "--source", h.id, "--to", first_run});
  INFO(rollback.out << rollback.err << ReadAll(log));
  REQUIRE(rollback.exit_code == 0);
  CHECK(rollback.err.find("suspended: rollback to " + c1.substr(0, 12)) != std::string::npos);
  CHECK(ImageOf(api, "web") == "nginx:1");
  // The watcher asks each cycle and writes nothing while suspended.
  const size_t skipped = Occurrences(ReadAll(log), "sync cycle skipped: source suspended");
  REQUIRE(Eventually([&] {
    return Occurrences(ReadAll(log), "sync cycle skipped: source suspended") >= skipped + 3;
  }));
  CHECK(ImageOf(api, "web") == "nginx:1");
  CHECK(ReadAll(log).find("reason=\"rollback to " + c1.substr(0, 12)) != std::string::npos);

  // A plain sync refuses; the rollback itself is in the history.
  auto refused = RunCaractrl(server, h.Sync());
  CHECK(refused.exit_code == 5);
  CHECK(refused.err.find("is suspended (rollback to") != std::string::npos);
  CHECK(ImageOf(api, "web") == "nginx:1");
  runs = json::parse(RunCaractrl(server, {"history", "--source", h.id, "-o", "json"}).out);
  REQUIRE(runs["items"].size() == 3);
  CHECK(runs["items"][2]["commit"] == c1);

  REQUIRE(RunCaractrl(server, {"resume", "--source", h.id}).exit_code == 0);
  CHECK(Eventually([&] { return ImageOf(api, "web") == "nginx:2"; }));
  // The watch's writing cycle is in the history too.
  runs = json::parse(RunCaractrl(server, {"history", "--source", h.id, "-o", "json"}).out);
  REQUIRE(runs["items"].size() == 4);
  CHECK(runs["items"][3]["commit"] == c2);
  watch.Signal(SIGTERM);
  CHECK(watch.Wait() == 0);
}

TEST_CASE("sync --resume lifts a suspension, and --source must name the source synced",
          "[history-cli]") {
  TestServer server("sqlite");
  HttpClient api(server.url());
  History h;
  h.CommitImage("nginx:1");
  auto suspended = RunCaractrl(server, {"suspend", "--source", h.id, "--reason", "freeze"});
  REQUIRE(suspended.exit_code == 0);
  CHECK(RunCaractrl(server, h.Sync()).exit_code == 5);
  CHECK(api.Get("/api/v1/projects/web").status == 404);

  auto wrong = RunCaractrl(server, h.Sync({"--resume", "--source", "/somewhere/else"}));
  CHECK(wrong.exit_code == 2);
  CHECK(api.Get("/api/v1/sources/" + net::PercentEncode(h.id)).json["suspended"] == true);

  // Without a location, the source the id names is synced.
  auto resumed = RunCaractrl(server, {"sync", "--resume", "--source", h.id});
  INFO(resumed.out << resumed.err);
  CHECK(resumed.exit_code == 0);
  CHECK(ImageOf(api, "web") == "nginx:1");
  CHECK(api.Get("/api/v1/sources/" + net::PercentEncode(h.id)).json["suspended"] == false);
}

TEST_CASE("suspend needs a writing role and records who", "[history-cli]") {
  TestServer server("sqlite");
  HttpClient admin(server.url());
  auto made = admin.PostJson("/api/v1/tokens", {{"role", "viewer"}});
  REQUIRE(made.status == 201);
  net::ClientCredentials viewer{made.json["token"].get<std::string>(), {}};
  viewer.tls.ca_file = server.ca_file();
  auto refused = RunCaractrlWith(server, viewer, {"suspend", "--source", "/srv/ops"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("role viewer may not update sources") != std::string::npos);
  CHECK(RunCaractrlWith(server, viewer, {"history"}).exit_code == 0);

  REQUIRE(RunCaractrl(server, {"suspend", "--source", "/srv/ops"}).exit_code == 0);
  json state = admin.Get("/api/v1/sources/" + net::PercentEncode("/srv/ops")).json;
  CHECK(state["suspended"] == true);
  CHECK(state["by"] == *security::TokenId(server.admin_token()));
}

TEST_CASE("a suspension survives a server restart", "[history-cli][process]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TempDir tmp;
      const std::string data = tmp.path() + "/data";
      const std::string url =
          backend == "postgres" ? PostgresServer::Shared().FreshDatabaseUrl() : "";
      const std::map<std::string, std::string> env = {{"DATABASE_URL", url},
                                                      {"CARA_ADMIN_TOKEN", ""}};
      History h;
      h.CommitImage("nginx:1");
      auto caractrl = [&](const CaraServerBinary& s, std::vector<std::string> args) {
        args.insert(args.begin(), BuiltBinary("caractrl"));
        return RunProcess(args, CaractrlEnv(s.url()));
      };
      {
        CaraServerBinary server(data, {"--no-controllers"}, env, TestLogPath("cara-server-1"));
        REQUIRE(caractrl(server, {"suspend", "--source", h.id}).exit_code == 0);
      }
      CaraServerBinary server(data, {"--no-controllers"}, env, TestLogPath("cara-server-2"));
      auto sync = caractrl(server, h.Sync());
      INFO(sync.err);
      CHECK(sync.exit_code == 5);
      CHECK(caractrl(server, h.Sync({"--resume"})).exit_code == 0);
    }
  }
}

}  // namespace
}  // namespace cara::testing
