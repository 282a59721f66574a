// Restart policies and dependsOn on the real path: the real cara-agent on a
// private dockerd, an in-process cara-server. The back-off itself is proven
// under a fake clock in reconciler_restart_test.cc; here the first restart
// (10 s after the crash) and the start order are observed on real containers.
#include <catch2/catch.hpp>

#include "agent/docker_client.h"
#include "api/codec.h"
#include "api/lifecycle.h"
#include "common/time_format.h"
#include "support/agent_cluster.h"
#include "support/docker_daemon.h"
#include "support/eventually.h"
#include "support/http_client.h"

namespace cara::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const char kSleeper[] = "trap 'exit 0' TERM; while true; do sleep 1; done";

json Service(const std::string& name, const std::string& script,
             const std::string& image = DockerDaemon::kTestImage) {
  return {{"name", name}, {"image", image}, {"command", {"sh", "-c", script}}};
}

void Create(AgentCluster& cluster, const std::string& name, const json& spec) {
  HttpClient api(cluster.url());
  auto r = api.PostJson("/api/v1/projects", {{"metadata", {{"name", name}}}, {"spec", spec}});
  INFO(r.body);
  REQUIRE(r.status == 201);
}

json Status(AgentCluster& cluster, const std::string& name) {
  HttpClient api(cluster.url());
  auto r = api.Get("/api/v1/projects/" + name);
  return r.status == 200 ? r.json.value("status", json::object()) : json::object();
}

json FindByKey(const json& list, const std::string& key, const std::string& value) {
  if (list.is_array()) {
    for (const auto& item : list) {
      if (item.value(key, "") == value) return item;
    }
  }
  return json::object();
}

// An image whose containers are healthy once /tmp/ready exists, probed every
// second: the same check the spec below declares, built into the image so
// the test does not depend on how the agent passes healthchecks to Docker.
std::string ImageHealthyWhenReady() {
  DockerDaemon& docker = DockerDaemon::Shared();
  docker.EnsureTestImage();
  const std::string name = DockerDaemon::UniqueName("healthbase");
  json config = {{"Image", DockerDaemon::kTestImage},
                 {"Cmd", {"true"}},
                 {"Healthcheck",
                  {{"Test", {"CMD", "test", "-f", "/tmp/ready"}},
                   {"Interval", 1000000000},
                   {"Timeout", 1000000000},
                   {"Retries", 3}}}};
  auto created = docker.Request("POST", "/v1.41/containers/create?name=" + name, config.dump());
  REQUIRE(created.status == 201);
  const std::string tag = DockerDaemon::UniqueName("healthy");
  auto committed =
      docker.Request("POST", "/v1.41/commit?container=" + name + "&repo=cara/busybox&tag=" + tag);
  REQUIRE(committed.status == 201);
  REQUIRE(docker.Request("DELETE", "/v1.41/containers/" + name).status == 204);
  return "cara/busybox:" + tag;
}

Timestamp StartedAt(agent::DockerClient& docker, const std::string& container) {
  auto info = docker.InspectContainer(container);
  REQUIRE(info.ok());
  auto t = ParseRfc3339(info->started_at);
  REQUIRE(t.ok());
  return *t;
}

}  // namespace

TEST_CASE("agent: an OnFailure service that exits 1 is restarted, counted and CrashLoopBackOff",
          "[agent][e2e][restart]") {
  AgentCluster cluster;
  std::string p = DockerDaemon::UniqueName("loop");
  json bad = Service("bad", "exit 1");
  bad["restartPolicy"] = "OnFailure";
  Create(cluster, p, {{"services", {Service("ok", kSleeper), bad}}});

  // The first back-off is 10 s: allow it plus the passes around it.
  json status;
  bool restarted = Eventually(
      [&] {
        status = Status(cluster, p);
        return FindByKey(status["services"], "name", "bad").value("restartCount", 0) >= 1;
      },
      40s);
  INFO(status.dump() << "\n" << cluster.AgentLog());
  REQUIRE(restarted);
  CHECK(status.value("phase", "") == "Running");
  CHECK(FindByKey(status["services"], "name", "ok").value("restartCount", 0) == 0);
  json cond = FindByKey(status["conditions"], "type", "Restarting");
  CHECK(cond.value("status", "") == "True");
  CHECK(cond.value("reason", "") == "CrashLoopBackOff");
  CHECK(cond.value("message", "").rfind("bad restarted ", 0) == 0);
  CHECK(cond.value("message", "").find("times, last exit=1") != std::string::npos);
  // Docker restarted nothing by itself: the restart was the agent's.
  agent::DockerClient docker(DockerDaemon::Shared().endpoint());
  auto info = docker.InspectContainer(p + "-bad");
  REQUIRE(info.ok());
  CHECK(info->exit_code == 1);
}

TEST_CASE("agent: dependsOn Healthy starts the dependent only after its dependency is healthy",
          "[agent][e2e][depends-on]") {
  AgentCluster cluster;
  std::string p = DockerDaemon::UniqueName("order");
  json db =
      Service("db", "sleep 3; touch /tmp/ready; " + std::string(kSleeper), ImageHealthyWhenReady());
  db["healthcheck"] = {{"command", {"test", "-f", "/tmp/ready"}}, {"interval", "1s"}};
  json web = Service("web", kSleeper);
  web["dependsOn"] = {{{"service", "db"}, {"condition", "Healthy"}}};
  Create(cluster, p, {{"services", {web, db}}});

  agent::DockerClient docker(DockerDaemon::Shared().endpoint());
  bool web_running = Eventually(
      [&] {
        auto info = docker.InspectContainer(p + "-web");
        return info.ok() && info->state == "running";
      },
      40s);
  INFO(Status(cluster, p).dump() << "\n" << cluster.AgentLog());
  REQUIRE(web_running);
  auto db_info = docker.InspectContainer(p + "-db");
  REQUIRE(db_info.ok());
  CHECK(db_info->health == "healthy");
  // db can be healthy no sooner than 3 s after it started (the file comes
  // then); web started after that, not with db.
  CHECK(StartedAt(docker, p + "-web") >= StartedAt(docker, p + "-db") + 3s);
  CHECK(Eventually([&] { return Status(cluster, p).value("phase", "") == "Running"; }));
}

}  // namespace cara::testing
