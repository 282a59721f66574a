// state-change-events: turns the state changes the store announces into
// events -- a node going NotReady or Ready again or starting to drain, a
// project starting to terminate -- whoever wrote them (a controller, a
// heartbeat, a delete through the API, another replica). Heartbeats and
// writes that keep the state are ignored, so only transitions make events.
// It runs on the leader only, so each transition is told once.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "controllers/controller.h"

namespace cara::controllers {

class StateChangeEventsController final : public StoreController {
 public:
  StateChangeEventsController(store::Store* store, Clock* clock,
                              std::shared_ptr<EventRecorder> events)
      : StoreController(store, clock, {}, std::move(events)) {}

  const char* Name() const override { return "state-change-events"; }
  // key: "Node/<name>" or "Project/<name>".
  Result<ReconcileResult> Reconcile(const std::string& key) override;
  // Many keys' events in one store transaction: 10,000 nodes turning Ready
  // at once are 40 transactions, not 10,000.
  size_t MaxBatch() const override { return 256; }
  std::vector<Result<ReconcileResult>> ReconcileBatch(
      const std::vector<std::string>& keys) override;
  // Transitions are known only from events: nothing to find on a resync.
  Result<std::vector<std::string>> ResyncKeys() override { return std::vector<std::string>{}; }
  void OnEvent(const store::Event& event, Enqueuer& enqueuer) override;

 private:
  struct Change {
    std::string from;
    std::string to;
  };
  // Appends to `out` the events of `key`'s pending changes.
  void TakeEvents(const std::string& key, std::vector<EventRecorder::Entry>& out);
  static std::optional<EventRecorder::Entry> NodeChangeEvent(const std::string& name,
                                                             const Change& change);
  EventRecorder::Entry ProjectChangeEvent(const std::string& name);

  std::mutex mu_;
  std::map<std::string, std::vector<Change>> pending_;  // by key, oldest first
};

}  // namespace cara::controllers
