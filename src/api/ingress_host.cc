#include "api/ingress_host.h"

#include <algorithm>

namespace cara::api {

std::string ResolveIngressHost(const std::string& host, const std::string& project) {
  if (host.find('.') != std::string::npos) return host;
  return host + "." + project + ".local";
}

std::string LowercaseHost(std::string host) {
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return host;
}

std::vector<std::string> IngressHosts(const Project& project) {
  std::vector<std::string> hosts;
  for (const IngressDef& in : project.spec.ingress) {
    hosts.push_back(LowercaseHost(ResolveIngressHost(in.host, project.metadata.name)));
  }
  std::sort(hosts.begin(), hosts.end());
  hosts.erase(std::unique(hosts.begin(), hosts.end()), hosts.end());
  return hosts;
}

}  // namespace cara::api
