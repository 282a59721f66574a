// Workload fields end to end: cara-server, the real cara-agent binary and a
// private dockerd. Published ports answer on the host, a port held by
// another process fails the project, limits reach Docker, healthchecks gate
// Running, and Persistent volumes keep their data until the project is
// deleted.
#include <catch2/catch.hpp>

#include <fstream>

#include "agent/docker_client.h"
#include "support/agent_cluster.h"
#include "support/docker_daemon.h"
#include "support/eventually.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "workload_fixtures.h"

namespace cara::testing {
namespace {

using nlohmann::json;

const char* const kServe = kServeTestPage;

json Service(const std::string& name, const std::string& script) {
  return {{"name", name},
          {"image", DockerDaemon::kTestImage},
          {"imagePullPolicy", "Never"},
          {"command", {"sh", "-c", script}}};
}

class Cluster : public AgentCluster {
 public:
  Cluster() : docker_(DockerDaemon::Shared().endpoint()) {}

  void Create(const std::string& name, const json& spec) {
    auto r = api_.PostJson("/api/v1/projects", {{"metadata", {{"name", name}}}, {"spec", spec}});
    REQUIRE(r.status == 201);
  }
  json Project(const std::string& name) {
    auto r = api_.Get("/api/v1/projects/" + name);
    return r.status == 200 ? r.json : json{{"gone", true}};
  }
  // The project once `done` holds for it (or the last one seen).
  template <typename Pred>
  json WaitFor(const std::string& name, Pred done) {
    json p;
    bool reached = Eventually([&] {
      p = Project(name);
      return done(p);
    });
    if (!reached) FAIL_CHECK(p.dump() << "\n" << AgentLog());
    return p;
  }
  json WaitPhase(const std::string& name, const std::string& phase) {
    return WaitFor(name, [&](const json& p) { return Phase(p) == phase; });
  }
  static std::string Phase(const json& p) {
    return p.contains("status") ? p["status"].value("phase", "") : "";
  }
  static json Condition(const json& p, const std::string& type) {
    for (const auto& c : p["status"].value("conditions", json::array())) {
      if (c.value("type", "") == type) return c;
    }
    return json();
  }
  std::string Logs(const std::string& container) { return ContainerLogs(docker_, container); }
  agent::DockerClient& docker() { return docker_; }
  HttpClient& api() { return api_; }

