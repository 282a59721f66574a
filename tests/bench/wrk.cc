#include "bench/wrk.h"

#include <unistd.h>

#include <fstream>
#include <regex>
#include <stdexcept>

#include "bench/process_stats.h"
#include "support/temp_dir.h"

namespace cara::bench {
namespace {

const char kWrk[] = "/usr/bin/wrk";

// "1.23ms" → 0.00123
double ParseDuration(const std::string& value, const std::string& unit) {
  double v = std::stod(value);
  if (unit == "us") return v / 1e6;
  if (unit == "ms") return v / 1e3;
  if (unit == "m") return v * 60;
  return v;  // "s"
}

std::string Match(const std::string& text, const std::regex& re, int group = 1) {
  std::smatch m;
  if (!std::regex_search(text, m, re)) return "";
  return m[group];
}

}  // namespace

std::string RotatingPathScript(const std::string& method, const std::string& path_format, int count,
                               const std::string& body) {
  // Lua long brackets ([==[ ]==]) need no escaping of the JSON body.
  std::string script = "wrk.method = \"" + method + "\"\n";
  if (!body.empty()) {
    script += "wrk.body = [==[" + body + "]==]\n";
    script += "wrk.headers[\"Content-Type\"] = \"application/json\"\n";
  }
  script += "local i = math.random(0, " + std::to_string(count - 1) + ")\n";
  script += "request = function()\n  i = (i + 1) % " + std::to_string(count) + "\n";
  script += "  return wrk.format(nil, string.format(\"" + path_format + "\", i))\nend\n";
  return script;
}

std::string WithHeader(const std::string& script, const std::string& name,
                       const std::string& value) {
  return "wrk.headers[\"" + name + "\"] = [==[" + value + "]==]\n" + script;
}

WrkResult RunWrk(const WrkOptions& o) {
  if (::access(kWrk, X_OK) != 0) throw std::runtime_error("no /usr/bin/wrk (apt-get install wrk)");
  testing::TempDir dir;
  const std::string script = dir.path() + "/bench.lua";
  std::ofstream(script) << o.lua_script;
  CommandRun run = RunCommand({kWrk, "--latency", "-t", std::to_string(o.threads), "-c",
                               std::to_string(o.connections), "-d", std::to_string(o.seconds) + "s",
                               "-s", script, o.url + "/"});
  const std::string& out = run.out;
  if (run.exit_code != 0) throw std::runtime_error("wrk failed: " + run.err + out);
  if (out.find("Non-2xx or 3xx responses") != std::string::npos) {
    throw std::runtime_error("wrk saw error responses:\n" + out);
  }
  WrkResult r;
  std::smatch errors;
  if (std::regex_search(
          out, errors,
          std::regex(R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))"))) {
    for (int i = 1; i <= 4; ++i) r.socket_errors += std::stoll(errors[i]);
  }
  std::string rps = Match(out, std::regex(R"(Requests/sec:\s+([0-9.]+))"));
  std::smatch p99;
  if (rps.empty() || !std::regex_search(out, p99, std::regex(R"(99%\s+([0-9.]+)(us|ms|s|m)\b)"))) {
    throw std::runtime_error("cannot read wrk's report:\n" + out);
  }
  r.requests_per_second = std::stod(rps);
  r.p99_seconds = ParseDuration(p99[1], p99[2]);
  std::string total = Match(out, std::regex(R"((\d+) requests in)"));
  r.requests = total.empty() ? 0 : std::stoll(total);
  return r;
}

}  // namespace cara::bench
