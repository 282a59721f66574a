// A ControlPlane that keeps nodes and projects in memory and applies status
// reports the way cara-server does (phase, Phase condition, observed
// generation), so the next reconcile pass sees what the last one reported.
// Tests wait for the agent's threads with WaitFor, which wakes on every call.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "agent/control_plane.h"

namespace cara::agent {

class FakeControlPlane final : public ControlPlane {
 public:
  struct HeartbeatCall {
    std::string node;
    api::NodeStatus report;
  };
  struct ReportCall {
    std::string project;
    StatusReport status;
  };

  // --- test controls ---

  // Adds or replaces a project as the server would hold it, and tells the
  // open assignment watches (unless `announce` is false: a change the watch
  // missed, which only a resync finds).
  void PutProject(const api::Project& project, bool announce = true);
  api::Project GetProject(const std::string& name) const;
  // The node is deleted: its next heartbeat is NotFound.
  void DeleteNode(const std::string& node);
  std::set<std::string> Nodes() const;
  std::vector<HeartbeatCall> Heartbeats() const;
  int registrations() const;
  int list_calls() const;
  // Adds or replaces a Secret (its values as the server would hand them out);
  // a missing one is NotFound. FailSecrets makes every fetch fail with
  // `error` (a server that does not answer) until called with OK.
  void PutSecret(const SecretValues& secret);
  void DeleteSecret(const std::string& name);
  void FailSecrets(Status error);
  int secret_fetches() const;
  // WatchAssignments' watches answer `error` at once (a server without the
  // watch API) until called with OK; open_watches() counts those running.
  void RefuseWatch(Status error);
  int open_watches() const;
  // The status reports so far; Take clears the list.
  std::vector<ReportCall> TakeReports();
  // The events posted so far, oldest first; Take clears the list.
  std::vector<api::Event> TakeEvents();
  // While held, PostEvent waits (a server slow to record events) until
  // released; events_waiting() counts the posts waiting.
  void HoldEvents(bool hold);
  int events_waiting() const;

  // Waits until `done` holds, checking it again after every call the agent
  // makes (`done` may use the accessors above); false after `timeout`.
  bool WaitFor(const std::function<bool()>& done,
               std::chrono::milliseconds timeout = std::chrono::seconds(20));

  // --- ControlPlane ---
  Status Register(const std::string& node_name) override;
  Status Heartbeat(const std::string& node_name, const api::NodeStatus& report) override;
  Result<std::vector<api::Project>> ListProjects(const std::string& node_name,
                                                 const std::vector<std::string>& phases) override;
  Status ReportStatus(const std::string& project, const StatusReport& report) override;
  Result<SecretValues> GetSecretValues(const std::string& name) override;
  Status PostEvent(const api::Event& event) override;
  std::unique_ptr<AssignmentWatch> WatchAssignments(const std::string& node_name) override;

 private:
  class Watch;
  void Called();   // needs mu_ held
  void Changed();  // needs mu_ held: the watches see a change

  mutable std::mutex mu_;
  std::condition_variable changed_;
  uint64_t calls_ = 0;  // every ControlPlane call, for WaitFor
  std::set<std::string> nodes_;
  std::map<std::string, api::Project> projects_;
  std::vector<HeartbeatCall> heartbeats_;
  std::vector<ReportCall> reports_;
  std::vector<api::Event> events_;
  bool hold_events_ = false;
  int events_waiting_ = 0;
  std::condition_variable events_released_;
  int registrations_ = 0;
  int list_calls_ = 0;
  std::map<std::string, SecretValues> secrets_;
  Status secret_error_;
  int secret_fetches_ = 0;
  Status watch_error_;
  int open_watches_ = 0;
  uint64_t changes_ = 0;  // announced changes, for the watches
};

}  // namespace cara::agent
