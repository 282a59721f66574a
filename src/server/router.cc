#include "server/router.h"

#include <httplib.h>

#include <chrono>
#include <set>

#include "common/log.h"
#include "server/metrics.h"
#include "server/response.h"

namespace cara::server {
namespace {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 1;  // paths start with '/'
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// The request's path segments, each percent-decoded on its own, so a
// parameter may hold an encoded '/' (a source id is a URL or a path).
// Requests made without a raw target (tests) use the decoded path.
std::vector<std::string> RequestSegments(const httplib::Request& req) {
  if (req.target.empty()) return SplitPath(req.path.empty() ? "/" : req.path);
  std::string raw = req.target.substr(0, req.target.find('?'));
  std::vector<std::string> segments = SplitPath(raw.empty() ? "/" : raw);
  for (std::string& s : segments) s = httplib::detail::decode_url(s, false);
  return segments;
}

}  // namespace

void Router::Add(const std::string& method, const std::string& pattern, RouteHandler handler) {
  routes_.push_back(Route{method, pattern, SplitPath(pattern), std::move(handler)});
}

bool Router::Match(const Route& route, const std::vector<std::string>& segments,
                   PathParams* params) {
  if (route.segments.size() != segments.size()) return false;
  PathParams found;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      if (segments[i].empty()) return false;
      found[want.substr(1, want.size() - 2)] = segments[i];
    } else if (want != segments[i]) {
      return false;
    }
  }
  *params = std::move(found);
  return true;
}

void Router::Dispatch(const httplib::Request& req, httplib::Response& res) const {
  auto start = std::chrono::steady_clock::now();
  const std::string method = req.method == "HEAD" ? "GET" : req.method;
  std::vector<std::string> segments = RequestSegments(req);
  std::set<std::string> allowed;
  const Route* matched = nullptr;
  PathParams params;
  for (const Route& route : routes_) {
    PathParams p;
    if (!Match(route, segments, &p)) continue;
    if (route.method == method) {
      matched = &route;
      params = std::move(p);
      break;
    }
    allowed.insert(route.method);
    if (route.method == "GET") allowed.insert("HEAD");
  }
  std::string route_label;
  if (matched) {
    route_label = matched->pattern;
    if (guard_) {
      guard_(req, res, matched->pattern, params, matched->handler);
    } else {
      matched->handler(req, res, params);
    }
  } else if (!allowed.empty()) {
    route_label = "unmatched";
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    res.status = 405;
    res.set_header("Allow", allow);
    res.set_content("Method Not Allowed\n", "text/plain; charset=utf-8");
  } else {
    route_label = "unmatched";
    res.status = 404;
    res.set_content("404 page not found\n", "text/plain; charset=utf-8");
  }
  auto latency = std::chrono::steady_clock::now() - start;
  if (metrics_) metrics_->ObserveRequest(req.method, route_label, res.status, latency);
  if (LogEnabled(LogLevel::kDebug)) {
    LOG_DEBUG("request")
        .Kv("method", req.method)
        .Kv("path", req.path)
        .Kv("status", res.status)
        .Kv("duration_us", std::chrono::duration_cast<std::chrono::microseconds>(latency).count())
        .Kv("remote", req.remote_addr);
  }
}

}  // namespace cara::server
