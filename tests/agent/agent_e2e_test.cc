// The whole node path against real components: a cara-server (SQLite, short
// controller timings) on loopback, a private dockerd, and the real cara-agent
// binary, which is killed and restarted where the scenario needs it.
#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>
#include <sstream>

#include "agent/docker_client.h"
#include "support/agent_cluster.h"
#include "support/docker_daemon.h"
#include "support/eventually.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// The cluster plus what the scenarios inspect: the API and dockerd.
class Node : public AgentCluster {
 public:
  Node() : docker_(DockerDaemon::Shared().endpoint()) {}

  HttpClient& api() { return api_; }
  const std::string& name() const { return node(); }
  std::string NodeState() {
    HttpClient c(url());
    auto r = c.Get("/api/v1/nodes/" + node());
    return r.status == 200 ? r.json["status"].value("state", "") : "";
  }
  agent::DockerClient& docker() { return docker_; }

  void Create(const std::string& name, json spec) {
    auto r = api_.PostJson("/api/v1/projects", {{"metadata", {{"name", name}}}, {"spec", spec}});
    REQUIRE(r.status == 201);
  }
  json Project(const std::string& name) {
    HttpClient c(url());
    auto r = c.Get("/api/v1/projects/" + name);
    return r.status == 200 ? r.json : json{{"gone", true}};
  }
  std::string Phase(const std::string& name) {
    json p = Project(name);
    return p.contains("status") ? p["status"].value("phase", "") : "";
  }
  json WaitPhase(const std::string& name, const std::string& phase) {
    json p;
    Eventually([&] {
      p = Project(name);
      return p.contains("status") && p["status"].value("phase", "") == phase;
    });
    return p;
  }
  // Returns once the agent has run a whole reconcile pass that began after
  // the call: a deterministic "the agent has looked again", for asserting
  // that it left something alone.
  bool AwaitReconcilePass() {
    // Each pass lists the node's projects three times (assigned, failed,
    // running); nothing else here lists projects. Of the next six listings at
    // most two belong to a pass already under way.
    int start = ProjectListings();
    return Eventually([&] { return ProjectListings() >= start + 6; });
  }
  size_t ContainersOf(const std::string& project) {
    auto list = docker_.ListContainers({{"cara.project", project}});
    return list.ok() ? list->size() : 999;
  }
  std::string ContainerId(const std::string& name) {
    auto info = docker_.InspectContainer(name);
    return info.ok() ? info->id : "";
  }

 private:
  // GET /api/v1/projects requests the server has answered, from its metrics.
  int ProjectListings() {
    HttpClient c(url());
    auto r = c.Get("/metrics");
    const std::string prefix =
        "cara_http_requests_total{method=\"GET\",route=\"/api/v1/projects\",";
    int n = 0;
    std::istringstream lines(r.body);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(prefix, 0) == 0) n += std::stoi(line.substr(line.rfind(' ') + 1));
    }
    return n;
  }

  HttpClient api_{url()};
  agent::DockerClient docker_;
};

json Service(const std::string& name, std::vector<std::string> command = {}) {
  json s = {{"name", name}, {"image", DockerDaemon::kTestImage}};
  if (!command.empty()) s["command"] = command;
  return s;
}

json WithMount(json service, const std::string& volume, const std::string& path) {
  service["volumeMounts"] = {{{"name", volume}, {"mountPath", path}}};
  return service;
}

std::vector<std::string> Sh(const std::string& script) { return {"sh", "-c", script}; }

const char kSleeper[] = "trap 'exit 0' TERM; while true; do sleep 1; done";

}  // namespace

