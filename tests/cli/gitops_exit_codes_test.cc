// Honest exit codes of diff and sync: an object of the source left
// unapplied is never "converged", and a plan sync would refuse is never
// "in sync". The real caractrl against a real cara-server.
#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "api/types.h"
#include "support/caractrl.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

ProcessResult Caractrl(const TestServer& server, std::vector<std::string> args) {
  args.insert(args.begin(), {BuiltBinary("caractrl"), "--server", server.url()});
  return RunProcess(args, CaractrlEnv(server.url(), {{"NO_COLOR", "1"}}));
}

std::string ProjectYaml(const std::string& name, const std::string& image) {
  return "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: " + name +
         "\nspec:\n  services:\n    - name: web\n      image: " + image + "\n";
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("a terminating project's new spec is not applied: sync fails, diff differs",
          "[gitops-cli]") {
  TestServer server("sqlite");
  TempDir dir;
  std::ofstream(dir.path() + "/web.yaml") << ProjectYaml("web", "nginx:1");
  std::ofstream(dir.path() + "/api.yaml") << ProjectYaml("api", "api:1");
  REQUIRE(Caractrl(server, {"sync", dir.path()}).exit_code == 0);
  // The agent is tearing web down (DELETE of a placed project).
  REQUIRE(server.store()
              .UpdateProject("web",
                             [](api::Project& p) {
                               p.status.phase = api::kPhaseTerminating;
                               return Status::Ok();
                             })
              .ok());
  std::ofstream(dir.path() + "/web.yaml") << ProjectYaml("web", "nginx:2");
  std::ofstream(dir.path() + "/api.yaml") << ProjectYaml("api", "api:2");

  auto sync = Caractrl(server, {"sync", dir.path()});
  INFO(sync.out << sync.err);
  CHECK(sync.exit_code == 1);
  CHECK(Contains(sync.err,
                 "Error: 1 object(s) in the source were not applied: project/web (terminating; "
                 "it can be created again once it is gone); sync again once they can be"));
  HttpClient api(server.url());
  CHECK(api.Get("/api/v1/projects/api").json["spec"]["services"][0]["image"] == "api:2");
  CHECK(api.Get("/api/v1/projects/web").json["spec"]["services"][0]["image"] == "nginx:1");

  auto diff = Caractrl(server, {"diff", dir.path(), "-o", "json"});
  INFO(diff.out << diff.err);
  CHECK(diff.exit_code == 1);
  auto report = nlohmann::json::parse(diff.out);
  CHECK(report["inSync"] == false);
  CHECK(report["summary"]["skip"] == 1);
  CHECK(Caractrl(server, {"diff", dir.path()}).exit_code == 1);
}

TEST_CASE("diff of a source sync would refuse exits 3, like sync", "[gitops-cli]") {
  TestServer server("sqlite");
  TempDir dir;
  auto diff = Caractrl(server, {"diff", dir.path()});
  INFO(diff.out << diff.err);
  CHECK(diff.exit_code == 3);
  CHECK(Contains(diff.out, "refused: the source has no manifests"));
  CHECK(Caractrl(server, {"sync", dir.path()}).exit_code == 3);
  CHECK(Caractrl(server, {"diff", dir.path(), "--allow-empty"}).exit_code == 0);
  CHECK(Caractrl(server, {"diff", dir.path(), "-o", "json"}).exit_code == 3);
}

}  // namespace cara::testing
