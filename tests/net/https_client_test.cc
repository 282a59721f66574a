// NewHttpClient and FetchPinnedCa against a real TLS server on loopback.
#include "net/https_client.h"

#include <catch2/catch.hpp>

#include "security/atomic_file.h"
#include "support/tls_server.h"

namespace cara::net {
namespace {

using cara::testing::StrangerCa;
using cara::testing::TlsServer;

// GET /x through a client made by NewHttpClient: the status, or 0 and the
// client's description of the failure.
struct Outcome {
  int status = 0;
  std::string error;
};

Outcome Get(const std::string& url, const TlsClientOptions& options) {
  auto client = NewHttpClient(url, options);
  client->set_connection_timeout(5, 0);
  httplib::Result r = client->Get("/x");
  if (!r) return {0, DescribeClientError(*client, r.error())};
  return {r->status, ""};
}

TEST_CASE("https with the cluster CA file or PEM is verified and works", "[https_client]") {
  TlsServer server;
  TlsClientOptions from_file;
  from_file.ca_file = server.pki().ca_cert_file;
  CHECK(Get(server.url(), from_file).status == 200);

  TlsClientOptions from_pem;
  from_pem.ca_pem = server.pki().ca_cert_pem;
  CHECK(Get(server.url(), from_pem).status == 200);

  std::string localhost = "https://localhost:" + std::to_string(server.port());
  CHECK(Get(localhost, from_pem).status == 200);
}

TEST_CASE("https with another CA, or none, is refused", "[https_client]") {
  TlsServer server;
  StrangerCa stranger;
  TlsClientOptions wrong;
  wrong.ca_file = stranger.ca_file;
  Outcome o = Get(server.url(), wrong);
  CHECK(o.status == 0);
  CHECK_THAT(o.error, Catch::Contains("not trusted"));

  // No CA at all: the system store is not consulted, and nothing is trusted.
  Outcome none = Get(server.url(), TlsClientOptions{});
  CHECK(none.status == 0);
  CHECK_THAT(none.error, Catch::Contains("not trusted"));
}

TEST_CASE("https refuses a trusted certificate that lacks the URL's host", "[https_client]") {
  TlsClientOptions options;
  TlsServer::Options other_address;
  other_address.host = "127.0.0.2";
  TlsServer elsewhere(other_address);
  options.ca_pem = elsewhere.pki().ca_cert_pem;
  Outcome o = Get(elsewhere.url(), options);
  CHECK(o.error == "the server's certificate is not valid for its host name");
  CHECK(o.status == 0);
}

TEST_CASE("insecure_skip_verify talks to any https server", "[https_client]") {
  TlsServer server;
  TlsClientOptions options;
  options.insecure_skip_verify = true;
  CHECK(Get(server.url(), options).status == 200);
}

TEST_CASE("a pinned CA hash accepts only a chain rooted in that CA", "[https_client]") {
  TlsServer server;
  TlsClientOptions pinned;
  pinned.expected_ca_sha256 = server.ca_sha256();
  CHECK(Get(server.url(), pinned).status == 200);

  std::string other(64, 'a');
  pinned.expected_ca_sha256 = other;
  CHECK(Get(server.url(), pinned).status == 0);
  // Skipping verification does not switch a pin off.
  pinned.insecure_skip_verify = true;
  CHECK(Get(server.url(), pinned).status == 0);

  // A CA given together with a pin must itself hash to the pin.
  TlsClientOptions both;
  both.ca_pem = server.pki().ca_cert_pem;
  both.expected_ca_sha256 = other;
  CHECK_THAT(CheckTlsClientOptions(both).message(), Catch::Contains("expected CA hash"));
  CHECK(Get(server.url(), both).status == 0);
  both.expected_ca_sha256 = server.ca_sha256();
  CHECK(CheckTlsClientOptions(both).ok());
  CHECK(Get(server.url(), both).status == 200);
}

TEST_CASE("FetchPinnedCa returns the CA only when its hash matches", "[https_client]") {
  TlsServer server;
  Result<std::string> ca = FetchPinnedCa(server.url(), server.ca_sha256());
  REQUIRE(ca.ok());
  CHECK(*ca == server.pki().ca_cert_pem);

  Result<std::string> wrong = FetchPinnedCa(server.url(), std::string(64, 'b'));
  CHECK(wrong.status().code() == Code::kInvalid);
  CHECK_THAT(wrong.status().message(), Catch::Contains("does not present the CA"));

  CHECK(FetchPinnedCa(server.url(), "ABC").status().code() == Code::kInvalid);
  CHECK(FetchPinnedCa("http://127.0.0.1:1", server.ca_sha256()).status().code() == Code::kInvalid);
}

TEST_CASE("a server that does not send its CA cannot be pinned", "[https_client]") {
  TlsServer::Options no_chain;
  no_chain.ca_in_chain = false;
  TlsServer server(no_chain);
  Result<std::string> ca = FetchPinnedCa(server.url(), server.ca_sha256());
  CHECK(ca.status().code() == Code::kInvalid);
}

TEST_CASE("unusable TLS options are reported, and the client fails closed", "[https_client]") {
  TlsServer server;
  TlsClientOptions missing;
  missing.ca_file = "/nonexistent/ca.crt";
  CHECK_THAT(CheckTlsClientOptions(missing).message(),
             Catch::Contains("cannot read CA file /nonexistent/ca.crt"));
  CHECK(Get(server.url(), missing).status == 0);

  TlsClientOptions garbage;
  garbage.ca_pem = "not a certificate";
  CHECK_THAT(CheckTlsClientOptions(garbage).message(), Catch::Contains("no PEM certificate"));

  TlsClientOptions half;
  half.client_cert_file = server.pki().server_cert_file;
  CHECK_FALSE(CheckTlsClientOptions(half).ok());
}

TEST_CASE("http:// URLs ignore TLS options", "[https_client]") {
  httplib::Server plain;
  plain.Get("/x", [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
  int port = plain.bind_to_any_port("127.0.0.1");
  std::thread t([&] { plain.listen_after_bind(); });
  TlsClientOptions options;
  options.ca_file = "/nonexistent";
  CHECK(Get("http://127.0.0.1:" + std::to_string(port), options).status == 204);
  plain.stop();
  t.join();
}

}  // namespace
}  // namespace cara::net