TEST_CASE("agent: a two-service project runs and its logs and ingress reach it", "[agent][e2e]") {
  Node n;
  std::string p = DockerDaemon::UniqueName("shop");
  const std::string client_script =
      "for i in $(seq 1 100); do wget -q -O - http://web/ && exec sh -c \"" +
      std::string(kSleeper) + "\"; sleep 0.1; done; exit 1";
  json client = WithMount(Service("client", Sh(client_script)), "data", "/data");
  n.Create(p, {{"services", {Service("web"), client}},
               {"volumes", {{{"name", "data"}, {"type", "Ephemeral"}}}},
               {"ingress",
                {{{"name", "http"},
                  {"host", p + ".example.test"},
                  {"target", {{"service", "web"}, {"port", 80}}}}}}});
  json running = n.WaitPhase(p, "Running");
  INFO(n.AgentLog());
  REQUIRE(running["status"].value("phase", "") == "Running");
  CHECK(running["status"]["observedGeneration"] == 1);
  CHECK(running["status"]["conditions"][0]["reason"] == "ContainersRunning");

  // The client found web by name over the project network and keeps running.
  // Its logs come through the server, which reads them from the agent over
  // mutual TLS. (Port-forward through the server to a real container is
  // tests/cli/logs_portforward_test.cc's.)
  REQUIRE(Eventually([&] {
    auto logs = n.api().Get("/api/v1/projects/" + p + "/logs?service=client");
    return logs.status == 200 && logs.body.find(DockerDaemon::kTestPage) != std::string::npos;
  }));
  REQUIRE(n.AwaitReconcilePass());
  CHECK(n.Phase(p) == "Running");

  // Ingress: the proxy routes by Host header to the container.
  bool routed = Eventually([&] {
    HttpClient proxy("http://127.0.0.1:" + std::to_string(n.proxy_port()));
    auto r = proxy.Send("GET", "/", "", "", {{"Host", p + ".example.test"}});
    return r.status == 200 && r.body == DockerDaemon::kTestPage;
  });
  if (!routed) FAIL_CHECK(n.AgentLog());
  HttpClient proxy("http://127.0.0.1:" + std::to_string(n.proxy_port()));
  auto unknown = proxy.Send("GET", "/", "", "", {{"Host", "nobody.example.test"}});
  CHECK(unknown.status == 502);

  // Delete: every container, the network and the volumes go, then the record.
  REQUIRE(n.api().Delete("/api/v1/projects/" + p).status == 202);
  CHECK(Eventually([&] { return n.Project(p).contains("gone"); }));
  CHECK(n.ContainersOf(p) == 0);
  CHECK(agent::KindOf(n.docker().NetworkExists("cara-" + p)) == agent::DockerErrorKind::kNotFound);
  CHECK(agent::KindOf(n.docker().VolumeExists("cara-" + p + "-data")) ==
        agent::DockerErrorKind::kNotFound);
}

TEST_CASE("agent: a crashing service fails the project with the reason", "[agent][e2e]") {
  Node n;
  std::string p = DockerDaemon::UniqueName("crash");
  n.Create(p, {{"services", {Service("ok", Sh(kSleeper)), Service("bad", Sh("exit 3"))}}});
  json failed = n.WaitPhase(p, "Failed");
  REQUIRE(failed["status"].value("phase", "") == "Failed");
  json cond = failed["status"]["conditions"][0];
  CHECK((cond["reason"] == "ContainerExited" || cond["reason"] == "ContainerCrashed"));
  CHECK(cond["message"].get<std::string>().find("bad(exit=3)") != std::string::npos);
  // A Failed project's containers stay for `caractrl logs`.
  REQUIRE(n.AwaitReconcilePass());
  CHECK(n.ContainersOf(p) == 2);
}

TEST_CASE("agent: a missing image fails with ImagePullFailed", "[agent][e2e]") {
  Node n;
  std::string p = DockerDaemon::UniqueName("noimage");
  n.Create(p, {{"services",
                {{{"name", "web"},
                  {"image", "example.invalid/none:1"},
                  {"imagePullPolicy", "IfNotPresent"}}}}});
  json failed = n.WaitPhase(p, "Failed");
  REQUIRE(failed["status"].value("phase", "") == "Failed");
  CHECK(failed["status"]["conditions"][0]["reason"] == "ImagePullFailed");
}

TEST_CASE("agent: a spec change recreates only the changed service", "[agent][e2e]") {
  Node n;
  std::string p = DockerDaemon::UniqueName("roll");
  json spec = {{"services", {Service("a", Sh(kSleeper)), Service("b", Sh(kSleeper))}}};
  n.Create(p, spec);
  REQUIRE(n.WaitPhase(p, "Running")["status"].value("phase", "") == "Running");
  std::string a = n.ContainerId(p + "-a"), b = n.ContainerId(p + "-b");
  REQUIRE(!a.empty());
  REQUIRE(!b.empty());

  spec["services"][1]["env"] = {{{"name", "VERSION"}, {"value", "2"}}};
  REQUIRE(n.api()
              .PutJson("/api/v1/projects/" + p, {{"metadata", {{"name", p}}}, {"spec", spec}})
              .status == 200);
  REQUIRE(Eventually([&] {
    json q = n.Project(p);
    return q["status"].value("observedGeneration", 0) == 2 &&
           q["status"].value("phase", "") == "Running";
  }));
  CHECK(n.ContainerId(p + "-a") == a);
  CHECK(n.ContainerId(p + "-b") != b);
  CHECK(n.ContainersOf(p) == 2);
}

TEST_CASE("agent: killed mid-reconcile and restarted it converges without duplicates",
          "[agent][e2e]") {
  Node n;
  std::string p = DockerDaemon::UniqueName("restart");
  n.Create(p,
           {{"services",
             {Service("a", Sh(kSleeper)), Service("b", Sh(kSleeper)), Service("c", Sh(kSleeper))}},
            {"volumes", {{{"name", "data"}, {"type", "Ephemeral"}}}}});
  // Kill the agent as soon as it has started creating containers.
  REQUIRE(Eventually([&] { return n.ContainersOf(p) >= 1; }));
  n.KillAgent();
  n.StartAgent();
  REQUIRE(n.WaitPhase(p, "Running")["status"].value("phase", "") == "Running");
  CHECK(n.ContainersOf(p) == 3);

  // Force-deleting the record leaves orphans, which the agent removes.
  REQUIRE(n.api().Delete("/api/v1/projects/" + p + "?force=true").status == 204);
  bool cleaned = Eventually([&] { return n.ContainersOf(p) == 0; });
  if (!cleaned) FAIL_CHECK(n.AgentLog());
  CHECK(Eventually([&] {
    return agent::KindOf(n.docker().NetworkExists("cara-" + p)) ==
           agent::DockerErrorKind::kNotFound;
  }));
  CHECK(Eventually([&] {
    return agent::KindOf(n.docker().VolumeExists("cara-" + p + "-data")) ==
           agent::DockerErrorKind::kNotFound;
  }));
}

