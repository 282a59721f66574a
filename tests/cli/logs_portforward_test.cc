// caractrl logs and port-forward, run as the real binary against real
// components: a cara-server on loopback, a private dockerd and the real
// cara-agent binary (as in tests/agent/agent_e2e_test.cc).
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/agent_cluster.h"
#include "support/caractrl.h"
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

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

json Service(const std::string& name, std::vector<std::string> command = {}) {
  json s = {{"name", name}, {"image", DockerDaemon::kTestImage}};
  if (!command.empty()) s["command"] = command;
  return s;
}

// Two lines, then a third each time it gets SIGUSR1 (so a test can prove a
// follow stream still delivers without waiting for time to pass).
const char kTalker[] =
    "echo first line; echo second line; trap 'exit 0' TERM; trap 'echo third line' USR1; "
    "while true; do sleep 1; done";

}  // namespace

TEST_CASE("caractrl logs prints a service's output through its agent", "[cli][e2e]") {
  AgentCluster n;
  std::string p = DockerDaemon::UniqueName("logs");
  n.RunProject(p, {{"services", {Service("talker", {"sh", "-c", kTalker})}}});

  ProcessResult all;
  bool both = Eventually([&] {
    all = n.RunCaractrl({"logs", p + "/talker"});
    return all.exit_code == 0 && all.out.find("second line\n") != std::string::npos;
  });
  INFO(all.err);
  REQUIRE(both);
  CHECK(all.out == "first line\nsecond line\n");
  CHECK(all.err.empty());

  auto tail = n.RunCaractrl({"logs", p + "/talker", "--tail", "1"});
  CHECK(tail.exit_code == 0);
  CHECK(tail.out == "second line\n");

  // --node asks the agent directly, which a secure cluster's agents refuse:
  // caractrl says so up front rather than failing a handshake.
  auto direct = n.RunCaractrl({"logs", p + "/talker", "--node",
                               "127.0.0.1:" + std::to_string(n.agent_port()), "--tail", "1"});
  CHECK(direct.exit_code == 1);
  CHECK(direct.out.empty());
  CHECK(direct.err ==
        "Error: --node asks an agent directly, which only a --no-auth cluster (http://) "
        "allows; leave it out to go through the server\n");
  // And the agent itself refuses a client without the server's certificate.
  net::ClientCredentials no_certificate;
  no_certificate.tls.insecure_skip_verify = true;
  HttpClient agent("https://127.0.0.1:" + std::to_string(n.agent_port()), no_certificate);
  CHECK(agent.Get("/api/v1/logs/" + p + "/talker").status == 0);

  auto timestamps = n.RunCaractrl({"logs", p + "/talker", "--tail", "1", "--timestamps"});
  CHECK(timestamps.exit_code == 0);
  CHECK(timestamps.out.find(" second line\n") != std::string::npos);
  CHECK(timestamps.out != "second line\n");

  // The agent's 404 problem, rendered.
  auto missing = n.RunCaractrl({"logs", p + "/nosuch"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.out.empty());
  CHECK(missing.err == "Error: Not Found: container " + p + "/nosuch: container not found\n");

  // Follow mode keeps streaming until Ctrl-C, which exits 0.
  std::string log_path = n.dir() + "/follow.log";
  BackgroundProcess follow(n.Caractrl({"logs", p + "/talker", "-f"}), {}, log_path);
  CHECK(Eventually([&] { return ReadFile(log_path).find("second line") != std::string::npos; },
                   10000ms));
  // Still following: a line written now arrives too.
  auto kill = DockerDaemon::Shared().Request(
      "POST", "/v1.41/containers/" + p + "-talker/kill?signal=USR1", "");
  REQUIRE(kill.status == 204);
  CHECK(Eventually([&] { return ReadFile(log_path).find("third line") != std::string::npos; },
                   10000ms));
  CHECK(follow.running());
  follow.Signal(SIGINT);
  CHECK(follow.Wait() == 0);
}

TEST_CASE("caractrl logs --node asks a compat cluster's agent directly", "[cli][e2e][compat]") {
  AgentCluster n(TestServerMode::kInsecure);
  std::string p = DockerDaemon::UniqueName("logs");
  n.RunProject(p, {{"services", {Service("talker", {"sh", "-c", kTalker})}}});
  ProcessResult through_server;
  REQUIRE(Eventually([&] {
    through_server = n.RunCaractrl({"logs", p + "/talker", "--tail", "1"});
    return through_server.out == "second line\n";
  }));

  // --node as host:port skips the lookup.
  auto direct = n.RunCaractrl({"logs", p + "/talker", "--node",
                               "127.0.0.1:" + std::to_string(n.agent_port()), "--tail", "1"});
  INFO(direct.err);
  CHECK(direct.exit_code == 0);
  CHECK(direct.out == "second line\n");

  // --node as a node name resolves its ip and agentPort.
  auto named = n.RunCaractrl({"logs", p + "/talker", "--node", n.node(), "--tail", "1"});
  CHECK(named.exit_code == 0);
  CHECK(named.out == "second line\n");
}

// --node resolution is compat behaviour: a secure cluster refuses --node.
TEST_CASE("caractrl logs and port-forward reject bad targets and unresolvable agents",
          "[cli][compat]") {
  TestServer server("sqlite", TestServerMode::kInsecure);  // no controllers: projects stay Pending
  auto caractrl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {BuiltBinary("caractrl"), "--server", server.url()});
    return RunProcess(args, CaractrlEnv(server.url()));
  };
  auto bad = caractrl({"logs", "nosuchslash"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err == "Error: invalid target \"nosuchslash\": expected <project>/<service>\n");
  auto empty_service = caractrl({"port-forward", "p/", "80"});
  CHECK(empty_service.exit_code == 2);
  CHECK(empty_service.err == "Error: invalid target \"p/\": expected <project>/<service>\n");
  CHECK(caractrl({"logs", "/s"}).err ==
        "Error: invalid target \"/s\": expected <project>/<service>\n");

  CHECK(caractrl({"port-forward", "p/s", "http"}).err == "Error: invalid port \"http\"\n");
  CHECK(caractrl({"port-forward", "p/s", "0:80"}).err == "Error: invalid local port \"0\"\n");
  CHECK(caractrl({"port-forward", "p/s", "8080:70000"}).err ==
        "Error: invalid remote port \"70000\"\n");
  CHECK(caractrl({"port-forward", "p/s", "1:2:3"}).err == "Error: invalid port \"1:2:3\"\n");
  // A --node host:port is checked before anything listens.
  auto bad_agent = caractrl({"port-forward", "p/s", "80", "--node", "agent:http"});
  CHECK(bad_agent.exit_code == 1);
  CHECK(bad_agent.err ==
        "Error: invalid agent address: invalid port \"http\" in address \"agent:http\"\n");

  HttpClient api(server.url());
  REQUIRE(api.PostJson("/api/v1/projects",
                       {{"metadata", {{"name", "pending"}}},
                        {"spec",
                         {{"services", {{{"name", "web"}, {"image", DockerDaemon::kTestImage}}}}}}})
              .status == 201);
  auto unscheduled = caractrl({"logs", "pending/web"});
  CHECK(unscheduled.exit_code == 1);
  CHECK(unscheduled.err ==
        "Error: project \"pending\" has no nodeRef (not scheduled); use --node to specify the "
        "agent address\n");
  CHECK(caractrl({"port-forward", "pending/web", "80"}).err == unscheduled.err);

  // A node without an IP, then one without an agentPort.
  REQUIRE(api.PostJson("/api/v1/nodes", {{"metadata", {{"name", "bare"}}}}).status == 201);
  auto no_ip = caractrl({"logs", "pending/web", "--node", "bare"});
  CHECK(no_ip.exit_code == 1);
  CHECK(no_ip.err ==
        "Error: node \"bare\" has no IP address; use --node host:port to specify the agent "
        "address directly\n");
  REQUIRE(api.PostJson("/api/v1/nodes/bare/heartbeat",
                       {{"state", "Ready"}, {"network", {{"ip", "127.0.0.1"}}}})
              .status == 204);
  // Nothing listens on 127.0.0.1:9090 here (or something else does): only
  // the warning matters.
  auto no_port = caractrl({"logs", "pending/web", "--node", "bare"});
  CHECK(no_port.exit_code == 1);
  CHECK(no_port.err.rfind(
            "Warning: node \"bare\" has no agentPort set, defaulting to 9090\nError: ", 0) == 0);

  auto unknown_node = caractrl({"logs", "pending/web", "--node", "ghost"});
  CHECK(unknown_node.exit_code == 1);
  CHECK(unknown_node.err == "Error: node \"ghost\" not found\n");
  auto unknown_project = caractrl({"logs", "ghost/web"});
  CHECK(unknown_project.exit_code == 1);
  CHECK(unknown_project.err == "Error: project \"ghost\" not found\n");
}

