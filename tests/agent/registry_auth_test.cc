#include "agent/registry_auth.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "security/base64.h"

namespace cara::agent {
namespace {

RegistryCredentials Creds(const std::string& server, const std::string& user) {
  RegistryCredentials c;
  c.server = server;
  c.username = user;
  c.password = "pw-" + user;
  return c;
}

TEST_CASE("An image's registry is read the way Docker reads it", "[registry-auth]") {
  CHECK(RegistryHostOf("busybox") == "docker.io");
  CHECK(RegistryHostOf("busybox:1.36") == "docker.io");
  CHECK(RegistryHostOf("library/redis:7") == "docker.io");
  CHECK(RegistryHostOf("acme/web:1.4") == "docker.io");
  CHECK(RegistryHostOf("ghcr.io/acme/web:1.4") == "ghcr.io");
  CHECK(RegistryHostOf("GHCR.io/acme/web") == "ghcr.io");
  CHECK(RegistryHostOf("127.0.0.1:5000/x/y@sha256:abc") == "127.0.0.1:5000");
  CHECK(RegistryHostOf("localhost/x") == "localhost");
  CHECK(RegistryHostOf("docker.io/library/busybox") == "docker.io");
  CHECK(RegistryHostOf("index.docker.io/library/busybox") == "docker.io");

  CHECK(NormalizeRegistryServer("https://index.docker.io/v1/") == "docker.io");
  CHECK(NormalizeRegistryServer("registry-1.docker.io") == "docker.io");
  CHECK(NormalizeRegistryServer("http://127.0.0.1:5000") == "127.0.0.1:5000");
  CHECK(NormalizeRegistryServer("GHCR.IO/") == "ghcr.io");
}

TEST_CASE("A project's pull credentials are those of the image's registry", "[registry-auth]") {
  std::vector<RegistryCredentials> all = {Creds("ghcr.io", "gh"),
                                          Creds("https://index.docker.io/v1/", "hub"),
                                          Creds("ghcr.io", "second")};
  CHECK(CredentialsFor("ghcr.io/acme/web:1", all)->username == "gh");  // the first match
  CHECK(CredentialsFor("acme/web:1", all)->username == "hub");
  CHECK(CredentialsFor("busybox", all)->username == "hub");
  CHECK_FALSE(CredentialsFor("quay.io/acme/web", all));
  CHECK_FALSE(CredentialsFor("ghcr.io/acme/web", {}));
}

TEST_CASE("X-Registry-Auth is base64url JSON of username, password and server", "[registry-auth]") {
  // "?>" encodes to characters that differ between base64 and base64url.
  RegistryCredentials c = Creds("127.0.0.1:5000", "u?>>");
  std::string header = RegistryAuthHeader(c);
  CHECK(header.find_first_of("+/") == std::string::npos);
  std::string standard = header;
  for (char& ch : standard) ch = ch == '-' ? '+' : ch == '_' ? '/' : ch;
  std::optional<std::string> decoded = security::DecodeBase64(standard);
  REQUIRE(decoded);
  auto j = nlohmann::json::parse(*decoded);
  CHECK(j == nlohmann::json{{"username", "u?>>"},
                            {"password", "pw-u?>>"},
                            {"serveraddress", "127.0.0.1:5000"}});
}

}  // namespace
}  // namespace cara::agent
