// The controller manager: one work queue and worker pool per controller,
// store events that wake controllers at once, periodic resyncs, requeues,
// and per-key exponential backoff after errors.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "controllers/controller.h"
#include "store/store.h"

namespace cara::controllers {

struct ManagerOptions {
  Duration resync_interval = std::chrono::seconds(30);
  Duration requeue_delay = std::chrono::seconds(10);
  Duration error_backoff = std::chrono::seconds(5);  // doubles per failure of a key
  Duration max_error_backoff = std::chrono::minutes(5);
  int workers_per_controller = 1;
};

class Manager {
 public:
  // Subscribes to the store's events; they are ignored while stopped. Delays,
  // backoffs and resyncs wait on `clock`.
  Manager(store::Store* store, Clock* clock, ManagerOptions options);
  ~Manager();

  // Add every controller before Start().
  void Add(std::unique_ptr<Controller> controller);

  // Starts workers and resync loops; may be called again after Stop() (a
  // replica that regains leadership).
  void Start();
  void Stop();
  bool running() const { return running_; }
  // Threads it runs while started (a resync loop and the workers of each
  // controller), all waiting on the clock when idle; 0 while stopped.
  size_t thread_count() const;

  // Prometheus lines: queue depth and reconcile totals per controller.
  void RenderMetrics(std::string& out) const;

 private:
  struct Runner;
  void Dispatch(const store::Event& event);

  store::Store* store_;
  Clock* clock_;
  int subscription_ = 0;
  ManagerOptions options_;
  std::vector<std::unique_ptr<Runner>> runners_;
  std::atomic<bool> running_{false};
  std::mutex lifecycle_mu_;
};

}  // namespace cara::controllers
