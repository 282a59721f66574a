#include "agent/agent_api_routes.h"

#include <optional>

#include "net/percent_encoding.h"

namespace cara::agent {
namespace {

// The unescaped segments of an absolute path; nullopt when it is not one or
// a segment has a broken escape.
std::optional<std::vector<std::string>> PathSegments(std::string_view path) {
  if (path.empty() || path.front() != '/') return std::nullopt;
  std::vector<std::string> segments;
  std::string_view rest = path.substr(1);
  for (;;) {
    size_t slash = rest.find('/');
    auto segment = net::PercentDecode(rest.substr(0, slash));
    if (!segment) return std::nullopt;
    segments.push_back(std::move(*segment));
    if (slash == std::string_view::npos) return segments;
    rest = rest.substr(slash + 1);
  }
}

bool AllNonEmpty(const std::vector<std::string>& segments) {
  for (const auto& s : segments) {
    if (s.empty()) return false;
  }
  return true;
}

bool IsApi(const std::vector<std::string>& s, size_t size, std::string_view what) {
  return s.size() == size && s[0] == "api" && s[1] == "v1" && s[2] == what && AllNonEmpty(s);
}

}  // namespace

AgentRoute MatchAgentRoute(std::string_view target) {
  AgentRoute route;
  size_t q = target.find('?');
  if (q != std::string_view::npos) route.query = target.substr(q + 1);
  auto segments = PathSegments(target.substr(0, q));
  if (!segments) return route;
  const auto& s = *segments;
  if (s.size() == 1 && s[0] == "healthz") {
    route.kind = AgentRoute::Kind::kHealth;
  } else if (IsApi(s, 5, "logs")) {
    route.kind = AgentRoute::Kind::kLogs;
    route.project = s[3];
    route.service = s[4];
  } else if (IsApi(s, 6, "forward")) {
    route.kind = AgentRoute::Kind::kForward;
    route.project = s[3];
    route.service = s[4];
    route.port = s[5];
  }
  return route;
}

std::string QueryGet(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = pair.find('=');
    auto k = net::PercentDecode(pair.substr(0, eq), true);
    if (!k || *k != key) continue;
    if (eq == std::string_view::npos) return "";
    auto v = net::PercentDecode(pair.substr(eq + 1), true);
    return v ? *v : "";
  }
  return "";
}

bool ParseGoBool(const std::string& s) {
  return s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True";
}

}  // namespace cara::agent
