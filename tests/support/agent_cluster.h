// A one-node cluster of real components for end-to-end CLI tests: an
// in-process cara-server with controllers on SQLite, and the real cara-agent
// binary on the shared private dockerd.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::testing {

class AgentCluster {
 public:
  // Starts the agent, on the shared private dockerd or on `docker_host`
  // (unix:///path) when given.
  explicit AgentCluster(std::string docker_host = "")
      : AgentCluster(TestServerMode::kSecure, std::move(docker_host)) {}
  // kInsecure: a compat cluster (server in --insecure-http --no-auth, the
  // agent without a join token, serving plain HTTP to anyone).
  explicit AgentCluster(TestServerMode mode, std::string docker_host = "");
  ~AgentCluster();  // stops it

  // The agent's lifecycle, for scenarios that crash or restart it.
  void StartAgent();
  void KillAgent();  // SIGKILL, mid-whatever
  void StopAgent();  // SIGTERM, and wait for it
  // The agent's --resync-interval and --poll-interval from the next
  // StartAgent on (default 300ms both: every pass soon, as the scenarios
  // expect).
  void SetAgentIntervals(std::string resync, std::string poll);

  const std::string& node() const { return node_; }
  TestServer& server() { return server_; }
  std::string url() const { return server_.url(); }
  int agent_port() const { return agent_port_; }
  int proxy_port() const { return proxy_port_; }
  const std::string& dir() const { return dir_.path(); }
  std::string AgentLog() const;

  // Creates the project through the API and waits until it runs.
  void RunProject(const std::string& project, const nlohmann::json& spec);

  // caractrl's argv with --server pointing at this cluster (and the admin
  // token and CA when it is secure).
  std::vector<std::string> Caractrl(std::vector<std::string> args) const;
  ProcessResult RunCaractrl(std::vector<std::string> args) const;

 private:
  TempDir dir_;
  TestControllers controllers_;
  TestServerMode mode_;
  TestServer server_;
  int agent_port_;
  int proxy_port_;
  std::string node_;
  std::string docker_host_;
  std::string agent_log_;  // under test-logs: appended to across restarts
  std::string resync_interval_ = "300ms";
  std::string poll_interval_ = "300ms";
  std::unique_ptr<BackgroundProcess> agent_;
};

}  // namespace cara::testing
