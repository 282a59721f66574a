// The dashboard in a real browser (Debian's chromium, driven headless by the
// node scripts beside this file) against a real cluster: an in-process
// cara-server over HTTPS with tokens and controllers, and the real agent on
// the private dockerd. Each case starts one cluster and runs scenarios on it.
#include <catch2/catch.hpp>

#include <fstream>

#include "common/time_format.h"
#include "support/docker_daemon.h"
#include "support/temp_dir.h"
#include "ui/ui_cluster.h"

namespace cara::testing {
namespace {

const char kSleeper[] = "trap 'exit 0' TERM; while true; do sleep 1; done";

// A preview-like expiry two hours out: the project pages then show the
// countdown and, to those who may act, "Extend expiry".
std::string ExpiryInTwoHours() {
  return FormatRfc3339Seconds(SystemClock::Default()->Now() + std::chrono::hours(2));
}

// A project that runs until it is told to stop (a plain `sleep` as PID 1
// ignores SIGTERM, and deleting would wait for the kill timeout).
nlohmann::json SleeperSpec() {
  nlohmann::json service = {{"name", "main"}, {"image", DockerDaemon::kTestImage}};
  service["command"] = {"sh", "-c", kSleeper};
  return {{"services", {service}}, {"expireAt", ExpiryInTwoHours()}};
}

// The same project as a manifest, for caractrl sync (which records a sync
// run for the Sync runs page).
std::string SleeperManifest(const std::string& name) {
  return "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: " + name +
         "\nspec:\n  expireAt: \"" + ExpiryInTwoHours() + "\"\n  services:\n    - name: main\n" +
         "      image: " + DockerDaemon::kTestImage + "\n      imagePullPolicy: Never\n" +
         "      command: [\"sh\", \"-c\", \"" + kSleeper + "\"]\n";
}

void RequirePasses(const UiCluster& cluster, const std::string& script,
                   const std::map<std::string, std::string>& env = {}) {
  ProcessResult r = cluster.RunScenario(script, env);
  INFO(script << " exited " << r.exit_code << "\n" << r.out << r.err);
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("ui: a wrong token is told so and a viewer sees no actions", "[ui]") {
  UiCluster cluster;
  const std::string project = DockerDaemon::UniqueName("ui-viewer");
  cluster.RunProject(project, SleeperSpec());
  RequirePasses(cluster, "wrong_token.mjs");
  RequirePasses(cluster, "viewer.mjs", {{"CARA_PROJECT", project}});
}

TEST_CASE("ui: a new project turns Running and a deleted one disappears without a reload", "[ui]") {
  UiCluster cluster;
  RequirePasses(cluster, "project_live.mjs",
                {{"CARA_PROJECT", DockerDaemon::UniqueName("ui-live")}});
}

TEST_CASE("ui: a deployer drains and undrains a node from its page", "[ui]") {
  UiCluster cluster;
  RequirePasses(cluster, "drain.mjs");
}

TEST_CASE(
    "ui: every page at desktop and 375 px, the first load's size, one watch per kind, "
    "an admin's project actions",
    "[ui]") {
  UiCluster cluster;
  const std::string project = DockerDaemon::UniqueName("ui-pages");
  TempDir manifests;
  std::ofstream(manifests.path() + "/" + project + ".yaml") << SleeperManifest(project);
  ProcessResult sync =
      cluster.RunCaractrl({"sync", manifests.path(), "--wait", "--timeout", "60s"});
  INFO(sync.out << sync.err << cluster.AgentLog());
  REQUIRE(sync.exit_code == 0);
  RequirePasses(cluster, "pages.mjs", {{"CARA_PROJECT", project}});
  RequirePasses(cluster, "first_load.mjs", {{"CARA_PROJECT", project}});
  RequirePasses(cluster, "project_actions.mjs", {{"CARA_PROJECT", project}});
}

}  // namespace cara::testing
