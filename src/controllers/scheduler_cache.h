// The scheduler's view of the cluster: every node; per node the requests of
// its Scheduled/Running projects and the host ports of its
// Scheduled/Running/Terminating ones; and the Pending projects themselves,
// so a batch of decisions reads nothing from the store. Listing all of that
// for every decision made placing N projects cost O(N) decodes each, O(N²)
// in all (10,000 projects took minutes, almost all of it parsing JSON); this
// view is built once and then kept current from the store's change events.
//
// It subscribes to the store itself (local writes, and other replicas' when
// remote events are on), so it is correct however the controller is driven.
// An event carries the object as written with its revision: the view takes
// it from there (newest revision wins, so events that arrive out of order do
// no harm) and reads the store only for an event without one (a remote event
// too big for a notification). Events can still be missed (a PostgreSQL
// listener reconnecting), so the owner calls Invalidate() at every resync and
// the next Refresh() starts over from the store.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "api/types.h"
#include "common/status.h"
#include "controllers/node_usage.h"
#include "store/store.h"

namespace cara::controllers {

class SchedulerCache {
 public:
  explicit SchedulerCache(store::Store* store);
  ~SchedulerCache();
  SchedulerCache(const SchedulerCache&) = delete;
  SchedulerCache& operator=(const SchedulerCache&) = delete;

  // The next Refresh() re-lists everything. Thread-safe.
  void Invalidate();

  // Brings the view up to date with every change announced before the call.
  // Not thread-safe with itself or the accessors and updates below: one
  // scheduling pass at a time (the scheduler serializes them).
  Status Refresh();

  // In creation order, as ListNodes returns them (placement breaks ties by it).
  const std::vector<api::Node>& nodes() const { return nodes_; }
  // NodeAllocatable of each node, index for index (parsed once per change).
  const std::vector<Resources>& allocatable() const { return allocatable_; }
  const NodeUsage& usage() const { return usage_; }
  // The project as last seen if it was Pending then, else null.
  const api::Project* Pending(const std::string& name) const;

  // Takes `project` as its newest state: one the owner just wrote, or a
  // placement it decided and is about to write (so the next decision of the
  // same batch counts its room).
  void Apply(const api::Project& project);
  // Reads the object again at the next Refresh (a write of it was refused:
  // the view was behind).
  void ForgetProject(const std::string& name);
  void ForgetNode(const std::string& name);

 private:
  // A change announced since the last Refresh: the newest revision noted,
  // and the object as written then (empty: read it from the store).
  struct Note {
    int64_t revision = 0;
    bool deleted = false;
    std::string body;
  };
  // What the view knows of one project.
  struct Entry {
    int64_t revision = 0;  // kept after a delete, against late older events
    std::optional<ProjectLoad> load;
    std::unique_ptr<api::Project> pending;
  };

  void OnEvent(const store::Event& event);
  void Mark(std::map<std::string, Note>& notes, const std::string& name, Note note);
  Status ListNodes();
  Status ListProjects();
  Status RefreshNode(const std::string& name, const Note& note);
  Status RefreshProject(const std::string& name, const Note& note);
  void SetNode(const std::string& name, std::optional<api::Node> node);
  void Erase(const std::string& project, int64_t revision);

  store::Store* store_;
  int subscription_ = 0;

  std::mutex mu_;  // guards the notes, written on the writers' threads
  bool stale_nodes_ = true;
  bool stale_projects_ = true;
  std::map<std::string, Note> node_notes_;
  std::map<std::string, Note> project_notes_;

  // The view, touched only by Refresh(), the accessors and the updates.
  std::vector<api::Node> nodes_;
  std::vector<Resources> allocatable_;
  std::unordered_map<std::string, size_t> node_index_;
  std::unordered_map<std::string, Entry> projects_;
  NodeUsage usage_;
};

}  // namespace cara::controllers