 private:
  HttpClient api_{url()};
  agent::DockerClient docker_;
};

}  // namespace

TEST_CASE("workload through the API: a published port answers on the host and limits reach Docker",
          "[agent][e2e][workload-api]") {
  Cluster c;
  std::string p = DockerDaemon::UniqueName("ports");
  int host_port = FreeLoopbackPort();
  json web = Service("web", kServe);
  web["ports"] = {{{"containerPort", 80}, {"hostPort", host_port}, {"hostIP", "127.0.0.1"}},
                  {{"containerPort", 8081}}};
  web["resources"] = {{"limits", {{"cpu", "500m"}, {"memory", "64Mi"}}}};
  c.Create(p, {{"services", {web}}});
  REQUIRE(Cluster::Phase(c.WaitPhase(p, "Running")) == "Running");

  CheckPublishedWithLimits(p + "-web", host_port);
}

TEST_CASE(
    "workload through the API: a host port held by another process fails the project with "
    "PortConflict",
    "[agent][e2e][workload-api]") {
  Cluster c;
  std::string p = DockerDaemon::UniqueName("conflict");
  int host_port = FreeLoopbackPort();
  HeldPort held(host_port);
  json web = Service("web", kServe);
  web["ports"] = {{{"containerPort", 80}, {"hostPort", host_port}, {"hostIP", "127.0.0.1"}}};
  c.Create(p, {{"services", {web}}});
  json failed = c.WaitPhase(p, "Failed");
  json phase = Cluster::Condition(failed, "Phase");
  CHECK(phase.value("reason", "") == "PortConflict");
  CHECK(phase.value("message", "") == "web: host port 127.0.0.1:" + std::to_string(host_port) +
                                          "/tcp is already in use on this node");
}

TEST_CASE("workload through the API: a failing healthcheck keeps the project out of Running",
          "[agent][e2e][workload-api]") {
  Cluster c;
  TempDir dir;
  std::string sick = DockerDaemon::UniqueName("sick");
  std::ofstream(dir.path() + "/sick.yaml")
      << "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: " << sick
      << "\nspec:\n  services:\n    - name: db\n      image: " << DockerDaemon::kTestImage
      << "\n      imagePullPolicy: Never\n      command: [\"sh\", \"-c\", \"" << kServe
      << "\"]\n      healthcheck:\n        command: [\"false\"]\n        interval: 1s\n"
      << "        timeout: 1s\n        retries: 1\n";
  auto sync = c.RunCaractrl({"sync", dir.path(), "--wait", "--timeout", "8s"});
  INFO(sync.out << sync.err);
  CHECK(sync.exit_code == 4);

  json p = c.WaitFor(sick, [](const json& q) {
    return Cluster::Condition(q, "Healthy").value("message", "") == "db: healthcheck failing";
  });
  CHECK(Cluster::Phase(p) == "Scheduled");
  json healthy = Cluster::Condition(p, "Healthy");
  CHECK(healthy.value("status", "") == "False");
  CHECK(healthy.value("reason", "") == "Unhealthy");
  CHECK(InspectJson(sick + "-db")["Config"]["Healthcheck"]["Test"] == json({"CMD", "false"}));

  std::string fine = DockerDaemon::UniqueName("fine");
  json db = Service("db", kServe);
  db["healthcheck"] = {
      {"command", {"wget", "-q", "-O-", "http://127.0.0.1/"}}, {"interval", "1s"}, {"retries", 3}};
  c.Create(fine, {{"services", {db}}});
  json running = c.WaitPhase(fine, "Running");
  CHECK(Cluster::Condition(running, "Healthy").is_null());
  CHECK(InspectJson(fine + "-db")["State"]["Health"]["Status"] == "healthy");
}

TEST_CASE(
    "workload through the API: a Persistent volume keeps its data until the project is deleted",
    "[agent][e2e][workload-api]") {
  Cluster c;
  std::string p = DockerDaemon::UniqueName("keep");
  std::string volume = "cara-" + p + "-data";
  auto spec_writing = [&](const std::string& image, const std::string& mark) {
    json db = Service("db", "echo " + mark + " >> /data/history; cat /data/history; " + kServe);
    db["image"] = image;
    db["volumeMounts"] = {{{"name", "data"}, {"mountPath", "/data"}}};
    return json{{"services", {db}}, {"volumes", {{{"name", "data"}, {"type", "Persistent"}}}}};
  };
  c.Create(p, spec_writing(DockerDaemon::kTestImage, "one"));
  c.WaitPhase(p, "Running");
  CHECK(Eventually([&] { return c.Logs(p + "-db") == "one\n"; }));

  // An image change recreates the container on the same volume.
  const std::string second_image = "cara/busybox:" + DockerDaemon::UniqueName("second");
  std::string tag = second_image.substr(second_image.find(':') + 1);
  REQUIRE(DockerDaemon::Shared()
              .Request("POST", "/v1.41/images/" + std::string(DockerDaemon::kTestImage) +
                                   "/tag?repo=cara/busybox&tag=" + tag)
              .status == 201);
  json put = {{"metadata", {{"name", p}}}, {"spec", spec_writing(second_image, "two")}};
  REQUIRE(c.api().PutJson("/api/v1/projects/" + p, put).status == 200);
  c.WaitFor(p, [](const json& q) {
    return Cluster::Phase(q) == "Running" && q["status"].value("observedGeneration", 0) == 2;
  });
  CHECK(Eventually([&] { return c.Logs(p + "-db") == "one\ntwo\n"; }));

  // An agent restart leaves it, and the next change still finds the data.
  c.StopAgent();
  c.StartAgent();
  put["spec"] = spec_writing(second_image, "three");
  REQUIRE(c.api().PutJson("/api/v1/projects/" + p, put).status == 200);
  c.WaitFor(p, [](const json& q) {
    return Cluster::Phase(q) == "Running" && q["status"].value("observedGeneration", 0) == 3;
  });
  CHECK(Eventually([&] { return c.Logs(p + "-db") == "one\ntwo\nthree\n"; }));

  REQUIRE(c.api().Delete("/api/v1/projects/" + p).status == 202);
  CHECK(Eventually([&] {
    return agent::KindOf(c.docker().VolumeExists(volume)) == agent::DockerErrorKind::kNotFound;
  }));
  (void)DockerDaemon::Shared().Request("DELETE", "/v1.41/images/" + second_image);
}

TEST_CASE("workload through the API: deleting a Failed project removes its Persistent volume",
          "[agent][e2e][workload-api]") {
  Cluster c;
  std::string p = DockerDaemon::UniqueName("failed");
  std::string volume = "cara-" + p + "-data";
  json db = Service("db", "echo kept > /data/file; exit 3");
  db["volumeMounts"] = {{{"name", "data"}, {"mountPath", "/data"}}};
  c.Create(p, {{"services", {db}}, {"volumes", {{{"name", "data"}, {"type", "Persistent"}}}}});
  c.WaitPhase(p, "Failed");
  REQUIRE(c.docker().VolumeExists(volume).ok());

  // Its data is on the node: the agent tears it down instead of the server
  // forgetting it at once, and the volume goes with it.
  REQUIRE(c.api().Delete("/api/v1/projects/" + p).status == 202);
  CHECK(Eventually([&] { return c.Project(p).contains("gone"); }));
  CHECK(agent::KindOf(c.docker().VolumeExists(volume)) == agent::DockerErrorKind::kNotFound);
}

TEST_CASE("workload through the API: rollout restart brings a Failed project back",
          "[agent][e2e][workload-api]") {
  Cluster c;
  std::string p = DockerDaemon::UniqueName("retry");
  // Fails on its first run only: the mark is on a Persistent volume, which
  // the restart keeps.
  json web = Service("web", std::string("if [ -f /data/ran ]; then ") + kServe +
                                "; else touch /data/ran; exit 1; fi");
  web["volumeMounts"] = {{{"name", "data"}, {"mountPath", "/data"}}};
  c.Create(p, {{"services", {web}}, {"volumes", {{{"name", "data"}, {"type", "Persistent"}}}}});
  json failed = c.WaitPhase(p, "Failed");
  CHECK(failed["metadata"]["generation"] == 1);

  auto restarted = c.RunCaractrl({"rollout", "restart", "project", p});
  INFO(restarted.err);
  REQUIRE(restarted.exit_code == 0);
  CHECK(restarted.out == "project/" + p + " restarted\n");
  json running = c.WaitPhase(p, "Running");
  CHECK(running["metadata"]["generation"] == 2);
  CHECK(running["status"]["observedGeneration"] == 2);
  CHECK(running["metadata"]["annotations"].contains("caravanserai.io/restarted-at"));
  REQUIRE(c.api().Delete("/api/v1/projects/" + p).status == 202);
  CHECK(Eventually([&] { return c.Project(p).contains("gone"); }));
}

}  // namespace cara::testing
