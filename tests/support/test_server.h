// An in-process cara-server on a loopback port over a real store: SQLite in a
// temp dir, or a fresh database on the shared test PostgreSQL server.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "server/api_server.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace cara::testing {

// The backends every store-touching test runs against.
inline const std::vector<std::string>& AllBackends() {
  static const std::vector<std::string> kBackends = {"sqlite", "postgres"};
  return kBackends;
}

class TestServer {
 public:
  // backend: "sqlite" or "postgres". Fails the test (throws) if it cannot start.
  explicit TestServer(const std::string& backend, server::ServerOptions options = {});
  ~TestServer();

  std::string url() const;  // "http://127.0.0.1:PORT"
  int port() const { return server_->port(); }
  store::Store& store() { return *store_; }
  const std::string& database_url() const { return database_url_; }

 private:
  TempDir dir_;
  std::string database_url_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<server::ApiServer> server_;
};

}  // namespace cara::testing
