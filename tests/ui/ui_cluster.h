// A cluster for the dashboard's browser scenarios: a real one-node
// AgentCluster, a token per role, and the node scripts under tests/ui run
// against it with everything they need in their environment.
#pragma once

#include <map>
#include <string>

#include "support/agent_cluster.h"
#include "support/process.h"

namespace cara::testing {

class UiCluster : public AgentCluster {
 public:
  UiCluster();  // mints an admin, a deployer and a viewer token

  // Runs `node tests/ui/<script>`; `env` is added to the cluster's (the
  // URL, CA, server certificate, tokens, node and screenshot directory).
  // The scripts print no token, so their output may go into a failure.
  ProcessResult RunScenario(const std::string& script,
                            const std::map<std::string, std::string>& env = {}) const;

 private:
  std::map<std::string, std::string> env_;
};

// Where the scenarios save their screenshots: <build dir>/ui-screenshots.
std::string UiScreenshotDir();

}  // namespace cara::testing
