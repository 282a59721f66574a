// Secrets in the reconciler over the fake engine and control plane: env
// valueFrom values reach the container but never its labels or reports, a
// changed value recreates exactly the services using it, a missing Secret or
// key fails the project, and pulls carry their registry's credentials.
#include <algorithm>

#include <catch2/catch.hpp>

#include "agent/reconciler.h"
#include "fake_container_engine.h"
#include "fake_control_plane.h"
#include "test_projects.h"

namespace cara::agent {
namespace {

using testing::kImage;
using testing::kNode;
using testing::Project;
using testing::Service;
using Calls = std::vector<std::string>;

SecretValues Secret(const std::string& name, std::map<std::string, std::string> values,
                    const std::string& type = "Opaque") {
  SecretValues s;
  s.name = name;
  s.type = type;
  s.resource_version = "1";
  s.values = std::move(values);
  return s;
}

api::EnvVar FromSecret(const std::string& name, const std::string& secret, const std::string& key) {
  api::EnvVar e;
  e.name = name;
  e.value_from = api::SecretKeyRef{secret, key};
  return e;
}

api::ServiceDef ServiceWithEnv(const std::string& name, std::vector<api::EnvVar> env) {
  api::ServiceDef s = Service(name);
  s.env = std::move(env);
  return s;
}

struct Agent {
  Agent() : runtime(&engine), reconciler(&server, &runtime, &routes, kNode) {
    engine.AddImage(kImage);
  }

  // One pass; the engine's changing calls, sorted.
  Calls Pass() {
    Status st = reconciler.RunOnce();
    INFO(st.ToString());
    REQUIRE(st.ok());
    Calls calls = engine.TakeCalls();
    std::sort(calls.begin(), calls.end());
    return calls;
  }

  std::string Phase(const std::string& project) { return server.GetProject(project).status.phase; }
  api::Condition PhaseCondition(const std::string& project) {
    api::Project p = server.GetProject(project);
    const api::Condition* c = api::FindCondition(p.status.conditions, api::condition::kPhase);
    REQUIRE(c != nullptr);
    return *c;
  }

