#include "bench/trivial_server.h"

#include <httplib.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <climits>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "bench/server_process.h"
#include "server/api_server.h"

namespace cara::bench {
namespace {

// As in server/api_server.cc: cpp-httplib compiles in a listen backlog of 5.
constexpr int kListenBacklog = 1024;

std::string SelfExe() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw std::runtime_error("cannot find my own executable");
  return std::string(buf, n);
}

void Configure(httplib::Server& http, int& listen_fd) {
  // cara-server's own configuration and defaults.
  server::ConfigureHttpServer(http, server::ServerOptions{},
                              [&listen_fd](int fd) { listen_fd = fd; });
}

}  // namespace

int RunTrivialServer(int port, const std::string& body_file) {
  std::ifstream in(body_file);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string body = ss.str();
  httplib::Server http;
  int listen_fd = -1;
  Configure(http, listen_fd);
  http.Get("/api/v1/projects/([^/]+)", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(body, "application/json");
  });
  http.Post("/api/v1/nodes/([^/]+)/heartbeat",
            [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
  http.Get("/api/readyz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("OK", "text/plain; charset=utf-8");
  });
  if (!http.bind_to_port("127.0.0.1", port)) return 1;
  if (listen_fd >= 0) ::listen(listen_fd, kListenBacklog);
  return http.listen_after_bind() ? 0 : 1;
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
