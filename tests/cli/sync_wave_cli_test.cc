// caravanserai.io/sync-wave through the real caractrl: a bad value is a
// manifest error, and with --wait a real agent must run wave 0 (healthy)
// before wave 1 is even created.
#include <catch2/catch.hpp>

#include <fstream>

#include "support/agent_cluster.h"
#include "support/caractrl.h"
#include "support/docker_daemon.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"
#include "support/watch_reader.h"

namespace cara::testing {
namespace {

using nlohmann::json;

// A busybox project; `wave` empty: no sync-wave annotation.
std::string WaveProject(const std::string& name, const std::string& wave,
                        const std::string& command, const std::string& extra_service = "") {
  std::string yaml =
      "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: " + name + "\n";
  if (!wave.empty()) yaml += "  annotations:\n    caravanserai.io/sync-wave: \"" + wave + "\"\n";
  return yaml + "spec:\n  services:\n    - name: main\n      image: " + DockerDaemon::kTestImage +
         "\n      imagePullPolicy: Never\n" + "      command: [\"sh\", \"-c\", \"" + command +
         "\"]\n" + extra_service;
}

// Serves at once; stops at once on SIGTERM (see gitops_wait_test.cc).
const char kServe[] = "trap 'exit 0' TERM; httpd -f -p 80 -h /www & wait";

// Healthy only ~2 s after it starts: long after its create and its
// container start, so a wave 1 that did not wait would be created first.
const char kSlowToBeHealthy[] =
    "trap 'exit 0' TERM; (sleep 2; touch /tmp/ready) & httpd -f -p 80 -h /www & wait";
const char kReadyCheck[] =
    "      healthcheck:\n        command: [\"test\", \"-f\", \"/tmp/ready\"]\n"
    "        interval: 1s\n        retries: 30\n";

bool RunningAndHealthy(const json& project) {
  if (project["status"].value("phase", "") != "Running") return false;
  for (const auto& c : project["status"].value("conditions", json::array())) {
    if (c.value("type", "") == "Healthy" && c.value("status", "") == "False") return false;
  }
  return true;
}

}  // namespace

TEST_CASE("sync: a sync-wave that is not an integer is a manifest error", "[gitops-cli]") {
  TestServer server{"sqlite"};
  TempDir dir;
  std::ofstream(dir.path() + "/web.yaml") << WaveProject("web", "early", "true");
  auto sync = RunCaractrl(server, {"sync", dir.path()});
  INFO(sync.out << sync.err);
  CHECK(sync.exit_code == 2);
  CHECK(sync.err.find(dir.path() +
                      "/web.yaml:6:32: /metadata/annotations/caravanserai.io~1sync-wave: "
                      "caravanserai.io/sync-wave: \"early\" is not an integer") !=
        std::string::npos);
  auto diff = RunCaractrl(server, {"diff", dir.path()});
  CHECK(diff.exit_code == 2);
}

TEST_CASE("sync --wait: wave 1 is created only after wave 0 runs healthy",
          "[gitops-cli][docker][sync-wave]") {
  AgentCluster cluster;
  TempDir dir;
  const std::string db = DockerDaemon::UniqueName("wave-db");
  const std::string app = DockerDaemon::UniqueName("wave-app");
  std::ofstream(dir.path() + "/db.yaml") << WaveProject(db, "", kSlowToBeHealthy, kReadyCheck);
  std::ofstream(dir.path() + "/app.yaml") << WaveProject(app, "1", kServe);
  WatchReader watch(cluster.url(), "/api/v1/projects?watch=true");
  REQUIRE(watch.status() == 200);

  auto sync = cluster.RunCaractrl({"sync", dir.path(), "--wait", "--timeout", "90s"});
  INFO(sync.out << sync.err << cluster.AgentLog());
  REQUIRE(sync.exit_code == 0);
  CHECK(sync.err.find("waiting for wave 0 (1 project(s)) before wave 1") != std::string::npos);
  CHECK(sync.out.find("+ create project/" + app + " [wave 1]") != std::string::npos);

  // The store's changes in commit order: db must have been seen Running and
  // healthy before app was added.
  bool db_ready = false;
  std::vector<std::string> seen;
  for (auto e = watch.Next(); e; e = watch.Next()) {
    const json& object = (*e)["object"];
    const std::string name = object["metadata"].value("name", "");
    seen.push_back(WatchSummary(*e) + " " + object["status"].value("phase", ""));
    if (name == db && RunningAndHealthy(object)) db_ready = true;
    if (name == app && (*e)["type"] == "ADDED") break;
  }
  INFO(::Catch::Detail::stringify(seen));
  REQUIRE(seen.size() > 0);
  CHECK(seen.back().rfind("ADDED " + app, 0) == 0);
  CHECK(db_ready);
}

TEST_CASE("sync without --wait: waves only order the writes", "[gitops-cli][docker][sync-wave]") {
  AgentCluster cluster;
  TempDir dir;
  const std::string db = DockerDaemon::UniqueName("wave-db");
  const std::string app = DockerDaemon::UniqueName("wave-app");
  std::ofstream(dir.path() + "/db.yaml") << WaveProject(db, "", kSlowToBeHealthy, kReadyCheck);
  std::ofstream(dir.path() + "/app.yaml") << WaveProject(app, "1", kServe);
  WatchReader watch(cluster.url(), "/api/v1/projects?watch=true");
  REQUIRE(watch.status() == 200);
  auto sync = cluster.RunCaractrl({"sync", dir.path()});
  INFO(sync.out << sync.err);
  REQUIRE(sync.exit_code == 0);
  CHECK(sync.err.find("waiting for wave") == std::string::npos);
  // db is added first, and app long before db can be ready: the control for
  // the test above.
  bool db_added = false, db_ready = false, app_added = false;
  for (auto e = watch.Next(); e && !app_added; e = watch.Next()) {
    const std::string name = (*e)["object"]["metadata"].value("name", "");
    db_added = db_added || WatchSummary(*e) == "ADDED " + db;
    db_ready = db_ready || (name == db && RunningAndHealthy((*e)["object"]));
    app_added = WatchSummary(*e) == "ADDED " + app;
  }
  CHECK(app_added);
  CHECK(db_added);
  CHECK_FALSE(db_ready);
}

}  // namespace cara::testing
