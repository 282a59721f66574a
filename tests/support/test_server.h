// An in-process cara-server on a loopback port over a real store: SQLite in a
// temp dir, or a fresh database on the shared test PostgreSQL server.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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

// How a TestServer is reached. Tests run like a real deployment (HTTPS and
// tokens) unless they are about the compatibility mode itself or about the
// plain HTTP layer, and say so by asking for kInsecure.
enum class TestServerMode {
  kSecure,    // HTTPS with its own cluster PKI, bearer tokens required
  kInsecure,  // plain HTTP, no tokens: cara-server --insecure-http --no-auth
};

class TestServer {
 public:
  // backend: "sqlite" or "postgres", or the database_url() of another
  // TestServer on PostgreSQL, to run a second replica on its database. Fails
  // the test (throws) if it cannot start. With `controllers`, the controller
  // manager runs too (leader-elected).
  //
  // kSecure: serves HTTPS with a certificate from a cluster PKI in its data
  // dir (unless options.tls names another) and requires tokens; an admin
  // token is generated unless options.admin_token is set. The admin token
  // and CA file are registered as the default credentials of url(), so
  // `HttpClient api(server.url())` and RunCaractrl act as admin.
  // kInsecure: plain HTTP; options.require_auth as given.
  explicit TestServer(const std::string& backend, server::ServerOptions options = {},
                      const TestControllers* controllers = nullptr,
                      TestServerMode mode = TestServerMode::kSecure);
  TestServer(const std::string& backend, TestServerMode mode)
      : TestServer(backend, {}, nullptr, mode) {}
  ~TestServer();

  std::string url() const;  // "https://127.0.0.1:PORT" (or http)
  int port() const { return server_->port(); }
  store::Store& store() { return *store_; }
  const std::string& database_url() const { return database_url_; }
  // With tokens required: a token of role admin.
  const std::string& admin_token() const { return admin_token_; }
  // The cluster CA clients trust (kSecure with the generated PKI), else "".
  const std::string& ca_file() const { return ca_file_; }
  // kSecure with the generated PKI: the join token agents join with (the
  // contents of <data dir>/join.token), else "".
  const std::string& join_token() const { return join_token_; }
  // The keys of its Secrets (a replica on the same database needs them).
  const std::shared_ptr<const server::SecretKeys>& secret_keys() const { return secret_keys_; }
  // Where the PKI and the SQLite database live.
  const std::string& data_dir() const { return dir_.path(); }
  // A new token made through the API as admin: `request` is the body of
  // POST /api/v1/tokens, e.g. {{"role", "viewer"}}. Throws on failure.
  std::string MintToken(const nlohmann::json& request);
  std::string MintToken(const std::string& role) { return MintToken({{"role", role}}); }
  // Threads that wait on the controllers' clock: the watch hub's poll
  // (always), and while this server leads, the leader elector's and the
  // controller manager's.
  size_t clock_threads() const {
    if (!manager_) return server_ ? 1 : 0;
    return 2 + manager_->thread_count();
  }
  // Whether this server's controllers run (it holds the leadership).
  bool leading() const { return manager_ && manager_->thread_count() > 0; }

 private:
  void SecureByDefault(server::ServerOptions& options, Clock& clock);

  TempDir dir_;
  bool tls_ = false;
  std::string database_url_;
  std::string admin_token_;
  std::string ca_file_;
  std::string join_token_;
  std::shared_ptr<const server::SecretKeys> secret_keys_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<server::ApiServer> server_;
  std::unique_ptr<controllers::Manager> manager_;
  std::unique_ptr<controllers::LeaderElector> elector_;
};

}  // namespace cara::testing
