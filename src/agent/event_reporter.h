// The agent's events (Pulling, Started, BackOff, ...), posted through the
// control plane as cara-agent on this node. Best effort: an event that
// cannot be posted is logged and dropped, never a reason to stop a deploy.
// With an EventQueue (the agent's), posting does not wait for the server.
#pragma once

#include <string>

#include "agent/control_plane.h"
#include "agent/event_queue.h"

namespace cara::agent {

class EventReporter {
 public:
  // A null `server` drops every event (runtimes built without one). With a
  // `queue` (posting to the same server), events are queued instead of
  // posted in the caller's thread.
  EventReporter(ControlPlane* server, std::string node, EventQueue* queue = nullptr)
      : server_(server), node_(std::move(node)), queue_(queue) {}

  void Project(const std::string& project, const char* type, const char* reason,
               const std::string& message) const;

 private:
  ControlPlane* server_;
  std::string node_;
  EventQueue* queue_;
};

}  // namespace cara::agent
