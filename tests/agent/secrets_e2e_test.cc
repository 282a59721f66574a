// Secrets end to end: cara-server, the real cara-agent binary, the private
// dockerd and a real private registry (docker-registry with htpasswd auth).
// A Registry Secret pulls a private image, an Opaque Secret's value reaches
// the container's environment, a changed value recreates only the service
// using it, bad registry credentials fail as ImagePullFailed with the
// registry's message, and no value shows up in the agent's log, labels or
// state dir.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/docker_client.h"
#include "support/agent_cluster.h"
#include "support/docker_daemon.h"
#include "support/docker_registry.h"
#include "support/eventually.h"
#include "support/http_client.h"
#include "workload_fixtures.h"

namespace cara::testing {
namespace {

using nlohmann::json;

constexpr char kValue1[] = "e2e-db-value-one";
constexpr char kValue2[] = "e2e-db-value-two";
constexpr char kBadPassword[] = "e2e-wrong-registry-password";

class SecretsCluster : public AgentCluster {
 public:
  SecretsCluster() : docker_(DockerDaemon::Shared().endpoint()) {
    DockerDaemon::Shared().EnsureTestImage();
  }

  void PutSecret(const std::string& name, const std::string& type, const json& string_data,
                 bool create) {
    json body = {{"apiVersion", "caravanserai/v1"},
                 {"kind", "Secret"},
                 {"metadata", {{"name", name}}},
                 {"type", type},
                 {"stringData", string_data}};
    auto r = create ? api_.PostJson("/api/v1/secrets", body)
                    : api_.PutJson("/api/v1/secrets/" + name, body);
    INFO(r.body);
    REQUIRE(r.status == (create ? 201 : 200));
  }
  void Create(const std::string& name, const json& spec) {
    auto r = api_.PostJson("/api/v1/projects", {{"metadata", {{"name", name}}}, {"spec", spec}});
    INFO(r.body);
    REQUIRE(r.status == 201);
  }
  json WaitPhase(const std::string& name, const std::string& phase) {
    json p;
    bool reached = Eventually([&] {
      auto r = api_.Get("/api/v1/projects/" + name);
      p = r.json;
      return r.status == 200 && p["status"].value("phase", "") == phase;
    });
    if (!reached) FAIL_CHECK(p.dump() << "\n" << AgentLog());
    return p;
  }
  std::string Logs(const std::string& container) { return ContainerLogs(docker_, container); }
  std::string ContainerId(const std::string& container) {
    auto info = docker_.InspectContainer(container);
    return info.ok() ? info->id : "";
  }
  agent::DockerClient& docker() { return docker_; }

 private:
  HttpClient api_{url()};
  agent::DockerClient docker_;
};

json PhaseCondition(const json& p) {
  for (const auto& c : p["status"].value("conditions", json::array())) {
    if (c.value("type", "") == "Phase") return c;
  }
  return json::object();
}

// Every regular file under `dir` holding `needle`.
std::vector<std::string> FilesHolding(const std::string& dir, const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path());
    std::stringstream ss;
    ss << in.rdbuf();
    if (ss.str().find(needle) != std::string::npos) found.push_back(entry.path());
  }
  return found;
}

json Service(const std::string& name, const std::string& image) {
  return {{"name", name},
          {"image", image},
          {"command", {"sh", "-c", "echo \"value=$DB_PASSWORD\"; exec httpd -f -p 80 -h /www"}}};
}

TEST_CASE("secrets end to end: a private image, env from a Secret, a changed value",
          "[agent][e2e][secrets]") {
  SecretsCluster c;
  DockerRegistry registry;
  const std::string image = registry.Push(DockerDaemon::Shared(), DockerDaemon::kTestImage,
                                          DockerDaemon::UniqueName("cara/secret-e2e"));
  const std::string p = DockerDaemon::UniqueName("sec");
  c.PutSecret("pull", "Registry",
              {{"server", registry.host()},
               {"username", registry.username()},
               {"password", registry.password()}},
              true);
  c.PutSecret("db", "Opaque", {{"password", kValue1}}, true);
  json web = Service("web", image);
  web["env"] = {{{"name", "DB_PASSWORD"},
                 {"valueFrom", {{"secretKeyRef", {{"name", "db"}, {"key", "password"}}}}}}};
  c.Create(p, {{"imagePullSecrets", {"pull"}}, {"services", {web, Service("plain", image)}}});
  c.WaitPhase(p, "Running");
  CHECK(c.Logs(p + "-web").find(std::string("value=") + kValue1) != std::string::npos);
  CHECK(c.Logs(p + "-plain").find("value=\n") != std::string::npos);
  const std::string plain_id = c.ContainerId(p + "-plain");
  const std::string web_id = c.ContainerId(p + "-web");

  // A new value: web is recreated with it, plain is left alone.
  c.PutSecret("db", "Opaque", {{"password", kValue2}}, false);
  bool recreated = Eventually([&] {
    return c.Logs(p + "-web").find(std::string("value=") + kValue2) != std::string::npos;
  });
  CHECK(recreated);
  CHECK(c.ContainerId(p + "-web") != web_id);
  CHECK(c.ContainerId(p + "-plain") == plain_id);
  c.WaitPhase(p, "Running");

  auto info = c.docker().InspectContainer(p + "-web");
  REQUIRE(info.ok());
  for (const auto& [key, value] : info->labels) {
    CHECK(value.find(kValue2) == std::string::npos);
  }
  for (const std::string& value :
       {std::string(kValue1), std::string(kValue2), registry.password()}) {
    INFO(value);
    CHECK(c.AgentLog().find(value) == std::string::npos);
    CHECK(FilesHolding(c.dir() + "/agent-state", value).empty());
  }
}

TEST_CASE(
    "secrets end to end: bad registry credentials fail the project with the registry's "
    "message",
    "[agent][e2e][secrets]") {
  SecretsCluster c;
  DockerRegistry registry;
  const std::string image = registry.Push(DockerDaemon::Shared(), DockerDaemon::kTestImage,
                                          DockerDaemon::UniqueName("cara/secret-e2e"));
  const std::string p = DockerDaemon::UniqueName("badpull");
  c.PutSecret(
      "pull", "Registry",
      {{"server", registry.host()}, {"username", registry.username()}, {"password", kBadPassword}},
      true);
  c.Create(p, {{"imagePullSecrets", {"pull"}}, {"services", {Service("web", image)}}});
  json failed = c.WaitPhase(p, "Failed");
  json condition = PhaseCondition(failed);
  CHECK(condition.value("reason", "") == "ImagePullFailed");
  CHECK(condition.value("message", "").find("unauthorized") != std::string::npos);
  CHECK(failed.dump().find(kBadPassword) == std::string::npos);
  CHECK(c.AgentLog().find(kBadPassword) == std::string::npos);
}

}  // namespace
}  // namespace cara::testing
