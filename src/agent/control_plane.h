// The control-plane seam: what the agent asks of cara-server. ServerClient
// (HTTP) is the real one; tests/agent/fake_control_plane.h keeps projects and
// nodes in memory, so the agent's loops are tested without a server.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/event.h"
#include "api/types.h"
#include "common/status.h"

namespace cara::agent {

struct StatusReport {
  std::string phase;
  std::string reason;
  std::string message;
  int64_t observed_generation = 0;  // sent when > 0
  // The agent's own project conditions (Healthy, Restarting), sent when
  // set: the server then holds exactly these.
  std::optional<std::vector<api::Condition>> conditions;
  std::optional<std::vector<api::ServiceStatus>> services;  // restart counts, when set
};

// A Secret's values, as the server hands them to the node that runs a project
// referencing it. Held in memory for one reconcile pass: never logged, put in
// a label or a status message, or written to the state dir.
struct SecretValues {
  std::string name;
  std::string type;  // Opaque | Registry
  std::string resource_version;
  std::map<std::string, std::string> values;  // key -> plain value
};

class ControlPlane {
 public:
  virtual ~ControlPlane() = default;

  // Registers the node; a node registered already is success too.
  virtual Status Register(const std::string& node_name) = 0;
  // NotFound when the node is gone (the caller registers again).
  virtual Status Heartbeat(const std::string& node_name, const api::NodeStatus& report) = 0;
  // The projects placed on the node that are in one of `phases`.
  virtual Result<std::vector<api::Project>> ListProjects(
      const std::string& node_name, const std::vector<std::string>& phases) = 0;
  // Sets the project's phase, its Phase condition's reason and message, and
  // (when > 0) its observed generation.
  virtual Status ReportStatus(const std::string& project, const StatusReport& report) = 0;
  // The values of a Secret that a project placed on this node references;
  // NotFound when there is no such Secret.
  virtual Result<SecretValues> GetSecretValues(const std::string& name) = 0;
  // Reports an event about this node or a project placed on it (the server
  // names it, stamps it and folds repeats).
  virtual Status PostEvent(const api::Event& event) = 0;
};

}  // namespace cara::agent
