// How a Project maps onto the engine (names, labels, config hash, network
// and volumes, pull policy), over a fake engine. No Docker.
#include "agent/project_runtime.h"
#include "agent/config_changes.h"

#include <catch2/catch.hpp>

#include "fake_container_engine.h"
#include "test_projects.h"

namespace cara::agent {
namespace {

using testing::kImage;
using testing::Project;
using testing::Service;
using Calls = std::vector<std::string>;

api::Project WithDataVolume(api::Project p) {
  p.spec.volumes = {{"data", "Ephemeral"}};
  p.spec.services[0].volume_mounts = {{"data", "/var/data"}};
  return p;
}

}  // namespace

TEST_CASE("runtime: names of networks, containers and volumes", "[agent][runtime][fake]") {
  CHECK(NetworkName("shop") == "cara-shop");
  CHECK(ContainerName("shop", "web") == "shop-web");
  CHECK(VolumeName("shop", "data") == "cara-shop-data");
}

TEST_CASE("runtime: the container spec of a service", "[agent][runtime][fake]") {
  api::Project p = WithDataVolume(Project("shop", {Service("web")}));
  p.spec.services[0].env = {testing::Env("A", "1"), testing::Env("EMPTY", std::nullopt)};
  p.spec.services[0].command = {"sh", "-c", "true"};
  ContainerSpec spec = ContainerSpecFor(p, p.spec.services[0]);
  CHECK(spec.name == "shop-web");
  CHECK(spec.image == kImage);
  CHECK(spec.env == std::vector<std::string>{"A=1", "EMPTY="});
  CHECK(spec.command == std::vector<std::string>{"sh", "-c", "true"});
  CHECK(spec.binds == std::vector<std::string>{"cara-shop-data:/var/data"});
  CHECK(spec.network == "cara-shop");
  CHECK(spec.network_aliases == std::vector<std::string>{"web"});
  CHECK(spec.labels == Labels{{"cara.project", "shop"},
                              {"cara.service", "web"},
                              {"cara.config-hash", ConfigHash(spec)},
                              {"cara.config-parts", ConfigPartsLabel(spec)}});
}

TEST_CASE("runtime: the config hash is stable and covers every field that shapes the container",
          "[agent][runtime][fake]") {
  ContainerSpec base;
  base.name = "shop-web";
  base.image = "img:1";
  base.env = {"A=1"};
  base.command = {"httpd"};
  base.binds = {"v:/d"};
  base.network = "cara-shop";
  base.network_aliases = {"web"};
  // Pinned: a different hash for the same spec would make every agent
  // upgrade recreate every container in the field.
  CHECK(ConfigHash(base) == "4124d2eeef9bb0ec");
  CHECK(ConfigHash(base).size() == 16);

  ContainerSpec renamed = base;  // names and labels are not configuration
  renamed.name = "other";
  renamed.labels = {{"x", "y"}};
  CHECK(ConfigHash(renamed) == ConfigHash(base));

  auto differs = [&](auto change) {
    ContainerSpec s = base;
    change(s);
    return ConfigHash(s) != ConfigHash(base);
  };
  CHECK(differs([](ContainerSpec& s) { s.image = "img:2"; }));
  CHECK(differs([](ContainerSpec& s) { s.env = {"A=2"}; }));
  CHECK(differs([](ContainerSpec& s) { s.command = {"httpd", "-f"}; }));
  CHECK(differs([](ContainerSpec& s) { s.binds = {"v:/e"}; }));
  CHECK(differs([](ContainerSpec& s) { s.network = "cara-other"; }));
  CHECK(differs([](ContainerSpec& s) { s.network_aliases = {"www"}; }));
  // Field boundaries count: an env entry is not a command word.
  CHECK(differs([](ContainerSpec& s) {
    s.env = {};
    s.command = {"A=1", "httpd"};
  }));
}

TEST_CASE("runtime: EnsureProject creates the labelled network, volumes and containers once",
          "[agent][runtime][fake]") {
  FakeContainerEngine engine;
  engine.AddImage(kImage);
  ProjectRuntime runtime(&engine);
  api::Project p = WithDataVolume(Project("shop", {Service("web")}));
  p.spec.volumes.push_back({"scratch", "Other"});  // only Ephemeral volumes are created here

  REQUIRE_FALSE(runtime.EnsureProject(p).has_value());
  CHECK(engine.TakeCalls() == Calls{"create-network cara-shop", "create-volume cara-shop-data",
                                    "create shop-web", "start shop-web"});
  CHECK(engine.ListNetworks({{"cara.project", "shop"}})->size() == 1);
  CHECK(engine.ListVolumes({{"cara.project", "shop"}})->size() == 1);

  REQUIRE_FALSE(runtime.EnsureProject(p).has_value());
  CHECK(engine.TakeCalls().empty());

  // A stopped container with the right configuration is started, not recreated.
  engine.SetContainerState("shop-web", "exited", 0);
  REQUIRE_FALSE(runtime.EnsureProject(p).has_value());
  CHECK(engine.TakeCalls() == Calls{"start shop-web"});
}

TEST_CASE("runtime: pull policies", "[agent][runtime][fake]") {
  FakeContainerEngine engine;
  ProjectRuntime runtime(&engine);
  api::Project p = Project("p", {Service("web", "img:1")});

  SECTION("IfNotPresent pulls only what is missing") {
    REQUIRE_FALSE(runtime.EnsureProject(p).has_value());
    CHECK(engine.TakeCalls() ==
          Calls{"create-network cara-p", "pull img:1", "create p-web", "start p-web"});
  }
  SECTION("Never fails on a missing image without pulling") {
    p.spec.services[0].image_pull_policy = "Never";
    auto error = runtime.EnsureProject(p);
    REQUIRE(error.has_value());
    CHECK(error->reason == "ImagePullFailed");
    CHECK(error->status.message() ==
          "ensure container \"web\": pull image \"img:1\": image img:1 is not present and "
          "imagePullPolicy is Never");
    CHECK(engine.TakeCalls() == Calls{"create-network cara-p"});
  }
  SECTION("Always runs on the local image when the registry fails") {
    p.spec.services[0].image = "img:latest";
    engine.AddImage("img:latest");
    engine.FailPull("img:latest", Status::Internal("registry down"));
    REQUIRE_FALSE(runtime.EnsureProject(p).has_value());
    CHECK(engine.TakeCalls() ==
          Calls{"create-network cara-p", "pull img:latest", "create p-web", "start p-web"});
  }
}

TEST_CASE("runtime: engine errors become ReconcileError with where they happened",
          "[agent][runtime][fake]") {
  FakeContainerEngine engine;
  engine.AddImage(kImage);
  ProjectRuntime runtime(&engine);
  engine.SetAnswering(false);
  auto error = runtime.EnsureProject(Project("p", {Service("web")}));
  REQUIRE(error.has_value());
  CHECK(error->reason == "ReconcileError");
  CHECK(error->status.code() == Code::kUnavailable);
  CHECK(error->status.message().rfind("ensure network: create network: cannot reach Docker", 0) ==
        0);
}

TEST_CASE("runtime: inspection, service IPs and the projects present", "[agent][runtime][fake]") {
  FakeContainerEngine engine;
  engine.AddImage(kImage);
  ProjectRuntime runtime(&engine);
  api::Project p = Project("shop", {Service("web"), Service("db")});
  REQUIRE_FALSE(runtime.EnsureProject(p).has_value());
  engine.SetContainerState("shop-db", "exited", 4);

  auto states = runtime.InspectProject(p);
  REQUIRE(states.ok());
  REQUIRE(states->size() == 2);
  CHECK((*states)[0].service == "web");
  CHECK((*states)[0].state == "running");
  CHECK((*states)[0].config_hash == ConfigHash(ContainerSpecFor(p, p.spec.services[0])));
  CHECK((*states)[1].state == "exited");
  CHECK((*states)[1].exit_code == 4);

  auto ips = runtime.ServiceIps(p);
  REQUIRE(ips.ok());
  CHECK(ips->size() == 1);  // a stopped container has no address
  CHECK(ips->at("web") == engine.InspectContainer("shop-web")->ip_by_network.at("cara-shop"));

  REQUIRE(engine.CreateNetwork("cara-netonly", {{"cara.project", "netonly"}}).ok());
  CHECK(*runtime.ProjectsPresent() == std::set<std::string>{"netonly", "shop"});

  REQUIRE(runtime.RemoveProject("shop").ok());
  CHECK(*runtime.ProjectsPresent() == std::set<std::string>{"netonly"});
  auto gone = runtime.InspectProject(p);
  REQUIRE(gone.ok());
  CHECK((*gone)[0].state.empty());
  CHECK(runtime.RemoveProject("shop").ok());  // idempotent
}

}  // namespace cara::agent
