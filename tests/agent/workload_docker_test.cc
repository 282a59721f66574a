// The agent's workload handling on a real dockerd: the reconciler and
// runtime over DockerClient, with the control plane faked (the projects are
// handed over as the server would). Published ports answer on the host, a
// port held by another process fails the project, limits and healthchecks
// reach Docker and gate Running, and Persistent volumes keep their data
// until the project is torn down.
#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "agent/docker_client.h"
#include "agent/reconciler.h"
#include "api/lifecycle.h"
#include "fake_control_plane.h"
#include "support/docker_daemon.h"
#include "support/eventually.h"
#include "support/http_client.h"
#include "support/process.h"
#include "test_projects.h"
#include "workload_fixtures.h"

namespace cara::agent {
namespace {

using cara::testing::DockerDaemon;
using cara::testing::Eventually;
using nlohmann::json;

const char* const kServe = cara::testing::kServeTestPage;

api::ServiceDef Shell(const std::string& name, const std::string& script) {
  api::ServiceDef s = testing::Service(name, DockerDaemon::kTestImage);
  s.image_pull_policy = "Never";
  s.command = {"sh", "-c", script};
  return s;
}

api::PortMapping Published(int container_port, int host_port) {
  api::PortMapping m;
  m.container_port = container_port;
  m.host_port = host_port;
  m.protocol = "tcp";
  m.host_ip = "127.0.0.1";
  return m;
}

// One agent (reconciler and runtime over the shared private dockerd) and
// the projects the server hands it. Tears its projects down at the end.
class Agent {
 public:
  Agent()
      : docker_(DockerDaemon::Shared().endpoint()),
        runtime_(&docker_),
        reconciler_(std::make_unique<Reconciler>(&server_, &runtime_, &routes_, testing::kNode)) {
    DockerDaemon::Shared().EnsureTestImage();
  }
  ~Agent() {
    for (const auto& p : projects_) (void)runtime_.RemoveProject(p);
  }

  api::Project Put(api::Project p) {
    projects_.insert(p.metadata.name);
    server_.PutProject(p);
    return p;
  }
  // Runs passes until `done` holds for the project; the project then.
  template <typename Pred>
  api::Project PassUntil(const std::string& name, Pred done) {
    api::Project p;
    bool reached = Eventually([&] {
      REQUIRE(reconciler_->RunOnce().ok());
      p = server_.GetProject(name);
      return done(p);
    });
    INFO(name << ": " << p.status.phase);
    CHECK(reached);
    return p;
  }
  api::Project PassUntilPhase(const std::string& name, const std::string& phase) {
    return PassUntil(name, [&](const api::Project& p) { return p.status.phase == phase; });
  }
  // A new agent process: nothing survives but Docker's state and the server's.
  void Restart() {
    reconciler_ = std::make_unique<Reconciler>(&server_, &runtime_, &routes_, testing::kNode);
  }
  std::string Logs(const std::string& container) {
    std::string out;
    (void)docker_.StreamLogs(container, LogOptions{}, [&](const char* data, size_t size) {
      out.append(data, size);
      return true;
    });
    return out;
  }
  DockerClient& docker() { return docker_; }
  FakeControlPlane& server() { return server_; }
  Reconciler& reconciler() { return *reconciler_; }

