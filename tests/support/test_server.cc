#include "support/test_server.h"

#include <stdexcept>

#include "controllers/standard_controllers.h"
#include "support/postgres_server.h"

namespace cara::testing {

TestServer::TestServer(const std::string& backend, server::ServerOptions options,
                       const TestControllers* controllers) {
  if (backend == "postgres") {
    database_url_ = PostgresServer::Shared().FreshDatabaseUrl();
  } else {
    database_url_ = "sqlite:" + dir_.path() + "/cara.db";
  }
  auto opened = store::OpenBackend(database_url_, dir_.path());
  if (!opened.ok()) throw std::runtime_error("open store: " + opened.status().ToString());
  Clock* clock = controllers ? controllers->clock : SystemClock::Default();
  store_ = std::make_unique<store::Store>(std::move(*opened), clock);
  options.host = "127.0.0.1";
  options.port = 0;
  if (controllers) options.node_heartbeat_timeout = controllers->config.heartbeat_timeout;
  server_ = std::make_unique<server::ApiServer>(store_.get(), clock, options);
  if (controllers) {
    manager_ = std::make_unique<controllers::Manager>(store_.get(), clock, controllers->manager);
    controllers::AddStandardControllers(*manager_, store_.get(), clock, controllers->config);
    server_->AddMetricsCollector([m = manager_.get()](std::string& out) { m->RenderMetrics(out); });
    Status remote = store_->EnableRemoteEvents();
    if (!remote.ok()) throw std::runtime_error("listen: " + remote.ToString());
    elector_ = std::make_unique<controllers::LeaderElector>(store_.get(), manager_.get(), clock,
                                                            std::chrono::milliseconds(200));
  }
  Status st = server_->Start();
  if (!st.ok()) throw std::runtime_error("start server: " + st.ToString());
  if (elector_) elector_->Start();
}

TestServer::~TestServer() {
  if (elector_) elector_->Stop();
  server_->Stop();
}

std::string TestServer::url() const { return "http://127.0.0.1:" + std::to_string(port()); }

}  // namespace cara::testing
