// Runs the controller manager only while this process holds the store's
// leader lease (a PostgreSQL advisory lock, or a lock file beside the SQLite
// database), so several cara-server replicas can share one database: every
// replica serves the API, one runs controllers, and another takes over
// within one retry interval when the leader dies.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "controllers/manager.h"
#include "store/store.h"

namespace cara::controllers {

class LeaderElector {
 public:
  // Tries for the lease, and checks that it still holds it, every
  // `retry_interval` on `clock`.
  LeaderElector(store::Store* store, Manager* manager, Clock* clock, Duration retry_interval);
  ~LeaderElector();

  void Start();
  // Stops the manager (if leading) and releases the lease.
  void Stop();
  bool leading() const { return leading_; }

 private:
  void Loop();

  store::Store* store_;
  Manager* manager_;
  Clock* clock_;
  Duration retry_interval_;
  std::unique_ptr<store::LeaderLease> lease_;
  std::atomic<bool> leading_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cara::controllers