  FakeContainerEngine engine;
  FakeControlPlane server;
  RouteTable routes;
  ProjectRuntime runtime;
  Reconciler reconciler;
};

bool Contains(const Calls& calls, const std::string& call) {
  return std::find(calls.begin(), calls.end(), call) != calls.end();
}

TEST_CASE("Secret env values reach the container, and only their digests its labels",
          "[fake][secrets]") {
  Agent a;
  a.server.PutSecret(Secret("db", {{"password", "s3cret-value"}}));
  a.server.PutProject(
      Project("shop", {ServiceWithEnv("web", {testing::Env("MODE", "prod"),
                                              FromSecret("DB_PASS", "db", "password")})}));
  a.Pass();
  REQUIRE(a.Phase("shop") == api::kPhaseRunning);

  Result<ContainerSpec> spec = a.engine.CreatedSpec("shop-web");
  REQUIRE(spec.ok());
  CHECK(spec->env == std::vector<std::string>{"MODE=prod"});
  CHECK(spec->secret_env == std::vector<std::string>{"DB_PASS=s3cret-value"});
  for (const auto& [key, value] : spec->labels) {
    CHECK(value.find("s3cret") == std::string::npos);
  }
  for (const auto& report : a.server.TakeReports()) {
    CHECK(report.status.message.find("s3cret") == std::string::npos);
  }
}

TEST_CASE("A project without Secrets fetches none", "[fake][secrets]") {
  Agent a;
  a.server.PutProject(Project("plain", {ServiceWithEnv("web", {testing::Env("A", "1")})}));
  a.Pass();
  a.Pass();
  CHECK(a.Phase("plain") == api::kPhaseRunning);
  CHECK(a.server.secret_fetches() == 0);
}

TEST_CASE("A changed Secret value recreates exactly the services using it", "[fake][secrets]") {
  Agent a;
  a.server.PutSecret(Secret("db", {{"password", "one"}, {"unused", "x"}}));
  a.server.PutSecret(Secret("queue", {{"token", "t"}}));
  a.server.PutProject(Project(
      "shop", {ServiceWithEnv("web", {FromSecret("P", "db", "password")}),
               ServiceWithEnv("worker", {FromSecret("T", "queue", "token")}), Service("cache")}));
  a.Pass();
  REQUIRE(a.Phase("shop") == api::kPhaseRunning);
  CHECK(a.Pass().empty());  // steady state: nothing to do

  SECTION("the same values, written again: nothing is recreated") {
    SecretValues same = Secret("db", {{"password", "one"}, {"unused", "x"}});
    same.resource_version = "2";
    a.server.PutSecret(same);
    CHECK(a.Pass().empty());
  }
  SECTION("a key no service uses: nothing is recreated") {
    a.server.PutSecret(Secret("db", {{"password", "one"}, {"unused", "y"}}));
    CHECK(a.Pass().empty());
  }
  SECTION("a used value changes: only its service is recreated, with the new value") {
    a.server.PutSecret(Secret("db", {{"password", "two"}, {"unused", "x"}}));
    Calls calls = a.Pass();
    CHECK(Contains(calls, "create shop-web"));
    CHECK_FALSE(Contains(calls, "create shop-worker"));
    CHECK_FALSE(Contains(calls, "create shop-cache"));
    CHECK(a.engine.CreatedSpec("shop-web")->secret_env == std::vector<std::string>{"P=two"});
    CHECK(a.Phase("shop") == api::kPhaseRunning);
    CHECK(a.Pass().empty());
  }
}

TEST_CASE("A missing Secret, key or Registry type fails the project as SecretNotFound",
          "[fake][secrets]") {
  Agent a;
  api::Project p = Project("shop", {ServiceWithEnv("web", {FromSecret("P", "db", "password")})});
  std::string message;
  SECTION("no such Secret") { message = "secret \"db\" not found"; }
  SECTION("no such key") {
    a.server.PutSecret(Secret("db", {{"user", "u"}}));
    message = "secret \"db\" has no key \"password\"";
  }
  SECTION("an imagePullSecret that is not of type Registry") {
    a.server.PutSecret(Secret("db", {{"password", "p"}}));
    a.server.PutSecret(
        Secret("hub", {{"server", "docker.io"}, {"username", "u"}, {"password", "p"}}));
    p.spec.image_pull_secrets = {"hub"};
    message = "secret \"hub\" is not of type Registry";
  }
  a.server.PutProject(p);
  Calls calls = a.Pass();
  CHECK_FALSE(Contains(calls, "create shop-web"));
  CHECK(a.Phase("shop") == api::kPhaseFailed);
  CHECK(a.PhaseCondition("shop").reason == "SecretNotFound");
  CHECK(a.PhaseCondition("shop").message == message);
}

TEST_CASE("Secrets the server cannot hand over now are fetched again next pass",
          "[fake][secrets]") {
  Agent a;
  a.server.PutSecret(Secret("db", {{"password", "p"}}));
  a.server.PutProject(
      Project("shop", {ServiceWithEnv("web", {FromSecret("P", "db", "password")})}));
  a.server.FailSecrets(Status::Unavailable("cannot reach server"));
  CHECK(a.Pass().empty());
  CHECK(a.Phase("shop") == api::kPhaseScheduled);
  CHECK(a.server.TakeReports().empty());
  a.server.FailSecrets(Status::Ok());
  a.Pass();
  CHECK(a.Phase("shop") == api::kPhaseRunning);
}

TEST_CASE("A pull carries the credentials of the image's registry", "[fake][secrets]") {
  Agent a;
  const std::string image = "reg.example:5000/acme/app:1";
  a.server.PutSecret(Secret(
      "hub",
      {{"server", "https://index.docker.io/v1/"}, {"username", "hub-user"}, {"password", "hub-pw"}},
      "Registry"));
  a.server.PutSecret(
      Secret("mine", {{"server", "reg.example:5000"}, {"username", "me"}, {"password", "my-pw"}},
             "Registry"));
  api::Project p = Project("shop", {Service("web", image), Service("side", "acme/side:2")});
  p.spec.image_pull_secrets = {"hub", "mine"};

  SECTION("each image pulls as its registry's user") {
    a.server.PutProject(p);
    a.Pass();
    CHECK(a.engine.PullUser(image) == "me");
    CHECK(a.engine.PullUser("acme/side:2") == "hub-user");
    CHECK(a.Phase("shop") == api::kPhaseRunning);
  }
  SECTION("the registry's refusal fails the project as ImagePullFailed") {
    a.engine.FailPull(image, Status::Internal("unauthorized: authentication required"));
    a.server.PutProject(p);
    a.Pass();
    CHECK(a.Phase("shop") == api::kPhaseFailed);
    api::Condition c = a.PhaseCondition("shop");
    CHECK(c.reason == "ImagePullFailed");
    CHECK(c.message.find("unauthorized: authentication required") != std::string::npos);
    CHECK(c.message.find("my-pw") == std::string::npos);
  }
}

}  // namespace
}  // namespace cara::agent
