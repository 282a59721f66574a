// The cara-server HTTP front end: routes of /api/v1 plus health, readiness and
// metrics, served by net::HttpServer (Boost.Beast) with handlers on a sized
// thread pool.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "net/http_server.h"
#include "server/agent_client.h"
#include "server/secret_keys.h"
#include "store/event_records.h"
#include "store/store.h"

namespace cara::server {

struct JoinAuthority {
  std::string ca_cert_file;
  std::string ca_key_file;
  std::string ca_sha256;
  bool enabled() const { return !ca_cert_file.empty(); }
};

struct ServerOptions {
  std::string host = "0.0.0.0";
  int port = 8080;                  // 0 picks a free port (tests)
  size_t threads = 64;              // handler threads (store calls block them)
  size_t max_body_bytes = 1 << 20;  // larger bodies get 413, chunked ones too
  int keep_alive_max_count = 1000;  // requests per connection
  // How long a keep-alive connection may wait for its next request.
  int keep_alive_timeout_seconds = 5;
  // A request's headers must arrive within this (from accept, or from the
  // first byte of a keep-alive connection's next request), its body within
  // body_timeout after them: slow sockets cannot linger.
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds body_timeout{std::chrono::seconds(30)};
  // Open connections in all, per client address, and how many of the last
  // slots are kept for addresses that hold no connection yet.
  size_t max_connections = 10000;
  size_t max_connections_per_client = 256;
  size_t reserved_connections = 64;
  // Clearing spec.unschedulable returns a node to Ready only if its last
  // heartbeat is younger than this; otherwise NotReady.
  Duration node_heartbeat_timeout = std::chrono::seconds(90);
  // HTTPS when tls.cert_file is set (cara-server's default, see
  // server/serving_tls.h); plain HTTP otherwise (--insecure-http, tests).
  net::TlsServerOptions tls;
  // Bearer tokens on /api/v1 and /metrics. Off (--no-auth), every call acts
  // as admin. (Off by default here; cara-server turns it on.)
  bool require_auth = false;
  // With require_auth, made a valid admin token at Start (idempotent).
  std::string admin_token;
  // Audit records kept (the newest).
  size_t audit_retention = 10000;
  // How the server calls agents for logs and port-forward; empty = plain
  // HTTP (agents without certificates, compat mode).
  AgentClientTls agent_client_tls;
  // Joining nodes (POST /api/v1/join): the cluster CA that signs their
  // certificates, and the SHA-256 join tokens pin (of the CA the serving
  // chain ends in). Empty: this server cannot admit nodes.
  JoinAuthority join;
  // The keys of the Secret routes (server/secret_keys.h). Without them the
  // Secret routes answer 503.
  std::shared_ptr<const SecretKeys> secret_keys;
  // How long events live and how many each object keeps (--event-ttl,
  // --events-per-object); the sweep runs as a controller on the leader.
  store::EventRetention event_retention;
};

// The HTTP server configuration (threads, limits, deadlines) for `options`.
// Shared with the benchmarks' trivial baseline server, so the baseline
// always runs the same HTTP stack and configuration as cara-server.
net::HttpServerOptions HttpServerOptionsFor(const ServerOptions& options);

class ApiServer {
 public:
  ApiServer(store::Store* store, Clock* clock, ServerOptions options);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Extra Prometheus lines for /metrics (e.g. controller queues). Call
  // before Start().
  void AddMetricsCollector(std::function<void(std::string& out)> collector);

  // Loads the tokens (registering options.admin_token), then binds and
  // starts serving on a background thread.
  Status Start();
  // The bound port (useful when options.port was 0). Valid after Start().
  int port() const;
  // Stops accepting, finishes in-flight requests, joins the threads.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cara::server
