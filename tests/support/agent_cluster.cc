#include "support/agent_cluster.h"

#include <signal.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "support/docker_daemon.h"
#include "support/eventually.h"
#include "support/http_client.h"

namespace cara::testing {

AgentCluster::AgentCluster(TestServerMode mode, std::string docker_host)
    // The secure default: the agent joins with the server's join token.
    : mode_(mode),
      server_("sqlite", {}, &controllers_, mode),
      agent_port_(FreeLoopbackPort()),
      proxy_port_(FreeLoopbackPort()),
      docker_host_(std::move(docker_host)) {
  DockerDaemon::Shared().EnsureTestImage();
  if (docker_host_.empty()) docker_host_ = DockerDaemon::Shared().endpoint();
  node_ = DockerDaemon::UniqueName("node");
  agent_log_ = TestLogPath("cara-agent-" + node_);
  StartAgent();
}

AgentCluster::~AgentCluster() { StopAgent(); }

void AgentCluster::StartAgent() {
  std::map<std::string, std::string> env = {{"CARA_RESYNC_INTERVAL", resync_interval_}};
  // In the environment, not argv: a join token is a secret.
  if (mode_ == TestServerMode::kSecure) env["CARA_JOIN_TOKEN"] = server_.join_token();
  agent_ = std::make_unique<BackgroundProcess>(
      std::vector<std::string>{BuiltBinary("cara-agent"), "--server-url", server_.url(),
                               "--node-name", node_, "--docker-host", docker_host_, "--agent-port",
                               std::to_string(agent_port_), "--proxy-listen-addr",
                               "127.0.0.1:" + std::to_string(proxy_port_), "--advertise-ip",
                               "127.0.0.1", "--heartbeat-interval", "500ms", "--poll-interval",
                               poll_interval_, "--state-dir", dir_.path() + "/agent-state"},
      env, agent_log_);
}

void AgentCluster::SetAgentIntervals(std::string resync, std::string poll) {
  resync_interval_ = std::move(resync);
  poll_interval_ = std::move(poll);
}

void AgentCluster::KillAgent() {
  agent_->Signal(SIGKILL);
  agent_->Wait();
}

void AgentCluster::StopAgent() {
  if (!agent_) return;
  agent_->Signal(SIGTERM);
  agent_->Wait();
  agent_.reset();
}

std::string AgentCluster::AgentLog() const {
  std::ifstream in(agent_log_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void AgentCluster::RunProject(const std::string& project, const nlohmann::json& spec) {
  HttpClient api(server_.url());
  auto r = api.PostJson("/api/v1/projects", {{"metadata", {{"name", project}}}, {"spec", spec}});
  REQUIRE(r.status == 201);
  bool running = Eventually([&] {
    auto p = api.Get("/api/v1/projects/" + project);
    return p.status == 200 && p.json["status"].value("phase", "") == "Running";
  });
  INFO(AgentLog());
  REQUIRE(running);
}

std::vector<std::string> AgentCluster::Caractrl(std::vector<std::string> args) const {
  if (mode_ == TestServerMode::kSecure) {
    args.insert(args.begin(),
                {"--token", server_.admin_token(), "--certificate-authority", server_.ca_file()});
  }
  args.insert(args.begin(), {BuiltBinary("caractrl"), "--server", server_.url()});
  return args;
}

ProcessResult AgentCluster::RunCaractrl(std::vector<std::string> args) const {
  return RunProcess(Caractrl(std::move(args)));
}

}  // namespace cara::testing
