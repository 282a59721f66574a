// The control-plane seam: what the agent asks of cara-server. ServerClient
// (HTTP) is the real one; tests/agent/fake_control_plane.h keeps projects and
// nodes in memory, so the agent's loops are tested without a server.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
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

// A stream of changes to the projects placed on a node, so the agent acts on
// an assignment at once instead of at its next poll.
class AssignmentWatch {
 public:
  struct Callbacks {
    std::function<void()> on_change;  // a project placed on the node changed, came or went
    // The stream is open (true) or broken, being retried (false): while it
    // is broken the agent polls.
    std::function<void(bool watching)> on_state;
  };
  virtual ~AssignmentWatch() = default;
  // Blocks until Cancel() (OK) or until the server refuses to watch for good
  // (the error: an older server without the watch API, or a rejected
  // credential). Call once.
  virtual Status Run(const Callbacks& callbacks) = 0;
  // Ends Run from any thread.
  virtual void Cancel() = 0;
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
  // A watch of the projects placed on the node, any phase.
  virtual std::unique_ptr<AssignmentWatch> WatchAssignments(const std::string& node_name) = 0;
};

}  // namespace cara::agent
