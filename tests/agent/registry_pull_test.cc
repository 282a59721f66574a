// Pulls from a private registry that requires credentials: the real
// docker-registry (tests/support/docker_registry.h) and the private dockerd.
#include <httplib.h>
#include <catch2/catch.hpp>

#include "agent/docker_client.h"
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

}  // namespace
}  // namespace cara::agent
