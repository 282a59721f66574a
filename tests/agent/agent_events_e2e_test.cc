// The agent's events against real components: the real cara-agent on a
// private dockerd posts them to an in-process cara-server, which serves
// them to the real caractrl. An image change of a running project is one
// Recreated event naming it; an env change names the variable, not its value.
#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "support/agent_cluster.h"
#include "support/docker_daemon.h"
#include "support/eventually.h"
#include "support/http_client.h"

namespace cara::testing {
namespace {

using nlohmann::json;

const char kSecondTag[] = "cara/busybox:events-v2";
const char kSleeper[] = "trap 'exit 0' TERM; while true; do sleep 1; done";

// The test image under a second name: a real image change without a registry.
void TagSecondImage() {
  DockerDaemon& docker = DockerDaemon::Shared();
  docker.EnsureTestImage();
  auto reply = docker.Request("POST", std::string("/v1.41/images/") + DockerDaemon::kTestImage +
                                          "/tag?repo=cara/busybox&tag=events-v2");
  INFO(reply.body);
  REQUIRE(reply.status == 201);
}

json Spec(const std::string& image, const std::string& db_host) {
  return {{"services",
           {{{"name", "web"},
             {"image", image},
             {"command", {"sh", "-c", kSleeper}},
             {"env", {{{"name", "DB_HOST"}, {"value", db_host}}}}}}}};
}

// The messages of the project's events with `reason`.
std::vector<std::string> Messages(HttpClient& api, const std::string& project,
                                  const std::string& reason) {
  auto r = api.Get("/api/v1/events?involvedObject=project/" + project);
  std::vector<std::string> out;
  if (r.status != 200) return out;
  for (const json& e : r.json["items"]) {
    if (e["reason"] == reason) out.push_back(e["message"].get<std::string>());
  }
  return out;
}

void Replace(HttpClient& api, const std::string& project, const json& spec, int generation) {
  auto r = api.PutJson("/api/v1/projects/" + project,
                       {{"metadata", {{"name", project}}}, {"spec", spec}});
  REQUIRE(r.status == 200);
  REQUIRE(Eventually([&] {
    auto p = api.Get("/api/v1/projects/" + project);
    return p.json["status"].value("observedGeneration", 0) == generation &&
           p.json["status"].value("phase", "") == "Running";
  }));
}

}  // namespace

TEST_CASE("agent events: an image change of a running project is a Recreated event",
          "[agent][e2e][events]") {
  TagSecondImage();
  AgentCluster cluster;
  HttpClient api(cluster.url());
  const std::string p = DockerDaemon::UniqueName("evt");
  cluster.RunProject(p, Spec(DockerDaemon::kTestImage, "db-1"));
  REQUIRE(Eventually([&] { return !Messages(api, p, "Started").empty(); }));
  CHECK(Messages(api, p, "Created") ==
        std::vector<std::string>{"web: created container " + p + "-web"});
  CHECK(Messages(api, p, "Scheduled") ==
        std::vector<std::string>{"Successfully assigned " + p + " to " + cluster.node()});

  Replace(api, p, Spec(kSecondTag, "db-1"), 2);
  const std::string image_change =
      std::string("web: image ") + DockerDaemon::kTestImage + " → " + kSecondTag;
  REQUIRE(Eventually([&] { return !Messages(api, p, "Recreated").empty(); }));
  CHECK(Messages(api, p, "Recreated") == std::vector<std::string>{image_change});

  Replace(api, p, Spec(kSecondTag, "db-secret-host-2"), 3);
  REQUIRE(Eventually([&] { return Messages(api, p, "Recreated").size() == 2; }));
  CHECK(Messages(api, p, "Recreated")[1] == "web: env DB_HOST changed");
  auto all = api.Get("/api/v1/events?involvedObject=project/" + p);
  CHECK(all.body.find("db-secret-host-2") == std::string::npos);
  auto recreated = all.json["items"];
  for (const json& e : recreated) {
    if (e["reason"] == "Recreated") CHECK(e["source"]["node"] == cluster.node());
  }

  // The real caractrl shows them: get events, and describe's last section.
  ProcessResult table = cluster.RunCaractrl({"get", "events", "--for", "project/" + p});
  INFO(table.err);
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.rfind("LAST SEEN   TYPE", 0) == 0);
  CHECK(table.out.find("Recreated") != std::string::npos);
  CHECK(table.out.find(image_change) != std::string::npos);
  ProcessResult described = cluster.RunCaractrl({"describe", "project", p});
  REQUIRE(described.exit_code == 0);
  const size_t events = described.out.find("\nEvents:\n");
  REQUIRE(events != std::string::npos);
  CHECK(described.out.find("web: env DB_HOST changed", events) != std::string::npos);
  CHECK(described.out.find("cara-agent, " + cluster.node(), events) != std::string::npos);
}

}  // namespace cara::testing
