// The real cara-agent binary watching its assignments on a real server and
// dockerd: with its resync and poll intervals at an hour, only the watch can
// start a project placed on it.
#include <catch2/catch.hpp>

#include "support/agent_cluster.h"
#include "support/docker_daemon.h"
#include "support/eventually.h"
#include "support/http_client.h"

namespace cara::testing {
namespace {

nlohmann::json Spec() {
  return {{"services",
           {{{"name", "web"},
             {"image", DockerDaemon::kTestImage},
             {"command", {"sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"}}}}}};
}

}  // namespace

TEST_CASE("agent watch: a project placed on an idle agent runs at once, not at its next poll",
          "[agent][watch][e2e]") {
  AgentCluster cluster;
  HttpClient api(cluster.url());
  // Registered: the agent is up (signalled any earlier, it may not be yet).
  REQUIRE(Eventually([&] { return api.Get("/api/v1/nodes/" + cluster.node()).status == 200; }));
  cluster.StopAgent();
  cluster.SetAgentIntervals("1h", "1h");
  cluster.StartAgent();
  // The first one may be the agent's first pass; the second can only come
  // through the watch, an hour before the next resync or poll.
  cluster.RunProject(DockerDaemon::UniqueName("first"), Spec());
  auto start = std::chrono::steady_clock::now();
  const std::string second = DockerDaemon::UniqueName("second");
  cluster.RunProject(second, Spec());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(30));
  CHECK(cluster.AgentLog().find("watching assigned projects") != std::string::npos);

  // A deletion reaches it the same way.
  REQUIRE(api.Delete("/api/v1/projects/" + second).status / 100 == 2);
  CHECK(Eventually([&] { return api.Get("/api/v1/projects/" + second).status == 404; }));
}

}  // namespace cara::testing
