// The compatibility mode, cara-server --insecure-http --no-auth (the real
// binaries, as a lab would run them): the reference flows work without any
// credential. Every other test runs the secure default; this one keeps the
// old way working.
#include <signal.h>

#include <catch2/catch.hpp>

#include "support/cara_server_binary.h"
#include "support/docker_daemon.h"
#include "support/eventually.h"
#include "support/file_contents.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace cara::testing {
namespace {

using nlohmann::json;

const json kProject = {{"metadata", {{"name", "web"}}},
                       {"spec", {{"services", {{{"name", "web"}, {"image", "nginx:1.27"}}}}}}};

// caractrl with nothing but --server: no token, no CA, no config file.
ProcessResult BareCaractrl(const TempDir& home, const std::string& url,
                           std::vector<std::string> args) {
  args.insert(args.begin(), {BuiltBinary("caractrl"), "--server", url});
  return RunProcess(args, {{"HOME", home.path()}, {"CARA_TOKEN", ""}, {"CARA_CA_FILE", ""}});
}

TEST_CASE("compat mode (--insecure-http --no-auth): projects and nodes over plain HTTP, no token",
          "[compat][process]") {
  TempDir data;
  CaraServerBinary server(data.path(), {"--insecure-http", "--no-auth", "--no-controllers"},
                          {{"DATABASE_URL", ""}, {"CARA_ADMIN_TOKEN", ""}},
                          TestLogPath("cara-server-compat"));
  REQUIRE(server.url().rfind("http://", 0) == 0);
  CHECK(server.admin_token().empty());  // no token is made when none is asked for

  HttpClient api(server.url(), kNoCredentials);
  CHECK_THAT(api.PostJson("/api/v1/projects", kProject), HasStatus(201));
  CHECK(api.Get("/api/v1/projects/web").json["metadata"]["name"] == "web");
  CHECK(api.Get("/api/v1/projects").json["items"].size() == 1);
  CHECK_THAT(api.PostJson("/api/v1/nodes", {{"metadata", {{"name", "n1"}}}}), HasStatus(201));
  CHECK(api.Get("/api/v1/nodes/n1").json["metadata"]["name"] == "n1");
  CHECK(api.Get("/api/v1/nodes").json["items"].size() == 1);

  TempDir home;
  ProcessResult get = BareCaractrl(home, server.url(), {"get", "projects"});
  INFO(get.err);
  CHECK(get.exit_code == 0);
  CHECK(get.out.find("web") != std::string::npos);
  ProcessResult nodes = BareCaractrl(home, server.url(), {"get", "nodes"});
  CHECK(nodes.exit_code == 0);
  CHECK(nodes.out.find("n1") != std::string::npos);
  CHECK(BareCaractrl(home, server.url(), {"delete", "project", "web"}).exit_code == 0);

  CHECK_THAT(api.Delete("/api/v1/nodes/n1"), HasStatus(204));
  CHECK_THAT(api.Get("/api/v1/nodes/n1"), HasStatus(404));
  CHECK(Eventually([&] { return api.Get("/api/v1/projects/web").status == 404; }));
}

TEST_CASE("compat mode (--insecure-http --no-auth): an agent without a join token registers and heartbeats",
          "[compat][process][docker]") {
  DockerDaemon::Shared().EnsureTestImage();
  TempDir data, state;
  CaraServerBinary server(data.path(), {"--insecure-http", "--no-auth"},
                          {{"DATABASE_URL", ""}, {"CARA_ADMIN_TOKEN", ""}},
                          TestLogPath("cara-server-compat"));
  const std::string node = DockerDaemon::UniqueName("compat");
  const std::string agent_log = TestLogPath("cara-agent-compat");
  BackgroundProcess agent(
      {BuiltBinary("cara-agent"), "--server-url", server.url(), "--node-name", node,
       "--docker-host", DockerDaemon::Shared().endpoint(), "--agent-port",
       std::to_string(FreeLoopbackPort()), "--proxy-listen-addr",
       "127.0.0.1:" + std::to_string(FreeLoopbackPort()), "--advertise-ip", "127.0.0.1",
       "--state-dir", state.path(), "--heartbeat-interval", "300ms"},
      {}, agent_log);

  HttpClient api(server.url(), kNoCredentials);
  auto heartbeat = [&] {
    HttpResponse r = api.Get("/api/v1/nodes/" + node);
    return r.status == 200 ? r.json["status"].value("lastHeartbeat", "") : "";
  };
  std::string first;
  bool registered = Eventually([&] { return !(first = heartbeat()).empty(); });
  INFO(ReadAll(agent_log));
  REQUIRE(registered);
  CHECK(api.Get("/api/v1/nodes/" + node).json["status"].value("state", "") == "Ready");
  CHECK(Eventually([&] { return heartbeat() != first; }));  // it keeps heartbeating
  agent.Signal(SIGTERM);
  agent.Wait();
}

}  // namespace
}  // namespace cara::testing
