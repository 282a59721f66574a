// The workload fields of a service as the runtime hands them to the engine:
// ports, limits, healthcheck and rollout restarts in the container spec and
// its config hash, Persistent volumes, and host ports taken by others. Over
// a fake engine; agent_e2e_workload_test.cc proves them on a real dockerd.
#include <catch2/catch.hpp>

#include "agent/project_runtime.h"
#include "agent/service_settings.h"
#include "fake_container_engine.h"
#include "test_projects.h"

namespace cara::agent {
namespace {

using testing::kImage;
using testing::Project;
using testing::Service;
using Calls = std::vector<std::string>;

api::ServiceDef WebWithWorkload() {
  api::ServiceDef web = Service("web");
  api::PortMapping published;
  published.container_port = 80;
  published.host_port = 8080;
  published.protocol = "tcp";
  published.host_ip = "127.0.0.1";
  api::PortMapping exposed;
  exposed.container_port = 53;
  exposed.protocol = "udp";
  web.ports = {published, exposed};
  web.resources.limits.cpu = "500m";
  web.resources.limits.memory = "256Mi";
  api::HealthCheck hc;
  hc.command = {"wget", "-q", "-O-", "http://127.0.0.1/"};
  hc.interval = "10s";
  hc.timeout = "1.5s";
  hc.retries = 3;
  hc.start_period = "500ms";
  web.healthcheck = hc;
  return web;
}

}  // namespace

TEST_CASE("workload: ports, limits and the healthcheck become the container spec",
          "[agent][runtime][fake]") {
  api::Project p = Project("shop", {WebWithWorkload()});
  ContainerSpec spec = ContainerSpecFor(p, p.spec.services[0]);
  REQUIRE(spec.ports.size() == 2);
  CHECK(spec.ports[0] == PortSpec{80, "tcp", 8080, "127.0.0.1"});
  CHECK(spec.ports[1] == PortSpec{53, "udp", 0, ""});
  CHECK(spec.nano_cpus == 500000000);
  CHECK(spec.memory_bytes == 256LL * 1024 * 1024);
  REQUIRE(spec.healthcheck.has_value());
  CHECK(spec.healthcheck->command == p.spec.services[0].healthcheck->command);
  CHECK(spec.healthcheck->interval_ns == 10000000000LL);
  CHECK(spec.healthcheck->timeout_ns == 1500000000LL);
  CHECK(spec.healthcheck->start_period_ns == 500000000LL);
  CHECK(spec.healthcheck->retries == 3);
  CHECK_FALSE(spec.labels.count(kLabelRestartedAt));

  api::ServiceDef plain = Service("db");
  ContainerSpec db = ContainerSpecFor(p, plain);
  CHECK(db.ports.empty());
  CHECK(db.nano_cpus == 0);
  CHECK(db.memory_bytes == 0);
  CHECK_FALSE(db.healthcheck.has_value());
  CHECK(HostPortText(spec.ports[0]) == "127.0.0.1:8080/tcp");
}

TEST_CASE("workload: each new field changes the config hash, and none leaves it as before",
          "[agent][runtime][fake]") {
  ContainerSpec base;
  base.image = "img:1";
  base.env = {"A=1"};
  base.command = {"httpd"};
  base.binds = {"v:/d"};
  base.network = "cara-shop";
  base.network_aliases = {"web"};
  CHECK(ConfigHash(base) == "4124d2eeef9bb0ec");  // as before these fields existed

  auto differs = [&](auto change) {
    ContainerSpec s = base;
    change(s);
    return ConfigHash(s) != ConfigHash(base);
  };
  CHECK(differs([](ContainerSpec& s) { s.ports = {PortSpec{80, "tcp", 0, ""}}; }));
  CHECK(differs([](ContainerSpec& s) { s.ports = {PortSpec{80, "tcp", 8080, ""}}; }));
  CHECK(differs([](ContainerSpec& s) { s.nano_cpus = 1; }));
  CHECK(differs([](ContainerSpec& s) { s.memory_bytes = 1; }));
  CHECK(differs([](ContainerSpec& s) { s.healthcheck = HealthcheckSpec{}; }));
  CHECK(differs([](ContainerSpec& s) { s.labels[kLabelRestartedAt] = "2026-01-01T00:00:00Z"; }));
  ContainerSpec a = base, b = base;
  a.healthcheck = HealthcheckSpec{{"true"}, 1, 0, 0, 0};
  b.healthcheck = HealthcheckSpec{{"true"}, 0, 1, 0, 0};
  CHECK(ConfigHash(a) != ConfigHash(b));
}

TEST_CASE("workload: a rollout restart recreates every service", "[agent][runtime][fake]") {
  FakeContainerEngine engine;
  engine.AddImage(kImage);
  ProjectRuntime runtime(&engine);
  api::Project p = Project("shop", {Service("web"), Service("db")});
  REQUIRE_FALSE(runtime.EnsureProject(p).has_value());
  engine.TakeCalls();

  p.metadata.annotations[api::kRestartedAtAnnotation] = "2026-12-06T20:00:00Z";
  REQUIRE_FALSE(runtime.EnsureProject(p).has_value());
  CHECK(engine.TakeCalls() == Calls{"stop shop-web", "remove shop-web", "create shop-web",
                                    "start shop-web", "stop shop-db", "remove shop-db",
                                    "create shop-db", "start shop-db"});
  CHECK(engine.CreatedSpec("shop-db")->labels.at("cara.restarted-at") == "2026-12-06T20:00:00Z");
  REQUIRE_FALSE(runtime.EnsureProject(p).has_value());
  CHECK(engine.TakeCalls().empty());
}

TEST_CASE("workload: Persistent volumes are labelled and outlive everything but deletion",
          "[agent][runtime][fake]") {
  FakeContainerEngine engine;
  engine.AddImage(kImage);
  ProjectRuntime runtime(&engine);
  api::Project p = Project("shop", {Service("db")});
  p.spec.volumes = {{"data", "Persistent"}, {"tmp", "Ephemeral"}};
  REQUIRE_FALSE(runtime.EnsureProject(p).has_value());
  CHECK(*engine.ListVolumes({{"cara.project", "shop"}, {"cara.persistent", "true"}}) ==
        std::vector<std::string>{"cara-shop-data"});

  REQUIRE(runtime.RemoveProject("shop", ProjectRuntime::VolumeRemoval::kKeepPersistent).ok());
  CHECK(engine.VolumeNames() == std::set<std::string>{"cara-shop-data"});
  CHECK(engine.ContainerNames().empty());

  REQUIRE_FALSE(runtime.EnsureProject(p).has_value());  // the same volume again
  CHECK(engine.VolumeNames() == std::set<std::string>{"cara-shop-data", "cara-shop-tmp"});
  REQUIRE(runtime.RemoveProject("shop").ok());
  CHECK(engine.VolumeNames().empty());
}

TEST_CASE("workload: a host port taken outside Caravanserai is a PortConflict naming it",
          "[agent][runtime][fake]") {
  FakeContainerEngine engine;
  engine.AddImage(kImage);
  ProjectRuntime runtime(&engine);
  api::Project p = Project("shop", {WebWithWorkload()});

  SECTION("another process") {
    engine.FailStart("shop-web",
                     Status::Internal("driver failed programming external connectivity on "
                                      "endpoint shop-web: Error starting userland proxy: listen "
                                      "tcp4 127.0.0.1:8080: bind: address already in use"));
  }
  SECTION("another container") {
    engine.FailStart("shop-web", Status::Internal("Bind for 127.0.0.1:8080 failed: port is "
                                                  "already allocated"));
  }
  auto error = runtime.EnsureProject(p);
  REQUIRE(error.has_value());
  CHECK(error->reason == "PortConflict");
  CHECK(error->status.message() ==
        "web: host port 127.0.0.1:8080/tcp is already in use on this node");
}

TEST_CASE("workload: other start errors are not port conflicts", "[agent][runtime][fake]") {
  ContainerSpec spec;
  spec.ports = {PortSpec{80, "tcp", 8080, ""}, PortSpec{443, "tcp", 8443, ""}};
  CHECK_FALSE(PortConflictMessage("web", spec, Status::Internal("no such image")).has_value());
  CHECK(*PortConflictMessage("web", spec,
                             Status::Internal("Bind for 0.0.0.0:8443 failed: port is already "
                                              "allocated")) ==
        "web: host port 8443/tcp is already in use on this node");
  spec.ports = {PortSpec{80, "tcp", 0, ""}};  // exposed only: nothing of ours to blame
  CHECK_FALSE(PortConflictMessage("web", spec, Status::Internal("bind: address already in use"))
                  .has_value());
}

}  // namespace cara::agent
