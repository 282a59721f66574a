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

}  // namespace
}  // namespace cara::agent
