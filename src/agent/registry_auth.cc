#include "agent/registry_auth.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "security/base64.h"

namespace cara::agent {
namespace {

constexpr char kDockerHub[] = "docker.io";

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::string RegistryHostOf(const std::string& image) {
  size_t slash = image.find('/');
  if (slash == std::string::npos) return kDockerHub;
  std::string first = image.substr(0, slash);
  bool is_host = first.find_first_of(".:") != std::string::npos || first == "localhost";
  return is_host ? NormalizeRegistryServer(first) : kDockerHub;
}

std::string NormalizeRegistryServer(const std::string& server) {
  std::string host = server;
  if (size_t scheme = host.find("://"); scheme != std::string::npos) host.erase(0, scheme + 3);
  if (size_t path = host.find('/'); path != std::string::npos) host.resize(path);
  host = Lower(host);
  if (host == "index.docker.io" || host == "registry-1.docker.io") return kDockerHub;
  return host;
}

std::optional<RegistryCredentials> CredentialsFor(
    const std::string& image, const std::vector<RegistryCredentials>& candidates) {
  const std::string host = RegistryHostOf(image);
  for (const auto& c : candidates) {
    if (NormalizeRegistryServer(c.server) == host) return c;
  }
  return std::nullopt;
}

std::string RegistryAuthHeader(const RegistryCredentials& credentials) {
  std::string text = nlohmann::json{{"username", credentials.username},
                                    {"password", credentials.password},
                                    {"serveraddress", credentials.server}}
                         .dump();
  return security::EncodeBase64Url(text, /*padded=*/true);
}

}  // namespace cara::agent
