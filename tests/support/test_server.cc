#include "support/test_server.h"

#include <stdexcept>

#include "support/postgres_server.h"

namespace cara::testing {

TestServer::TestServer(const std::string& backend, server::ServerOptions options) {
  if (backend == "postgres") {
    database_url_ = PostgresServer::Shared().FreshDatabaseUrl();
  } else {
    database_url_ = "sqlite:" + dir_.path() + "/cara.db";
  }
  auto opened = store::OpenBackend(database_url_, dir_.path());
  if (!opened.ok()) throw std::runtime_error("open store: " + opened.status().ToString());
  store_ = std::make_unique<store::Store>(std::move(*opened), SystemClock::Default());
  options.host = "127.0.0.1";
  options.port = 0;
  server_ = std::make_unique<server::ApiServer>(store_.get(), SystemClock::Default(), options);
  Status st = server_->Start();
  if (!st.ok()) throw std::runtime_error("start server: " + st.ToString());
}

TestServer::~TestServer() { server_->Stop(); }

std::string TestServer::url() const { return "http://127.0.0.1:" + std::to_string(port()); }

}  // namespace cara::testing
