// The cara-server HTTP front end: routes of /api/v1 plus health, readiness and
// metrics, served by cpp-httplib on a sized thread pool.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"

namespace httplib {
class Server;
}

namespace cara::server {

struct ServerOptions {
  std::string host = "0.0.0.0";
  int port = 8080;                  // 0 picks a free port (tests)
  size_t threads = 64;              // each keep-alive connection holds one
  size_t max_body_bytes = 1 << 20;  // larger bodies get 413
  int keep_alive_max_count = 1000;  // requests per connection
  // An idle keep-alive connection holds one of the `threads` this long, so a
  // few dozen idle clients could block everybody else for all of it (30 s
  // before). cpp-httplib's own default: bursts of requests still share one
  // connection.
  int keep_alive_timeout_seconds = 5;
  // Clearing spec.unschedulable returns a node to Ready only if its last
  // heartbeat is younger than this; otherwise NotReady.
  Duration node_heartbeat_timeout = std::chrono::seconds(90);
};

// Thread pool, TCP_NODELAY, keep-alive and body limits from `options`, and
// SO_REUSEADDR on the listening socket, whose descriptor goes to
// `on_listen_socket`. Shared with the benchmarks' trivial baseline server,
// so the baseline always runs the same HTTP configuration.
void ConfigureHttpServer(httplib::Server& http, const ServerOptions& options,
                         std::function<void(int listen_fd)> on_listen_socket);

class ApiServer {
 public:
  ApiServer(store::Store* store, Clock* clock, ServerOptions options);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Extra Prometheus lines for /metrics (e.g. controller queues). Call
  // before Start().
  void AddMetricsCollector(std::function<void(std::string& out)> collector);

  // Binds and starts serving on a background thread.
  Status Start();
  // The bound port (useful when options.port was 0). Valid after Start().
  int port() const;
  // Stops accepting, finishes in-flight requests, joins the thread.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cara::server