 private:
  DockerClient docker_;
  FakeControlPlane server_;
  RouteTable routes_;
  ProjectRuntime runtime_;
  std::unique_ptr<Reconciler> reconciler_;
  std::set<std::string> projects_;
};

}  // namespace

TEST_CASE("workload: a published port answers on the host and limits reach Docker",
          "[agent][docker][workload]") {
  Agent a;
  std::string name = DockerDaemon::UniqueName("ports");
  int host_port = cara::testing::FreeLoopbackPort();
  api::ServiceDef web = Shell("web", kServe);
  api::PortMapping exposed;
  exposed.container_port = 8081;
  exposed.protocol = "tcp";
  web.ports = {Published(80, host_port), exposed};
  web.resources.limits.cpu = "500m";
  web.resources.limits.memory = "64Mi";
  a.Put(testing::Project(name, {web}));
  a.PassUntilPhase(name, api::kPhaseRunning);

  cara::testing::CheckPublishedWithLimits(name + "-web", host_port);
}

TEST_CASE("workload: a host port held outside Caravanserai fails the project with PortConflict",
          "[agent][docker][workload]") {
  Agent a;
  std::string name = DockerDaemon::UniqueName("conflict");
  int host_port = cara::testing::FreeLoopbackPort();
  std::optional<cara::testing::HeldPort> held;
  std::string other = DockerDaemon::UniqueName("other");
  SECTION("by another process") { held.emplace(host_port); }
  SECTION("by a container Caravanserai did not create") {
    ContainerSpec spec;
    spec.name = other;
    spec.image = DockerDaemon::kTestImage;
    spec.command = {"sh", "-c", kServe};
    spec.ports = {PortSpec{80, "tcp", host_port, "127.0.0.1"}};
    spec.network = other;  // this daemon has no default bridge to publish from
    REQUIRE(a.docker().CreateNetwork(other, {}).ok());
    REQUIRE(a.docker().CreateContainer(spec).ok());
    REQUIRE(a.docker().StartContainer(other).ok());
  }
  api::ServiceDef web = Shell("web", kServe);
  web.ports = {Published(80, host_port)};
  a.Put(testing::Project(name, {web}));
  api::Project p = a.PassUntilPhase(name, api::kPhaseFailed);
  const api::Condition* phase = api::FindCondition(p.status.conditions, api::condition::kPhase);
  REQUIRE(phase != nullptr);
  CHECK(phase->reason == "PortConflict");
  CHECK(phase->message == "web: host port 127.0.0.1:" + std::to_string(host_port) +
                              "/tcp is already in use on this node");
  (void)a.docker().RemoveContainer(other, true);
  (void)a.docker().RemoveNetwork(other);
}

TEST_CASE("workload: healthchecks gate Running and a failing one is named",
          "[agent][docker][workload]") {
  Agent a;
  std::string sick = DockerDaemon::UniqueName("sick");
  api::ServiceDef db = Shell("db", kServe);
  api::HealthCheck hc;
  hc.command = {"false"};
  hc.interval = "1s";
  hc.timeout = "1s";
  hc.retries = 1;
  db.healthcheck = hc;
  a.Put(testing::Project(sick, {db}));
  api::Project p = a.PassUntil(sick, [](const api::Project& q) {
    const api::Condition* c = api::FindCondition(q.status.conditions, api::kConditionHealthy);
    return c && c->message == "db: healthcheck failing";
  });
  CHECK(p.status.phase == api::kPhaseScheduled);
  const api::Condition* healthy = api::FindCondition(p.status.conditions, api::kConditionHealthy);
  REQUIRE(healthy != nullptr);
  CHECK(healthy->status == "False");
  CHECK(healthy->reason == "Unhealthy");
  json config = cara::testing::InspectJson(sick + "-db")["Config"]["Healthcheck"];
  CHECK(config["Test"] == json({"CMD", "false"}));
  CHECK(config["Interval"] == 1000000000);
  CHECK(config["Retries"] == 1);

  std::string fine = DockerDaemon::UniqueName("fine");
  api::ServiceDef web = Shell("web", kServe);
  hc.command = {"wget", "-q", "-O-", "http://127.0.0.1/"};
  hc.retries = 3;
  web.healthcheck = hc;
  a.Put(testing::Project(fine, {web}));
  p = a.PassUntilPhase(fine, api::kPhaseRunning);
  CHECK(api::FindCondition(p.status.conditions, api::kConditionHealthy) == nullptr);
  CHECK(cara::testing::InspectJson(fine + "-web")["State"]["Health"]["Status"] == "healthy");
  CHECK(a.server().GetProject(sick).status.phase == api::kPhaseScheduled);
}

TEST_CASE("workload: a Persistent volume keeps its data until the project is torn down",
          "[agent][docker][workload]") {
  Agent a;
  std::string name = DockerDaemon::UniqueName("keep");
  std::string volume = "cara-" + name + "-data";
  const std::string second_image = "cara/busybox:" + DockerDaemon::UniqueName("second");
  REQUIRE(DockerDaemon::Shared()
              .Request("POST", "/v1.41/images/" + std::string(DockerDaemon::kTestImage) +
                                   "/tag?repo=cara/busybox&tag=" +
                                   second_image.substr(second_image.find(':') + 1))
              .status == 201);
  auto writing = [&](const std::string& image, const std::string& mark, int64_t generation) {
    api::ServiceDef db =
        Shell("db", "echo " + mark + " >> /data/history; cat /data/history; " + kServe);
    db.image = image;
    db.volume_mounts = {{"data", "/data"}};
    api::Project p = testing::Project(name, {db});
    p.spec.volumes = {{"data", api::kVolumePersistent}};
    p.metadata.generation = generation;
    return p;
  };
  auto observed = [](int64_t generation) {
    return [generation](const api::Project& q) {
      return q.status.phase == api::kPhaseRunning && q.status.observed_generation == generation;
    };
  };
  a.Put(writing(DockerDaemon::kTestImage, "one", 1));
  a.PassUntil(name, observed(1));
  CHECK(Eventually([&] { return a.Logs(name + "-db") == "one\n"; }));

  // An image change recreates the container over the same volume.
  api::Project p = writing(second_image, "two", 2);
  p.status = a.server().GetProject(name).status;
  a.Put(p);
  a.PassUntil(name, observed(2));
  CHECK(Eventually([&] { return a.Logs(name + "-db") == "one\ntwo\n"; }));

  // A restarted agent, and the project leaving this node's lists for a
  // while (reset to Pending), leave the data alone.
  a.Restart();
  p = writing(second_image, "three", 3);
  p.status = a.server().GetProject(name).status;
  p.status.phase = api::kPhasePending;
  p.status.node_ref.clear();
  a.Put(p);
  REQUIRE(a.reconciler().RunOnce().ok());
  CHECK(a.docker().ListContainers({{"cara.project", name}})->empty());
  CHECK(a.docker().VolumeExists(volume).ok());
  p.status.phase = api::kPhaseScheduled;
  p.status.node_ref = testing::kNode;
  a.Put(p);
  a.PassUntil(name, observed(3));
  CHECK(Eventually([&] { return a.Logs(name + "-db") == "one\ntwo\nthree\n"; }));

  // Deletion (Terminating, torn down here) removes it.
  p = a.server().GetProject(name);
  p.status.phase = api::kPhaseTerminating;
  a.Put(p);
  a.PassUntilPhase(name, api::kPhaseTerminated);
  CHECK(KindOf(a.docker().VolumeExists(volume)) == DockerErrorKind::kNotFound);
  (void)DockerDaemon::Shared().Request("DELETE", "/v1.41/images/" + second_image);
}

}  // namespace cara::agent
