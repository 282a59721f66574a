// Running wrk (the Debian package) and reading its report.
#pragma once

#include <string>

namespace cara::bench {

struct WrkOptions {
  std::string url;         // base URL, "http://127.0.0.1:PORT"
  std::string lua_script;  // the script text: sets method/body, rotates paths
  int threads = 2;
  int connections = 32;
  int seconds = 10;
};

struct WrkResult {
  double requests_per_second = 0;
  double p99_seconds = 0;
  long long requests = 0;
  long long socket_errors = 0;  // connect/read/write errors and timeouts (> 2 s)
};

// Runs wrk --latency. Socket errors are counted (the server was too slow or
// dropped connections: a result); a non-2xx answer throws, since it means
// the benchmark asked for something that does not exist.
WrkResult RunWrk(const WrkOptions& options);

// A script that sends `method` with `body` (may be empty) to
// path_prefix + ProjectName-style numbered names: path_format is a printf
// format with one %05d, cycling through [0, count).
std::string RotatingPathScript(const std::string& method, const std::string& path_format, int count,
                               const std::string& body = "");

// `script` that also sends the header `name: value` on every request (e.g.
// Authorization, to measure the cost of checking a token).
std::string WithHeader(const std::string& script, const std::string& name,
                       const std::string& value);

}  // namespace cara::bench
