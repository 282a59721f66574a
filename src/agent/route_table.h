// The ingress proxy's routing table: host → backend address, with the hosts
// each project owns. Safe for concurrent use.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/ingress_host.h"

namespace cara::agent {

struct Backend {
  std::string ip;
  int port = 0;
};

struct IngressRoute {
  std::string host;  // as resolved by ResolveIngressHost
  Backend backend;
};

// The server reserves the same hosts (api/ingress_host.h).
using api::ResolveIngressHost;

class RouteTable {
 public:
  // Replaces all of the project's routes.
  void Update(const std::string& project, const std::vector<IngressRoute>& routes);
  void Remove(const std::string& project);
  // Exact, case-insensitive host match; a trailing ":port" is ignored
  // (IPv6 literals in brackets are handled).
  std::optional<Backend> Lookup(const std::string& host_header) const;
  std::set<std::string> Projects() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::pair<std::string, Backend>> by_host_;  // host -> (project, backend)
  std::map<std::string, std::set<std::string>> hosts_by_project_;
};

}  // namespace cara::agent
