// The scheduler's view of the cluster: every node, and per node the requests
// of its Scheduled/Running projects and the host ports of its
// Scheduled/Running/Terminating ones. Listing all of that for every decision
// made placing N projects cost O(N) decodes each, O(N²) in all (10,000
// projects took minutes, almost all of it parsing JSON); this view is built
// once and then kept current from the store's change events, re-reading only
// the objects that changed.
//
// It subscribes to the store itself (local writes, and other replicas' when
// remote events are on), so it is correct however the controller is driven.
// Events can still be missed (a PostgreSQL listener reconnecting), so the
// owner calls Invalidate() at every resync and the next Refresh() starts over
// from the store.
#pragma once

#include <mutex>
#include <set>
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
  // Not thread-safe with itself or the accessors: one scheduling decision at
  // a time (the scheduler serializes them).
  Status Refresh();

  // In creation order, as ListNodes returns them (placement breaks ties by it).
  const std::vector<api::Node>& nodes() const { return nodes_; }
  const NodeUsage& usage() const { return usage_; }

 private:
  void Note(const store::Event& event);
  Status ListNodes();
  Status ListPlaced();
  Status RereadNode(const std::string& name);
  Status RereadProject(const std::string& name);
  void Place(const std::string& project, ProjectLoad load);
  void Unplace(const std::string& project);

  store::Store* store_;
  int subscription_ = 0;

  std::mutex mu_;  // guards the change notes, written on the writers' threads
  bool stale_nodes_ = true;
  bool stale_projects_ = true;
  std::set<std::string> changed_nodes_;
  std::set<std::string> changed_projects_;

  // The view, touched only by Refresh() and the accessors.
  std::vector<api::Node> nodes_;
  std::unordered_map<std::string, size_t> node_index_;
  std::unordered_map<std::string, ProjectLoad> placed_;
  NodeUsage usage_;
};

}  // namespace cara::controllers
