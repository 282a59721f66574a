// The controller contract the manager drives. A controller reconciles one
// key at a time toward the desired state, reading and writing only through
// the Store; it never sees HTTP or SQL.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "controllers/config.h"
#include "controllers/event_recorder.h"
#include "store/store.h"

namespace cara::controllers {

struct ReconcileResult {
  bool requeue = false;                   // look again after the requeue delay
  std::optional<Duration> requeue_after;  // or precisely after this long
};

// What Reconcile returns when reading or writing its key failed: a key that
// no longer exists needs nothing more; any other error is retried.
inline Result<ReconcileResult> DoneIfNotFound(const Status& status) {
  if (status.code() == Code::kNotFound) return ReconcileResult{};
  return status;
}

// How a controller asks for work from an event handler.
class Enqueuer {
 public:
  virtual ~Enqueuer() = default;
  virtual void Add(const std::string& key) = 0;
  // Run ResyncKeys() soon, on the manager's thread (for "something changed
  // that may affect many keys", e.g. a node appearing for the scheduler).
  virtual void ResyncSoon() = 0;
};

class Controller {
 public:
  virtual ~Controller() = default;
  virtual const char* Name() const = 0;
  virtual Result<ReconcileResult> Reconcile(const std::string& key) = 0;
  // A controller that decides many keys better together (the scheduler:
  // one store transaction for a batch of placements) takes up to this many
  // ready keys at a time through ReconcileBatch.
  virtual size_t MaxBatch() const { return 1; }
  // One result per key, in order. The default reconciles them one by one.
  virtual std::vector<Result<ReconcileResult>> ReconcileBatch(
      const std::vector<std::string>& keys) {
    std::vector<Result<ReconcileResult>> results;
    results.reserve(keys.size());
    for (const std::string& key : keys) results.push_back(Reconcile(key));
    return results;
  }
  // Keys to look at on start-up and at every resync.
  virtual Result<std::vector<std::string>> ResyncKeys() = 0;
  // Runs on the writer's thread after a store commit: must be cheap and must
  // not touch the store; enqueue keys or ask for a resync.
  virtual void OnEvent(const store::Event& event, Enqueuer& enqueuer) = 0;
};

// What the standard controllers hold: the store they reconcile through, the
// clock they read, the timings they act on and where their events go.
class StoreController : public Controller {
 protected:
  StoreController(store::Store* store, Clock* clock, ControllerConfig config = {},
                  std::shared_ptr<EventRecorder> events = nullptr)
      : store_(store),
        clock_(clock),
        config_(config),
        events_(events ? std::move(events) : NullEventRecorder()) {}

  store::Store* const store_;
  Clock* const clock_;
  const ControllerConfig config_;
  const std::shared_ptr<EventRecorder> events_;
};

}  // namespace cara::controllers