TEST_CASE("agent: heartbeats report the host and re-register when the node is deleted",
          "[agent][e2e]") {
  Node n;
  REQUIRE(Eventually([&] { return n.NodeState() == "Ready"; }));
  auto node = n.api().Get("/api/v1/nodes/" + n.name());
  REQUIRE(node.status == 200);
  const auto& status = node.json["status"];
  CHECK(status["network"]["ip"] == "127.0.0.1");
  CHECK(status["network"]["agentPort"] == n.agent_port());
  CHECK(status["capacity"]["cpu"].get<std::string>().back() == 'm');
  CHECK(status["allocatable"]["memory"].get<std::string>().find("Mi") != std::string::npos);
  CHECK_FALSE(status["info"]["kernelVersion"].get<std::string>().empty());
  CHECK(node.json["spec"]["hostname"] == n.name());

  REQUIRE(n.api().Delete("/api/v1/nodes/" + n.name()).status == 204);
  CHECK(Eventually([&] { return n.NodeState() == "Ready"; }));
}

}  // namespace cara::testing

namespace cara::testing {
namespace {

// What the node's status says about Docker: "<state> DockerReady=<status>".
std::string DockerState(const json& node) {
  if (!node.contains("status") || !node["status"].is_object()) return "unknown";
  std::string docker = "none";
  for (const auto& c : node["status"].value("conditions", json::array())) {
    if (c["type"] == "DockerReady") docker = c["status"];
  }
  return node["status"].value("state", "") + " DockerReady=" + docker;
}

// Thaws the shared dockerd however the test ends.
struct ResumeOnExit {
  ~ResumeOnExit() {
    if (paused) DockerDaemon::Shared().Resume();
  }
  bool paused = false;
};

}  // namespace

TEST_CASE("agent: a node whose Docker does not answer is NotReady with DockerReady=False",
          "[agent][e2e][docker-ready]") {
  // The agent starts on a socket path where no dockerd listens yet.
  TempDir tmp;
  const std::string socket = tmp.path() + "/docker.sock";
  AgentCluster cluster("unix://" + socket);
  HttpClient api(cluster.url());
  auto node = [&] { return api.Get("/api/v1/nodes/" + cluster.node()).json; };
  auto docker_state = [&](const std::string& want) {
    return Eventually([&] { return DockerState(node()) == want; });
  };
  INFO(cluster.AgentLog());
  REQUIRE(docker_state("NotReady DockerReady=False"));
  json down = node();
  CHECK(down["status"].contains("lastHeartbeat"));  // it keeps heartbeating
  for (const auto& c : down["status"]["conditions"]) {
    if (c["type"] == "Ready") CHECK(c["reason"] == "DockerUnavailable");
  }

  // Nothing is placed there.
  const std::string p = DockerDaemon::UniqueName("nodocker");
  REQUIRE(
      api.PostJson("/api/v1/projects", {{"metadata", {{"name", p}}},
                                        {"spec", {{"services", {Service("web", Sh(kSleeper))}}}}})
          .status == 201);
  auto project = [&] { return api.Get("/api/v1/projects/" + p).json; };
  REQUIRE(Eventually([&] { return !project()["status"].value("conditions", json()).is_null(); }));
  CHECK(project()["status"]["phase"] == "Pending");
  CHECK(project()["status"]["conditions"][0]["message"] == "0/1 nodes available: 1 NotReady");

  // A dockerd appears at the path: Ready, and the project runs.
  std::filesystem::create_symlink(DockerDaemon::Shared().socket_path(), socket);
  CHECK(docker_state("Ready DockerReady=True"));
  CHECK(Eventually([&] { return project()["status"].value("phase", "") == "Running"; }));

  // The engine stops answering (frozen): NotReady again, and the project is
  // not failed for it; once it answers, Ready and Running.
  if (DockerDaemon::Shared().external()) return;  // cannot freeze a daemon we did not start
  ResumeOnExit resume;
  DockerDaemon::Shared().Pause();
  resume.paused = true;
  CHECK(docker_state("NotReady DockerReady=False"));
  DockerDaemon::Shared().Resume();
  resume.paused = false;
  CHECK(docker_state("Ready DockerReady=True"));
  CHECK(Eventually([&] { return project()["status"].value("phase", "") == "Running"; }));
  CHECK(project()["status"]["phase"] != "Failed");
}

}  // namespace cara::testing
