// The agent's ServerClient over https with a token, against a real TLS server.
#include <catch2/catch.hpp>

#include "agent/server_client.h"
#include "support/tls_server.h"

namespace cara::agent {
namespace {

using cara::testing::StrangerCa;
using cara::testing::TlsServer;

TEST_CASE("ServerClient verifies the server and sends its token", "[server_client][tls]") {
  TlsServer::Options options;
  options.required_token = "cara_node_token";
  TlsServer server(options);

  net::ClientCredentials good{"cara_node_token", {}};
  good.tls.ca_pem = server.pki().ca_cert_pem;
  CHECK(ServerClient(server.url(), good).Register("node-1").ok());

  // Pinned by the join token's CA hash alone.
  net::ClientCredentials pinned{"cara_node_token", {}};
  pinned.tls.expected_ca_sha256 = server.ca_sha256();
  CHECK(ServerClient(server.url(), pinned).Register("node-1").ok());

  net::ClientCredentials no_token = good;
  no_token.token.clear();
  Status refused = ServerClient(server.url(), no_token).Register("node-1");
  CHECK_THAT(refused.message(), Catch::Contains("401"));

  StrangerCa stranger;
  net::ClientCredentials wrong_ca = good;
  wrong_ca.tls.ca_pem.clear();
  wrong_ca.tls.ca_file = stranger.ca_file;
  Status untrusted = ServerClient(server.url(), wrong_ca).Register("node-1");
  CHECK(untrusted.code() == Code::kUnavailable);
  CHECK_THAT(untrusted.message(), Catch::Contains("not trusted"));
}

TEST_CASE("ServerClient renews a rejected credential once and retries with the new one",
          "[server_client][tls]") {
  TlsServer::Options options;
  options.required_token = "cara_new_token";
  TlsServer server(options);
  net::ClientCredentials old_credential{"cara_old_token", {}};
  old_credential.tls.ca_pem = server.pki().ca_cert_pem;

  int renewals = 0;
  ServerClient renewing(server.url(), old_credential, [&]() -> Result<net::ClientCredentials> {
    ++renewals;
    net::ClientCredentials renewed = old_credential;
    renewed.token = "cara_new_token";
    return renewed;
  });
  CHECK(renewing.Register("node-1").ok());
  CHECK(renewals == 1);
  CHECK(renewing.Register("node-1").ok());  // the new credential is kept
  CHECK(renewals == 1);

  // A renewer that cannot renew: the 401 is the answer, asked once per call.
  int attempts = 0;
  ServerClient stuck(server.url(), old_credential, [&]() -> Result<net::ClientCredentials> {
    ++attempts;
    return Status::Invalid("no join token");
  });
  CHECK_THAT(stuck.Register("node-1").message(), Catch::Contains("401"));
  CHECK(attempts == 1);
}

}  // namespace
}  // namespace cara::agent
