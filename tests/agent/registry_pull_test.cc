// Pulls from a private registry that requires credentials: the real
// docker-registry (tests/support/docker_registry.h) and the private dockerd.
#include <httplib.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "agent/docker_client.h"
#include "agent/project_runtime.h"
#include "support/docker_daemon.h"
#include "support/docker_registry.h"

namespace cara::agent {
namespace {

using cara::testing::DockerDaemon;
using cara::testing::DockerRegistry;

DockerDaemon& Daemon() {
  DockerDaemon& d = DockerDaemon::Shared();
  d.EnsureTestImage();
  return d;
}

TEST_CASE("The test registry holds a pushed image for its user only", "[docker][registry]") {
  DockerRegistry registry;
  std::string image =
      registry.Push(Daemon(), DockerDaemon::kTestImage, DockerDaemon::UniqueName("cara/pushed"));
  CHECK(image.rfind(registry.host() + "/cara/pushed-", 0) == 0);

  std::string repo = image.substr(registry.host().size() + 1);
  repo.resize(repo.rfind(':'));
  httplib::Client cli("http://" + registry.host());
  auto anonymous = cli.Get("/v2/" + repo + "/tags/list");
  REQUIRE(anonymous);
  CHECK(anonymous->status == 401);
  cli.set_basic_auth(registry.username(), registry.password());
  auto listed = cli.Get("/v2/" + repo + "/tags/list");
  REQUIRE(listed);
  CHECK(listed->status == 200);
  CHECK(listed->body.find("\"v1\"") != std::string::npos);
  // Only the registry has it now.
  DockerClient docker(Daemon().endpoint());
  CHECK(KindOf(docker.ImageExists(image)) == DockerErrorKind::kNotFound);
}

RegistryCredentials Credentials(const DockerRegistry& registry, const std::string& password) {
  RegistryCredentials c;
  c.server = registry.host();
  c.username = registry.username();
  c.password = password;
  return c;
}

TEST_CASE("DockerClient pulls from a private registry with credentials only",
          "[docker][registry]") {
  DockerRegistry registry;
  std::string image =
      registry.Push(Daemon(), DockerDaemon::kTestImage, DockerDaemon::UniqueName("cara/private"));
  DockerClient docker(Daemon().endpoint());

  SECTION("no credentials: the registry's refusal") {
    Status pull = docker.PullImage(image, std::nullopt);
    INFO(pull.ToString());
    CHECK_FALSE(pull.ok());
    CHECK(pull.message().find("no basic auth credentials") != std::string::npos);
  }
  SECTION("a wrong password: the registry's refusal, never the password") {
    Status pull = docker.PullImage(image, Credentials(registry, "not-the-password"));
    INFO(pull.ToString());
    CHECK_FALSE(pull.ok());
    CHECK(pull.message().find("unauthorized") != std::string::npos);
    CHECK(pull.message().find("not-the-password") == std::string::npos);
  }
  SECTION("the right credentials pull it") {
    Status pull = docker.PullImage(image, Credentials(registry, registry.password()));
    INFO(pull.ToString());
    REQUIRE(pull.ok());
    CHECK(docker.ImageExists(image).ok());
    Daemon().Request("DELETE", "/v1.41/images/" + image);
  }
}

// A private image in a fresh registry, and a runtime on the real dockerd
// with a project of one service on that image whose env reads Secret
// db/password (value `db_password`), pulling with imagePullSecret "pull".
struct PrivateProject {
  explicit PrivateProject(const std::string& db_password)
      : image(registry.Push(Daemon(), DockerDaemon::kTestImage,
                            DockerDaemon::UniqueName("cara/runtime"))),
        docker(Daemon().endpoint()),
        runtime(&docker) {
    api::ServiceDef web;
    web.name = "web";
    web.image = image;
    api::EnvVar env;
    env.name = "DB_PASSWORD";
    env.value_from = api::SecretKeyRef{"db", "password"};
    web.env = {env};
    project.metadata.name = DockerDaemon::UniqueName("private");
    project.metadata.generation = 1;
    project.spec.services = {web};
    project.spec.image_pull_secrets = {"pull"};
    secrets.values[{"db", "password"}] = db_password;
  }
  ~PrivateProject() {
    (void)runtime.RemoveProject(project.metadata.name);
    Daemon().Request("DELETE", "/v1.41/images/" + image);
  }

  DockerRegistry registry;
  std::string image;
  DockerClient docker;
  ProjectRuntime runtime;
  api::Project project;
  ProjectSecrets secrets;
};

TEST_CASE(
    "ProjectRuntime pulls with the project's registry Secret and passes Secret env to "
    "Docker",
    "[docker][registry]") {
  PrivateProject t("runtime-s3cret");
  // Another registry's credentials first: the image's own must be picked.
  t.secrets.registries = {Credentials(t.registry, "wrong"),
                          Credentials(t.registry, t.registry.password())};
  t.secrets.registries[0].server = "ghcr.io";

  auto error = t.runtime.EnsureProject(t.project, t.secrets);
  INFO((error ? error->status.ToString() : "ok"));
  REQUIRE_FALSE(error.has_value());
  auto inspected =
      Daemon().Request("GET", "/v1.41/containers/" + t.project.metadata.name + "-web/json");
  REQUIRE(inspected.status == 200);
  CHECK(inspected.body.find("\"DB_PASSWORD=runtime-s3cret\"") != std::string::npos);
  auto labels = nlohmann::json::parse(inspected.body)["Config"]["Labels"];
  CHECK(labels.dump().find("runtime-s3cret") == std::string::npos);
}

TEST_CASE("ProjectRuntime reports a refused pull as ImagePullFailed with the registry's message",
          "[docker][registry]") {
  PrivateProject t("x");
  t.secrets.registries = {Credentials(t.registry, "wrong-registry-password")};

  auto error = t.runtime.EnsureProject(t.project, t.secrets);
  REQUIRE(error.has_value());
  CHECK(error->reason == "ImagePullFailed");
  CHECK(error->status.message().find("unauthorized") != std::string::npos);
  CHECK(error->status.message().find("wrong-registry-password") == std::string::npos);
}

}  // namespace
}  // namespace cara::agent
