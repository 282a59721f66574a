#include "bench/trivial_server.h"

#include <signal.h>
#include <unistd.h>

#include <climits>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "bench/server_process.h"
#include "net/http_server.h"
#include "server/api_server.h"

namespace cara::bench {
namespace {

std::string SelfExe() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw std::runtime_error("cannot find my own executable");
  return std::string(buf, n);
}

bool StartsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

int RunTrivialServer(int port, const std::string& body_file) {
  std::ifstream in(body_file);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string body = ss.str();
  // cara-server's own HTTP configuration and defaults.
  net::HttpServerOptions options = server::HttpServerOptionsFor(server::ServerOptions{});
  options.host = "127.0.0.1";
  options.port = port;
  net::HttpServer http(options, [&body](net::HttpRequest& req, net::HttpResponse& res) {
    if (req.method == "GET" && StartsWith(req.target, "/api/v1/projects/")) {
      res.SetHeader("Content-Type", "application/json");
      res.body = body;
    } else if (req.method == "POST" && StartsWith(req.target, "/api/v1/nodes/")) {
      res.status = 204;
    } else if (req.target == "/api/readyz") {
      res.SetHeader("Content-Type", "text/plain; charset=utf-8");
      res.body = "OK";
    } else {
      res.status = 404;
    }
  });
  if (!http.Start().ok()) return 1;
  for (;;) ::pause();  // until killed
}

TrivialServerProcess::TrivialServerProcess(const std::string& project_body) {
  const std::string body_file = dir_.path() + "/project.json";
  std::ofstream(body_file) << project_body;
  int port = testing::FreeLoopbackPort();
  url_ = "http://127.0.0.1:" + std::to_string(port);
  const std::string log = dir_.path() + "/trivial.log";
  process_ = std::make_unique<testing::BackgroundProcess>(
      std::vector<std::string>{SelfExe(), "trivial-server", std::to_string(port), body_file},
      std::map<std::string, std::string>{}, log);
  if (!WaitUntilServing(url_, "/api/readyz", 10)) {
    throw std::runtime_error("trivial server did not start:\n" + LogTail(log));
  }
}

TrivialServerProcess::~TrivialServerProcess() {
  process_->Signal(SIGKILL);
  process_->Wait();
}

}  // namespace cara::bench
