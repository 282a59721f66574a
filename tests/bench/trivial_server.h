// The baseline of the API benchmarks: a trivial net::HttpServer configured
// exactly as cara-server configures it (server::HttpServerOptionsFor of the
// server::ServerOptions defaults: handler pool, limits, deadlines,
// keep-alive), whose handlers do no work: GET /api/v1/projects/{name} answers a fixed body (a
// real project's JSON, so both send the same bytes) and POST
// /api/v1/nodes/{name}/heartbeat answers 204. It runs as its own process
// (`cara-bench trivial-server`), like cara-server, so CPU is measured alike.
#pragma once

#include <memory>
#include <string>

#include "support/process.h"
#include "support/temp_dir.h"

namespace cara::bench {

// The `trivial-server` subcommand: serves until killed.
int RunTrivialServer(int port, const std::string& body_file);

class TrivialServerProcess {
 public:
  // Starts it and waits until it serves; throws if it does not.
  explicit TrivialServerProcess(const std::string& project_body);
  ~TrivialServerProcess();
  TrivialServerProcess(const TrivialServerProcess&) = delete;
  TrivialServerProcess& operator=(const TrivialServerProcess&) = delete;

  const std::string& url() const { return url_; }
  int pid() const { return process_->pid(); }

 private:
  testing::TempDir dir_;
  std::string url_;
  std::unique_ptr<testing::BackgroundProcess> process_;
};

}  // namespace cara::bench
