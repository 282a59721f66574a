#include "support/test_server.h"

#include <filesystem>

#include "server/agent_client.h"
#include "server/join_setup.h"
#include "server/node_lease_metrics.h"
#include "store/cached_backend.h"
#include "store/node_leases.h"

#include <signal.h>

#include <stdexcept>

#include "controllers/standard_controllers.h"
#include "security/token.h"
#include "server/serving_tls.h"
#include "support/http_client.h"
#include "support/postgres_server.h"

namespace cara::testing {

namespace {

// The published key the sealed example manifests are sealed to, as the quick
// start installs it, so tests can sync examples/manifests as it is.
void InstallQuickstartSecretsKey(const std::string& data_dir) {
  const std::string pki = data_dir + "/pki";
  std::filesystem::create_directories(pki);
  std::filesystem::permissions(pki, std::filesystem::perms::owner_all);
  const std::string path = pki + "/secrets.key";
  std::filesystem::copy_file(std::string(CARA_SOURCE_DIR) + "/examples/quickstart-secrets.key",
                             path);
  std::filesystem::permissions(
      path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

}  // namespace

TestServer::TestServer(const std::string& backend, server::ServerOptions options,
                       const TestControllers* controllers, TestServerMode mode) {
  if (backend.rfind("postgresql://", 0) == 0) {
    database_url_ = backend;
  } else if (backend == "postgres") {
    database_url_ = PostgresServer::Shared().FreshDatabaseUrl();
  } else {
    database_url_ = "sqlite:" + dir_.path() + "/cara.db";
  }
  auto opened = store::OpenBackend(database_url_, dir_.path());
  if (!opened.ok()) throw std::runtime_error("open store: " + opened.status().ToString());
  Clock* clock = controllers ? controllers->clock : SystemClock::Default();
  // As cara-server: the lease flush writes through the Store's read cache.
  auto cached = store::WithReadCache(std::move(*opened), clock);
  store::Backend* rows = cached.get();
  store_ = std::make_unique<store::Store>(std::move(cached), clock);
  // As cara-server does (common/shutdown_signal): over TLS, OpenSSL writes
  // to the socket without MSG_NOSIGNAL, and a peer that hung up must give
  // EPIPE, not kill the test process.
  ::signal(SIGPIPE, SIG_IGN);
  if (mode == TestServerMode::kSecure) SecureByDefault(options, *clock);
  // As cara-server: the secrets key under <data dir>/pki (a replica on the
  // same database must be handed the first one's secret_keys()).
  if (!options.secret_keys) {
    InstallQuickstartSecretsKey(dir_.path());
    auto loaded = server::LoadSecretKeys(*store_, {"", dir_.path()});
    if (!loaded.ok()) throw std::runtime_error("secrets key: " + loaded.status().ToString());
    options.secret_keys = loaded->keys;
  }
  secret_keys_ = options.secret_keys;
  if (options.require_auth && options.admin_token.empty()) {
    auto generated = security::GenerateToken();
    if (!generated.ok()) throw std::runtime_error("token: " + generated.status().ToString());
    options.admin_token = generated->token;
  }
  admin_token_ = options.admin_token;
  options.host = "127.0.0.1";
  options.port = 0;
  if (controllers) {
    options.node_heartbeat_timeout = controllers->config.heartbeat_timeout;
    options.event_retention = controllers->config.events;
  }
  tls_ = options.tls.enabled();
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
  // As cara-server: heartbeats that change only the time are leases. They
  // are flushed every second of real time, so that the flusher is no
  // waiter of a fake clock (clock_threads()); tests flush by hand.
  store::NodeLeaseOptions leases;
  leases.heartbeat_timeout = options.node_heartbeat_timeout;
  leases.flush_clock = SystemClock::Default();
  server::AddNodeLeaseMetrics(*server_, store::NodeLeases::Open(store_.get(), rows, clock, leases));
  if (elector_) elector_->Start();
  if (mode == TestServerMode::kSecure) {
    net::ClientCredentials admin{admin_token_, {}};
    admin.tls.ca_file = ca_file_;
    RegisterDefaultCredentials(url(), std::move(admin));
  }
}

// What cara-server does without --insecure-http and --no-auth: HTTPS with
// the zero-setup PKI under the data dir, tokens required.
void TestServer::SecureByDefault(server::ServerOptions& options, Clock& clock) {
  options.require_auth = true;
  if (options.tls.enabled()) return;  // the test brought its own certificate
  auto tls = server::ResolveServingTls({}, dir_.path(), "127.0.0.1");
  if (!tls.ok()) throw std::runtime_error("serving TLS: " + tls.status().ToString());
  options.tls = *tls;
  const std::string pki_dir = dir_.path() + "/pki";
  ca_file_ = pki_dir + "/ca.crt";
  // Agents join with join_token() and are called back over mutual TLS.
  auto join = server::SetUpJoining(*store_, clock, dir_.path(), pki_dir, options.tls.cert_file);
  if (!join.ok()) throw std::runtime_error("joining: " + join.status().ToString());
  options.join = join->authority;
  join_token_ = join->join_token;
  if (options.agent_client_tls.cert_file.empty()) {
    options.agent_client_tls = server::AgentClientTlsIn(pki_dir);
  }
}

TestServer::~TestServer() {
  ForgetDefaultCredentials(url());
  if (elector_) elector_->Stop();
  server_->Stop();
  store::NodeLeases::Close(store_.get());
}

std::string TestServer::MintToken(const nlohmann::json& request) {
  net::ClientCredentials admin{admin_token_, {}};
  admin.tls.ca_file = ca_file_;
  HttpResponse r = HttpClient(url(), admin).PostJson("/api/v1/tokens", request);
  if (r.status != 201 || !r.json.contains("token")) {
    throw std::runtime_error("mint token: HTTP " + std::to_string(r.status) + " " + r.error);
  }
  return r.json["token"].get<std::string>();
}

std::string TestServer::url() const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port());
}

}  // namespace cara::testing
