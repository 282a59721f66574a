// The test HttpClient's credentials: registered per server URL, or explicit.
#include <catch2/catch.hpp>

#include "support/http_client.h"
#include "support/tls_server.h"

namespace cara::testing {
namespace {

TEST_CASE("HttpClient uses the credentials registered for its server's URL", "[http_client]") {
  TlsServer::Options options;
  options.required_token = "cara_test_token";
  TlsServer server(options);
  net::ClientCredentials admin{"cara_test_token", {}};
  admin.tls.ca_file = server.pki().ca_cert_file;

  RegisterDefaultCredentials(server.url() + "/", admin);
  HttpResponse r = HttpClient(server.url()).Get("/x");
  CHECK_THAT(r, HasStatus(200));
  CHECK(r.body == "Bearer cara_test_token");

  // Explicit credentials win: none at all fails the TLS check.
  HttpResponse refused = HttpClient(server.url(), kNoCredentials).Get("/x");
  CHECK(refused.status == 0);
  CHECK_THAT(refused.error, Catch::Contains("not trusted"));
  net::ClientCredentials no_token = admin;
  no_token.token.clear();
  CHECK_THAT(HttpClient(server.url(), no_token).Get("/x"), HasStatus(401));

  ForgetDefaultCredentials(server.url());
  CHECK(HttpClient(server.url()).Get("/x").status == 0);
  CHECK(DefaultCredentials(server.url()).token.empty());
}

}  // namespace
}  // namespace cara::testing
