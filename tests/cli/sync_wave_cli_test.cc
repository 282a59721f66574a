// caravanserai.io/sync-wave through the real caractrl: a bad value is a
// manifest error, and with --wait a real agent must run wave 0 (healthy)
// before wave 1 is even created.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "support/agent_cluster.h"
#include "support/caractrl.h"
#include "support/docker_daemon.h"
#include "support/http_client.h"
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

// db in wave 0, slow to be healthy, and app in wave 1, in a source
// directory; the project changes of the cluster are watched from the start.
struct TwoWaves {
  AgentCluster cluster;
  TempDir dir;
  const std::string db = DockerDaemon::UniqueName("wave-db");
  const std::string app = DockerDaemon::UniqueName("wave-app");
  WatchReader watch{cluster.url(), "/api/v1/projects?watch=true"};

  TwoWaves() {
    std::ofstream(dir.path() + "/db.yaml") << WaveProject(db, "", kSlowToBeHealthy, kReadyCheck);
    std::ofstream(dir.path() + "/app.yaml") << WaveProject(app, "1", kServe);
    REQUIRE(watch.status() == 200);
  }

  struct Seen {
    bool found = false;               // the awaited event came
    bool db_ready = false;            // db was seen Running and healthy before it
    bool db_terminating = false;      // db was seen Terminating before it
    std::vector<std::string> events;  // "ADDED name Phase"
  };

  // The changes until `summary` ("ADDED app"), in commit order.
  Seen ReadUntil(const std::string& summary) {
    Seen seen;
    while (!seen.found) {
      auto e = watch.Next();
      if (!e) break;
      const json& object = (*e)["object"];
      const std::string phase = object["status"].value("phase", "");
      seen.events.push_back(WatchSummary(*e) + " " + phase);
      seen.found = WatchSummary(*e) == summary;
      if (object["metadata"].value("name", "") != db) continue;
      seen.db_ready = seen.db_ready || RunningAndHealthy(object);
      seen.db_terminating = seen.db_terminating || phase == "Terminating";
    }
    return seen;
  }
};

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

TEST_CASE("sync --wait: wave 1 is created only after wave 0 runs healthy, and deleted first",
          "[gitops-cli][docker][sync-wave]") {
  TwoWaves w;
  auto sync = w.cluster.RunCaractrl({"sync", w.dir.path(), "--wait", "--timeout", "90s"});
  INFO(sync.out << sync.err << w.cluster.AgentLog());
  REQUIRE(sync.exit_code == 0);
  CHECK(sync.err.find("waiting for wave 0 (1 project(s)) before wave 1") != std::string::npos);
  CHECK(sync.out.find("+ create project/" + w.app + " [wave 1]") != std::string::npos);
  // The store's changes in commit order: db was Running and healthy before
  // app was added.
  TwoWaves::Seen created = w.ReadUntil("ADDED " + w.app);
  INFO(::Catch::Detail::stringify(created.events));
  CHECK(created.found);
  CHECK(created.db_ready);

  // Pruning both: wave 1 (app) is gone before wave 0 (db) is even deleted.
  std::filesystem::remove(w.dir.path() + "/db.yaml");
  std::filesystem::remove(w.dir.path() + "/app.yaml");
  auto prune =
      w.cluster.RunCaractrl({"sync", w.dir.path(), "--wait", "--timeout", "90s", "--allow-empty"});
  INFO(prune.out << prune.err);
  REQUIRE(prune.exit_code == 0);
  CHECK(prune.err.find("waiting for wave 1 deletes (1 project(s)) before wave 0 deletes") !=
        std::string::npos);
  TwoWaves::Seen deleted = w.ReadUntil("DELETED " + w.app);
  INFO(::Catch::Detail::stringify(deleted.events));
  CHECK(deleted.found);
  CHECK_FALSE(deleted.db_terminating);
}

TEST_CASE("sync --wait: a wave that fails leaves the later waves unwritten",
          "[gitops-cli][docker][sync-wave]") {
  AgentCluster cluster;
  TempDir dir;
  const std::string db = DockerDaemon::UniqueName("wave-db");
  const std::string app = DockerDaemon::UniqueName("wave-app");
  // Under imagePullPolicy: Never a missing image fails at once.
  std::string broken = WaveProject(db, "", kServe);
  broken.replace(broken.find(DockerDaemon::kTestImage),
                 std::string(DockerDaemon::kTestImage).size(), "cara/no-such-image:none");
  std::ofstream(dir.path() + "/db.yaml") << broken;
  std::ofstream(dir.path() + "/app.yaml") << WaveProject(app, "1", kServe);
  auto sync = cluster.RunCaractrl({"sync", dir.path(), "--wait", "--timeout", "60s"});
  INFO(sync.out << sync.err);
  CHECK(sync.exit_code == 1);
  CHECK(sync.err.find("failed: " + db) != std::string::npos);
  CHECK(sync.err.find("1 action(s) of later waves not run") != std::string::npos);
  HttpClient api(cluster.url());
  CHECK(api.Get("/api/v1/projects/" + app).status == 404);
}

TEST_CASE("sync without --wait: waves only order the writes", "[gitops-cli][docker][sync-wave]") {
  TwoWaves w;
  auto sync = w.cluster.RunCaractrl({"sync", w.dir.path()});
  INFO(sync.out << sync.err);
  REQUIRE(sync.exit_code == 0);
  CHECK(sync.err.find("waiting for wave") == std::string::npos);
  // db is added first, and app long before db can be ready: the control for
  // the test above.
  TwoWaves::Seen seen = w.ReadUntil("ADDED " + w.app);
  INFO(::Catch::Detail::stringify(seen.events));
  CHECK(seen.found);
  CHECK(seen.events.front().rfind("ADDED " + w.db, 0) == 0);
  CHECK_FALSE(seen.db_ready);
}

}  // namespace cara::testing
