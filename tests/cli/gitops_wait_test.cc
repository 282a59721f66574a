// caractrl sync --wait against a real cluster: cara-server with controllers,
// the real cara-agent binary and a private dockerd.
#include <catch2/catch.hpp>

#include <fstream>

#include "support/agent_cluster.h"
#include "support/docker_daemon.h"
#include "support/http_client.h"
#include "support/temp_dir.h"

namespace cara::testing {
namespace {

std::string Project(const std::string& name, const std::string& command,
                    const std::string& extra_spec = "") {
  return "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: " + name +
         "\nspec:\n  services:\n    - name: main\n      image: " +
         std::string(DockerDaemon::kTestImage) + "\n      imagePullPolicy: Never\n" +
         "      command: [\"sh\", \"-c\", \"" + command + "\"]\n" + extra_spec;
}

const char kServe[] = "exec httpd -f -p 80 -h /www";

}  // namespace

TEST_CASE("sync --wait returns once projects run, fails on Failed, times out with 4",
          "[gitops-cli][docker]") {
  AgentCluster cluster;
  TempDir dir;
  std::string web = DockerDaemon::UniqueName("wait");
  std::ofstream(dir.path() + "/web.yaml") << Project(web, kServe);

  auto sync = cluster.RunCaractrl({"sync", dir.path(), "--wait", "--timeout", "60s"});
  INFO(sync.out << sync.err << cluster.AgentLog());
  REQUIRE(sync.exit_code == 0);
  CHECK(sync.err.find("all 1 project(s) ready") != std::string::npos);
  HttpClient api(cluster.url());
  auto live = api.Get("/api/v1/projects/" + web).json;
  CHECK(live["status"]["phase"] == "Running");
  CHECK(live["status"]["observedGeneration"] == live["metadata"]["generation"]);

  SECTION("an update waits for the new generation") {
    std::ofstream(dir.path() + "/web.yaml") << Project(web, std::string("true; ") + kServe);
    auto update = cluster.RunCaractrl({"sync", dir.path(), "--wait", "--timeout", "60s"});
    INFO(update.out << update.err);
    REQUIRE(update.exit_code == 0);
    auto after = api.Get("/api/v1/projects/" + web).json;
    CHECK(after["metadata"]["generation"] == 2);
    CHECK(after["status"]["observedGeneration"] == 2);
    CHECK(after["status"]["phase"] == "Running");
  }
  SECTION("a project that fails ends the wait with exit 1") {
    // An image that is not there under imagePullPolicy: Never fails at once
    // (ImagePullFailed). A command that exits can be seen Running for an
    // instant first, and a wait that sees Running rightly ends with 0.
    std::string crash_yaml = Project(web + "-crash", "exit 3");
    crash_yaml.replace(crash_yaml.find(DockerDaemon::kTestImage),
                       std::string(DockerDaemon::kTestImage).size(), "cara/no-such-image:none");
    std::ofstream(dir.path() + "/crash.yaml") << crash_yaml;
    auto crash = cluster.RunCaractrl({"sync", dir.path(), "--wait", "--timeout", "60s"});
    INFO(crash.out << crash.err);
    CHECK(crash.exit_code == 1);
    CHECK(crash.err.find("failed: " + web + "-crash") != std::string::npos);
  }
  SECTION("a project that cannot be placed times out with exit 4") {
    std::ofstream(dir.path() + "/huge.yaml")
        << Project(web + "-huge", kServe, "  resources:\n    cpu: \"512\"\n");
    auto huge = cluster.RunCaractrl({"sync", dir.path(), "--wait", "--timeout", "2s"});
    INFO(huge.out << huge.err);
    CHECK(huge.exit_code == 4);
    CHECK(huge.err.find("still pending: " + web + "-huge") != std::string::npos);
  }
  SECTION("a deletion waits until the project is gone") {
    std::filesystem::remove(dir.path() + "/web.yaml");
    auto gone =
        cluster.RunCaractrl({"sync", dir.path(), "--wait", "--timeout", "60s", "--allow-empty"});
    INFO(gone.out << gone.err);
    CHECK(gone.exit_code == 0);
    CHECK(api.Get("/api/v1/projects/" + web).status == 404);
  }
}

}  // namespace cara::testing
