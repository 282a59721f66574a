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
  // backend: "sqlite" or "postgres", or the database_url() of another
  // TestServer on PostgreSQL, to run a second replica on its database. Fails
  // the test (throws) if it cannot start. With `controllers`, the controller
  // manager runs too (leader-elected). With options.require_auth and no
  // options.admin_token, an admin token is generated (admin_token()).
  // Plain HTTP unless options.tls names a certificate (then url() is https).
  explicit TestServer(const std::string& backend, server::ServerOptions options = {},
                      const TestControllers* controllers = nullptr);
  ~TestServer();

  std::string url() const;  // "http://127.0.0.1:PORT" (or https)
  int port() const { return server_->port(); }
  store::Store& store() { return *store_; }
  const std::string& database_url() const { return database_url_; }
  // With options.require_auth: a token of role admin.
  const std::string& admin_token() const { return admin_token_; }
  // Threads that wait on the controllers' clock while this server leads:
  // the leader elector's and the controller manager's.
  size_t clock_threads() const { return manager_ ? 1 + manager_->thread_count() : 0; }

 private:
  TempDir dir_;
  bool tls_ = false;
  std::string database_url_;
  std::string admin_token_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<server::ApiServer> server_;
  std::unique_ptr<controllers::Manager> manager_;
  std::unique_ptr<controllers::LeaderElector> elector_;
};

}  // namespace cara::testing
