#include "agent/route_table.h"

#include <algorithm>

#include "common/log.h"

namespace cara::agent {
namespace {

// Host names are case-insensitive (RFC 9110 §4.2.3); the table stores them
// lowercased so that lookups are a plain map find.
std::string Lower(std::string s) { return api::LowercaseHost(std::move(s)); }

// The host part of a Host header value, like Go's net.SplitHostPort but
// lenient: "[::1]:8081" -> "::1", "[::1]" -> "::1", "a.b:80" -> "a.b",
// "a.b" -> "a.b". A bare IPv6 literal ("::1", several colons, no brackets)
// has no port to strip. The reference cut at the last ':' and so broke
// bracketed IPv6 hosts.
std::string StripPort(const std::string& host) {
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close != std::string::npos) return host.substr(1, close - 1);
    return host;
  }
  size_t colon = host.find(':');
  if (colon != std::string::npos && host.find(':', colon + 1) == std::string::npos) {
    return host.substr(0, colon);
  }
  return host;
}

}  // namespace

void RouteTable::Update(const std::string& project, const std::vector<IngressRoute>& routes) {
  std::lock_guard<std::mutex> lock(mu_);
  // Drop the hosts this project still owns; hosts another project has taken
  // over since are not ours to delete.
  auto own = hosts_by_project_.find(project);
  if (own != hosts_by_project_.end()) {
    for (const auto& host : own->second) {
      auto it = by_host_.find(host);
      if (it != by_host_.end() && it->second.first == project) by_host_.erase(it);
    }
    hosts_by_project_.erase(own);
  }

  std::set<std::string> hosts;
  for (const auto& route : routes) {
    std::string host = Lower(route.host);
    auto it = by_host_.find(host);
    if (it != by_host_.end() && it->second.first != project) {
      // Last writer wins, as in the reference; the previous owner forgets the
      // host so that its Remove() cannot delete our route.
      const std::string& previous = it->second.first;
      LOG_WARN("ingress host claimed by another project")
          .Kv("host", host)
          .Kv("project", project)
          .Kv("previous_project", previous);
      auto prev = hosts_by_project_.find(previous);
      if (prev != hosts_by_project_.end()) {
        prev->second.erase(host);
        if (prev->second.empty()) hosts_by_project_.erase(prev);
      }
    }
    by_host_[host] = {project, route.backend};
    hosts.insert(std::move(host));
  }
  if (!hosts.empty()) hosts_by_project_[project] = std::move(hosts);
}

void RouteTable::Remove(const std::string& project) {
  std::lock_guard<std::mutex> lock(mu_);
  auto own = hosts_by_project_.find(project);
  if (own == hosts_by_project_.end()) return;
  for (const auto& host : own->second) {
    auto it = by_host_.find(host);
    // Only delete what the project still owns (the reference deleted a shared
    // host even when another project had claimed it since).
    if (it != by_host_.end() && it->second.first == project) by_host_.erase(it);
  }
  hosts_by_project_.erase(own);
}

std::optional<Backend> RouteTable::Lookup(const std::string& host_header) const {
  std::string host = Lower(StripPort(host_header));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_host_.find(host);
  if (it == by_host_.end()) return std::nullopt;
  return it->second.second;
}

std::set<std::string> RouteTable::Projects() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<std::string> out;
  for (const auto& [project, hosts] : hosts_by_project_) out.insert(project);
  return out;
}

}  // namespace cara::agent
