// The agent's events (Pulling, Started, BackOff, ...), posted through the
// control plane as cara-agent on this node. Best effort: an event that
// cannot be posted is logged and dropped, never a reason to stop a deploy.
#pragma once

#include <string>

#include "agent/control_plane.h"

namespace cara::agent {

class EventReporter {
 public:
  // A null `server` drops every event (runtimes built without one).
  EventReporter(ControlPlane* server, std::string node) : server_(server), node_(std::move(node)) {}

  void Project(const std::string& project, const char* type, const char* reason,
               const std::string& message) const;

 private:
  ControlPlane* server_;
  std::string node_;
};

}  // namespace cara::agent
