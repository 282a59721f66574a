// A real cara-server binary on loopback for the benchmarks, on SQLite in a
// temp dir or on a fresh database of the benchmark's PostgreSQL server
// (tests/support/postgres_server.h: ctest's shared server, else a private
// one). A separate process, so its CPU time can be measured on its own.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/temp_dir.h"

namespace httplib {
class Client;
}

namespace cara::bench {

// The stores every server benchmark runs on.
inline const std::vector<std::string>& Backends() {
  static const std::vector<std::string> kBackends = {"sqlite", "postgres"};
  return kBackends;
}
std::string BackendLabel(const std::string& backend);  // "SQLite" | "PostgreSQL"

class ServerProcess {
 public:
  // Starts the server and waits until /api/readyz answers; throws (with the
  // server's log) if it does not. Plain HTTP (--insecure-http) unless `tls`:
  // then HTTPS with the certificate it generates in its data dir. Without
  // `auth` it runs --no-auth; with it, every request needs authorization().
  // `extra_flags` are appended to the command line.
  ServerProcess(const std::string& backend, bool controllers, bool tls = false, bool auth = false,
                const std::vector<std::string>& extra_flags = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  const std::string& url() const { return url_; }  // "http(s)://127.0.0.1:PORT"
  int port() const { return port_; }
  int pid() const { return process_->pid(); }
  // "Bearer <the admin token the server generated>" with auth, else "".
  const std::string& authorization() const { return authorization_; }

  // Requests answered so far by route, summed from cara_http_requests_total;
  // /metrics scrapes (including this one) are left out.
  uint64_t RequestsServed() const;

 private:
  testing::TempDir dir_;
  int port_;
  std::string url_;
  std::string authorization_;
  std::unique_ptr<testing::BackgroundProcess> process_;
};

// A client for a benchmark server at `url`, http:// or https://. Over HTTPS
// it does not verify the certificate: a loopback measurement, like wrk's.
std::unique_ptr<httplib::Client> BenchClient(const std::string& url);

// Polls GET url+path until it answers 200; false after `seconds`.
bool WaitUntilServing(const std::string& url, const std::string& path, double seconds);

// The last lines of a log file, for error messages.
std::string LogTail(const std::string& path);

}  // namespace cara::bench
