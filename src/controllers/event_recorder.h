// The seam through which the server's controllers report events. Recording
// is best effort: an event is never worth failing a reconcile, so a failure
// is logged and swallowed. Callers record on transitions only (a placement,
// a state change), never on a pass that changed nothing.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/event.h"
#include "common/clock.h"
#include "store/event_records.h"
#include "store/store.h"

namespace cara::controllers {

class EventRecorder {
 public:
  virtual ~EventRecorder() = default;
  virtual void Record(const api::ObjectReference& object, const char* type, const char* reason,
                      const std::string& message) = 0;

  // One event of a batch (RecordAll).
  struct Entry {
    api::ObjectReference object;
    const char* type;
    const char* reason;
    std::string message;
  };
  // Many at once, for a controller that writes a batch (the scheduler).
  // The default records them one by one.
  virtual void RecordAll(const std::vector<Entry>& events) {
    for (const Entry& e : events) Record(e.object, e.type, e.reason, e.message);
  }
};

// Discards every event (controllers built without a recorder).
std::shared_ptr<EventRecorder> NullEventRecorder();

// Stores events as cara-server at the clock's time, folding repeats and
// applying the retention (store/event_records).
class StoreEventRecorder final : public EventRecorder {
 public:
  StoreEventRecorder(store::Store* store, Clock* clock, store::EventRetention retention)
      : store_(store), clock_(clock), retention_(retention) {}
  void Record(const api::ObjectReference& object, const char* type, const char* reason,
              const std::string& message) override;
  // In one store transaction (store::RecordEvents).
  void RecordAll(const std::vector<Entry>& events) override;

 private:
  store::Store* store_;
  Clock* clock_;
  store::EventRetention retention_;
};

}  // namespace cara::controllers
