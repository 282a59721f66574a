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

// httpd as PID 1 would ignore SIGTERM, and every stop would wait out
// Docker's 10 s grace period; the shell's trap makes stops immediate.
const char kServe[] = "trap 'exit 0' TERM; httpd -f -p 80 -h /www & wait";

// A cluster with one project `web` synced from `dir` with --wait: each case
// below starts from it, as separate test cases so ctest runs them in parallel.
struct SyncedCluster {
  AgentCluster cluster;
  TempDir dir;
  std::string web = DockerDaemon::UniqueName("wait");
  HttpClient api{cluster.url()};

  SyncedCluster() {
    std::ofstream(dir.path() + "/web.yaml") << Project(web, kServe);
    auto sync = cluster.RunCaractrl({"sync", dir.path(), "--wait", "--timeout", "60s"});
    INFO(sync.out << sync.err << cluster.AgentLog());
    REQUIRE(sync.exit_code == 0);
    CHECK(sync.err.find("all 1 project(s) ready") != std::string::npos);
    auto live = api.Get("/api/v1/projects/" + web).json;
    CHECK(live["status"]["phase"] == "Running");
    CHECK(live["status"]["observedGeneration"] == live["metadata"]["generation"]);
  }
};

}  // namespace

TEST_CASE("sync --wait: an update waits for the new generation", "[gitops-cli][docker]") {
  SyncedCluster s;
  std::ofstream(s.dir.path() + "/web.yaml") << Project(s.web, std::string("true; ") + kServe);
  auto update = s.cluster.RunCaractrl({"sync", s.dir.path(), "--wait", "--timeout", "60s"});
  INFO(update.out << update.err);
  REQUIRE(update.exit_code == 0);
  auto after = s.api.Get("/api/v1/projects/" + s.web).json;
  CHECK(after["metadata"]["generation"] == 2);
  CHECK(after["status"]["observedGeneration"] == 2);
  CHECK(after["status"]["phase"] == "Running");
}

TEST_CASE("sync --wait: a project that fails ends the wait with exit 1", "[gitops-cli][docker]") {
  SyncedCluster s;
  // An image that is not there under imagePullPolicy: Never fails at once
  // (ImagePullFailed). A command that exits can be seen Running for an
  // instant first, and a wait that sees Running rightly ends with 0.
  std::string crash_yaml = Project(s.web + "-crash", "exit 3");
  crash_yaml.replace(crash_yaml.find(DockerDaemon::kTestImage),
                     std::string(DockerDaemon::kTestImage).size(), "cara/no-such-image:none");
  std::ofstream(s.dir.path() + "/crash.yaml") << crash_yaml;
  auto crash = s.cluster.RunCaractrl({"sync", s.dir.path(), "--wait", "--timeout", "60s"});
  INFO(crash.out << crash.err);
  CHECK(crash.exit_code == 1);
  CHECK(crash.err.find("failed: " + s.web + "-crash") != std::string::npos);
}

TEST_CASE("sync --wait: a project that cannot be placed times out with exit 4",
          "[gitops-cli][docker]") {
  SyncedCluster s;
  std::ofstream(s.dir.path() + "/huge.yaml")
      << Project(s.web + "-huge", kServe, "  resources:\n    cpu: \"512\"\n");
  auto huge = s.cluster.RunCaractrl({"sync", s.dir.path(), "--wait", "--timeout", "2s"});
  INFO(huge.out << huge.err);
  CHECK(huge.exit_code == 4);
  CHECK(huge.err.find("still pending: " + s.web + "-huge") != std::string::npos);
}

TEST_CASE("sync --wait: a deletion waits until the project is gone", "[gitops-cli][docker]") {
  SyncedCluster s;
  std::filesystem::remove(s.dir.path() + "/web.yaml");
  auto gone =
      s.cluster.RunCaractrl({"sync", s.dir.path(), "--wait", "--timeout", "60s", "--allow-empty"});
  INFO(gone.out << gone.err);
  CHECK(gone.exit_code == 0);
  CHECK(s.api.Get("/api/v1/projects/" + s.web).status == 404);
}

}  // namespace cara::testing
