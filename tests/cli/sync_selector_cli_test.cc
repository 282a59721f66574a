// diff and sync --selector through the real caractrl against a real
// cara-server: a partial sync writes and prunes only what matches, and
// leaves every other object of the source as it is.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>

#include "support/caractrl.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

using nlohmann::json;

void WriteProject(const std::string& dir, const std::string& name, const std::string& tier,
                  const std::string& image) {
  std::ofstream(dir + "/" + name + ".yaml")
      << "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: " << name
      << "\n  labels:\n    tier: " << tier << "\nspec:\n  services:\n    - name: web\n"
      << "      image: " << image << "\n";
}

// "update Project/shop" for each mutating action of a JSON report.
std::set<std::string> Changes(const ProcessResult& r) {
  json report = json::parse(r.out);
  std::set<std::string> out;
  for (const auto& a : report["actions"]) {
    if (a["mutates"].get<bool>())
      out.insert(a.value("action", "") + " Project/" + a.value("name", ""));
  }
  return out;
}

// Four projects synced from `dir`: shop and blog (tier=front), api and
// batch (tier=back).
struct SyncedSource {
  TestServer server{"sqlite"};
  TempDir dir;
  HttpClient api{server.url()};

  SyncedSource() {
    WriteProject(dir.path(), "shop", "front", "nginx:1.27");
    WriteProject(dir.path(), "blog", "front", "nginx:1.27");
    WriteProject(dir.path(), "api", "back", "nginx:1.27");
    WriteProject(dir.path(), "batch", "back", "nginx:1.27");
    auto sync = RunCaractrl(server, {"sync", dir.path()});
    INFO(sync.out << sync.err);
    REQUIRE(sync.exit_code == 0);
  }

  // Every project is changed in the source: images moved on, blog and
  // batch removed.
  void ChangeEverything() {
    WriteProject(dir.path(), "shop", "front", "nginx:1.28");
    WriteProject(dir.path(), "api", "back", "nginx:1.28");
    std::filesystem::remove(dir.path() + "/blog.yaml");
    std::filesystem::remove(dir.path() + "/batch.yaml");
  }

  json Get(const std::string& name) { return api.Get("/api/v1/projects/" + name).json; }
};

}  // namespace

TEST_CASE("sync --selector writes and prunes only what matches", "[gitops-cli][selector]") {
  SyncedSource s;
  const json api_before = s.Get("api");
  s.ChangeEverything();
  auto sync =
      RunCaractrl(s.server, {"sync", s.dir.path(), "--selector", "tier=front", "-o", "json"});
  INFO(sync.out << sync.err);
  REQUIRE(sync.exit_code == 0);
  CHECK(Changes(sync) == std::set<std::string>{"update Project/shop", "delete Project/blog"});
  CHECK(s.Get("shop")["spec"]["services"][0]["image"] == "nginx:1.28");
  CHECK(s.api.Get("/api/v1/projects/blog").status == 404);
  // The other tier: neither updated nor pruned, not even touched.
  CHECK(s.Get("api")["metadata"]["resourceVersion"] == api_before["metadata"]["resourceVersion"]);
  CHECK(s.Get("api")["spec"]["services"][0]["image"] == "nginx:1.27");
  CHECK(s.api.Get("/api/v1/projects/batch").status == 200);

  // What is left is exactly the other selection's work.
  auto diff = RunCaractrl(s.server, {"diff", s.dir.path(), "-l", "tier in (back)", "-o", "json"});
  INFO(diff.out << diff.err);
  CHECK(diff.exit_code == 1);
  CHECK(Changes(diff) == std::set<std::string>{"update Project/api", "delete Project/batch"});
  auto front = RunCaractrl(s.server, {"diff", s.dir.path(), "--selector", "tier=front"});
  CHECK(front.exit_code == 0);
}

TEST_CASE("sync --selector matching no manifest is refused before pruning",
          "[gitops-cli][selector]") {
  SyncedSource s;
  auto sync = RunCaractrl(s.server, {"sync", s.dir.path(), "--selector", "tier=frnot"});
  INFO(sync.out << sync.err);
  CHECK(sync.exit_code == 3);
  CHECK(sync.out.find("no manifest of the source matches --selector") != std::string::npos);
}

TEST_CASE("sync --selector with bad syntax is a usage error naming the flag",
          "[gitops-cli][selector]") {
  SyncedSource s;
  s.ChangeEverything();
  auto sync = RunCaractrl(s.server, {"sync", s.dir.path(), "--selector", "tier in (front"});
  INFO(sync.out << sync.err);
  CHECK(sync.exit_code == 2);
  CHECK(sync.err.find("--selector \"tier in (front\": ") != std::string::npos);
  CHECK(s.Get("shop")["spec"]["services"][0]["image"] == "nginx:1.27");  // nothing ran
}

}  // namespace cara::testing
