#include "bench/server_process.h"

#include <httplib.h>
#include <signal.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/postgres_server.h"

namespace cara::bench {

std::string BackendLabel(const std::string& backend) {
  return backend == "postgres" ? "PostgreSQL" : "SQLite";
}

std::unique_ptr<httplib::Client> BenchClient(const std::string& url) {
  auto client = std::make_unique<httplib::Client>(url);
  client->enable_server_certificate_verification(false);
  return client;
}

bool WaitUntilServing(const std::string& url, const std::string& path, double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  auto client = BenchClient(url);
  client->set_connection_timeout(1, 0);
  while (std::chrono::steady_clock::now() < deadline) {
    auto res = client->Get(path.c_str());
    if (res && res->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::string LogTail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > 2000 ? s.substr(s.size() - 2000) : s;
}

ServerProcess::ServerProcess(const std::string& backend, bool controllers, bool tls, bool auth,
                             const std::vector<std::string>& extra_flags)
    : port_(testing::FreeLoopbackPort()),
      url_(std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_)) {
  std::vector<std::string> argv = {testing::BuiltBinary("cara-server"),
                                   "--host",
                                   "127.0.0.1",
                                   "--port",
                                   std::to_string(port_),
                                   "--data-dir",
                                   dir_.path()};
  if (backend == "postgres") {
    argv.insert(argv.end(),
                {"--database-url", testing::PostgresServer::Shared().FreshDatabaseUrl()});
  }
  if (!controllers) argv.push_back("--no-controllers");
  if (!tls) argv.push_back("--insecure-http");
  // The baselines measure the API, not token checks.
  if (!auth) argv.push_back("--no-auth");
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  const std::string log = dir_.path() + "/server.log";
  process_ =
      std::make_unique<testing::BackgroundProcess>(argv, std::map<std::string, std::string>{}, log);
  if (!WaitUntilServing(url_, "/api/readyz", 30) || !process_->running()) {
    throw std::runtime_error("cara-server (" + backend + ") did not become ready:\n" +
                             LogTail(log));
  }
  if (auth) {
    // Written before the server listens, so it is there once it is ready.
    std::ifstream in(dir_.path() + "/admin.token");
    std::string token;
    in >> token;
    if (token.empty()) throw std::runtime_error("cara-server wrote no admin.token");
    authorization_ = "Bearer " + token;
  }
}

ServerProcess::~ServerProcess() {
  // SIGTERM: a graceful stop, so a PostgreSQL database is left unlocked.
  process_->Signal(SIGTERM);
  process_->Wait();
}

uint64_t ServerProcess::RequestsServed() const {
  auto res = BenchClient(url_)->Get("/metrics");
  if (!res || res->status != 200) throw std::runtime_error("GET /metrics failed");
  uint64_t total = 0;
  std::istringstream lines(res->body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("cara_http_requests_total{", 0) != 0) continue;
    if (line.find("route=\"/metrics\"") != std::string::npos) continue;
    total += std::stoull(line.substr(line.rfind(' ') + 1));
  }
  return total;
}

}  // namespace cara::bench
