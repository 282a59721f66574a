// Request routing of the agent's API, as Go 1.22's ServeMux matches it:
// wildcards are single non-empty segments, matched on the escaped path and
// then unescaped. Pure; the server answers 404 for kNone and 405 for a
// method other than GET or HEAD.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cara::agent {

struct AgentRoute {
  enum class Kind {
    kNone,
    kHealth,   // /healthz
    kLogs,     // /api/v1/logs/{project}/{service}
    kForward,  // /api/v1/forward/{project}/{service}/{port}
  };
  Kind kind = Kind::kNone;
  std::string project;
  std::string service;
  std::string port;        // kForward only, as sent
  std::string_view query;  // the raw query string, into the target
};

AgentRoute MatchAgentRoute(std::string_view target);

// The first value of `key` in a raw query string, like Go's Query().Get.
std::string QueryGet(std::string_view query, std::string_view key);

// Go's strconv.ParseBool; anything it rejects counts as false.
bool ParseGoBool(const std::string& s);

}  // namespace cara::agent
