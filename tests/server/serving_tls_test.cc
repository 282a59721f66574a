// cara-server's HTTPS set-up: the operator's files or the generated cluster
// certificate, and the API served over it.
#include "server/serving_tls.h"

#include <httplib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "security/atomic_file.h"
#include "security/certificate.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

bool Covers(const std::string& cert_file, const std::string& name) {
  auto cert = security::CertFromPem(*security::ReadWholeFile(cert_file));
  REQUIRE(cert.ok());
  return security::CoversName(cert->get(), name);
}

TEST_CASE("serving TLS: the generated certificate covers --tls-san and a named listen host",
          "[tls]") {
  TempDir data;
  auto tls = server::ResolveServingTls({"", "", {"cara.example.com", "192.0.2.9"}}, data.path(),
                                       "127.0.0.2");
  REQUIRE(tls.ok());
  CHECK(tls->cert_file == data.path() + "/pki/server.crt");
  CHECK(tls->key_file == data.path() + "/pki/server.key");
  CHECK(Covers(tls->cert_file, "cara.example.com"));
  CHECK(Covers(tls->cert_file, "192.0.2.9"));
  CHECK(Covers(tls->cert_file, "127.0.0.2"));
  CHECK(server::ServingNames({}, "0.0.0.0").empty());
  CHECK(server::ServingNames({}, "::").empty());
  CHECK(server::ServingNames({"a"}, "a") == std::vector<std::string>{"a"});
}

TEST_CASE("serving TLS: the operator's files are used as given, both or neither", "[tls]") {
  TempDir data;
  const std::string cert = data.path() + "/my.crt";
  const std::string key = data.path() + "/my.key";
  std::ofstream(cert) << "cert";
  std::ofstream(key) << "key";

  auto both = server::ResolveServingTls({cert, key, {}}, data.path(), "0.0.0.0");
  REQUIRE(both.ok());
  CHECK(both->cert_file == cert);
  CHECK(both->key_file == key);
  CHECK_FALSE(security::ReadWholeFile(data.path() + "/pki/ca.crt").ok());  // no PKI made

  auto one = server::ResolveServingTls({cert, "", {}}, data.path(), "0.0.0.0");
  REQUIRE_FALSE(one.ok());
  CHECK_THAT(one.status().message(), Catch::Contains("both or neither"));

  auto missing =
      server::ResolveServingTls({cert, data.path() + "/nope.key", {}}, data.path(), "0.0.0.0");
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.status().message(), Catch::Contains("--tls-key-file"));
  CHECK_THAT(missing.status().message(), Catch::Contains("nope.key"));
}

TEST_CASE("serving TLS: the API answers over HTTPS with the generated certificate", "[tls]") {
  TempDir data;
  server::ServerOptions options;
  auto tls = server::ResolveServingTls({}, data.path(), "127.0.0.1");
  REQUIRE(tls.ok());
  options.tls = *tls;
  TestServer server("sqlite", options);
  CHECK(server.url().rfind("https://", 0) == 0);

  httplib::SSLClient client("127.0.0.1", server.port());
  client.set_ca_cert_path((data.path() + "/pki/ca.crt").c_str());
  client.enable_server_certificate_verification(true);
  client.set_bearer_token_auth(server.admin_token());
  auto res = client.Get("/api/v1/projects");
  REQUIRE(res);
  CHECK(res->status == 200);

  httplib::Client plain("127.0.0.1", server.port());
  plain.set_read_timeout(5);
  CHECK_FALSE(plain.Get("/api/healthz"));
}

}  // namespace
}  // namespace cara::testing
