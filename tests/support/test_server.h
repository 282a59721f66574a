// An in-process cara-server on a loopback port over a real store: SQLite in a
// temp dir, or a fresh database on the shared test PostgreSQL server.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "controllers/config.h"
#include "controllers/leader_election.h"
#include "controllers/manager.h"
#include "server/api_server.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace cara::testing {

// The backends every store-touching test runs against.
inline const std::vector<std::string>& AllBackends() {
  static const std::vector<std::string> kBackends = {"sqlite", "postgres"};
  return kBackends;
}

// Controllers with short timings, for tests that watch them act over HTTP.
struct TestControllers {
  controllers::ManagerOptions manager;
  controllers::ControllerConfig config;
  // The clock the whole server runs on (store, API, controllers, leader
  // election): a FakeClock lets a test move past a timeout without waiting.
  Clock* clock = SystemClock::Default();
  TestControllers() {
    using namespace std::chrono_literals;
    manager.resync_interval = 1s;
    manager.requeue_delay = 200ms;
    manager.error_backoff = 100ms;
    config.heartbeat_timeout = 2s;
    config.running_grace_period = 2s;
    config.terminating_timeout = 3s;
  }
};

class TestServer {
 public:
  // backend: "sqlite" or "postgres". Fails the test (throws) if it cannot start.
  // With `controllers`, the controller manager runs too (leader-elected).
  explicit TestServer(const std::string& backend, server::ServerOptions options = {},
                      const TestControllers* controllers = nullptr);
  ~TestServer();

  std::string url() const;  // "http://127.0.0.1:PORT"
  int port() const { return server_->port(); }
  store::Store& store() { return *store_; }
  const std::string& database_url() const { return database_url_; }
  // Threads that wait on the controllers' clock while this server leads:
  // the leader elector's and the controller manager's.
  size_t clock_threads() const { return manager_ ? 1 + manager_->thread_count() : 0; }

 private:
  TempDir dir_;
  std::string database_url_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<server::ApiServer> server_;
  std::unique_ptr<controllers::Manager> manager_;
  std::unique_ptr<controllers::LeaderElector> elector_;
};

}  // namespace cara::testing