TEST_CASE("caractrl port-forward tunnels a local port to a service", "[cli][e2e]") {
  AgentCluster n;
  std::string p = DockerDaemon::UniqueName("fwd");
  n.RunProject(p, {{"services", {Service("web")}}});

  int local = FreeLoopbackPort();
  std::string log_path = n.dir() + "/forward.log";
  BackgroundProcess forward(n.Caractrl({"port-forward", p + "/web", std::to_string(local) + ":80"}),
                            {}, log_path);
  std::string forwarding = "Forwarding 127.0.0.1:" + std::to_string(local) + " -> " + p + "/web:80";
  REQUIRE(Eventually([&] { return ReadFile(log_path).find(forwarding) != std::string::npos; },
                     10000ms));

  HttpClient through("http://127.0.0.1:" + std::to_string(local));
  auto page = through.Get("/");
  INFO(ReadFile(log_path));
  CHECK(page.status == 200);
  CHECK(page.body == DockerDaemon::kTestPage);
  // A second connection gets its own tunnel.
  CHECK(through.Get("/").body == DockerDaemon::kTestPage);
  CHECK(Eventually(
      [&] {
        std::string log = ReadFile(log_path);
        return log.find("Handling connection for 127.0.0.1:") != std::string::npos &&
               log.find("Connection from 127.0.0.1:") != std::string::npos &&
               log.find(" closed\n") != std::string::npos;
      },
      10000ms));

  forward.Signal(SIGINT);
  CHECK(forward.Wait() == 0);
  CHECK(ReadFile(log_path).find("\nShutting down...\n") != std::string::npos);
}

TEST_CASE("caractrl port-forward reports the agent's refusal per connection", "[cli][e2e]") {
  AgentCluster n;
  std::string p = DockerDaemon::UniqueName("fwdmiss");
  n.RunProject(p, {{"services", {Service("web")}}});

  int local = FreeLoopbackPort();
  std::string log_path = n.dir() + "/forward.log";
  BackgroundProcess forward(
      n.Caractrl({"port-forward", p + "/nosuch", std::to_string(local) + ":80"}), {}, log_path);
  REQUIRE(Eventually([&] { return ReadFile(log_path).find("Forwarding") != std::string::npos; },
                     10000ms));
  HttpClient through("http://127.0.0.1:" + std::to_string(local));
  auto r = through.Get("/");
  CHECK(r.status != 200);
  std::string want = "Error: Not Found: container " + p + "-nosuch: container not found\n";
  CHECK(Eventually([&] { return ReadFile(log_path).find(want) != std::string::npos; }, 10000ms));
  CHECK(forward.running());
  forward.Signal(SIGTERM);
  CHECK(forward.Wait() == 0);
}

}  // namespace cara::testing
