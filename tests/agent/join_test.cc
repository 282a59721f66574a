// The join flow end to end over real TLS: a TestServer with the cluster PKI
// and tokens, the agent's JoinCluster / EstablishNodeIdentity against it.
#include "agent/join.h"

#include <catch2/catch.hpp>
#include <chrono>

#include "security/ca_hash.h"
#include "security/certificate.h"
#include "security/join_token.h"
#include "security/pki.h"
#include "support/eventually.h"
#include "support/http_client.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::agent {
namespace {

using testing::HttpClient;
using testing::TempDir;
using testing::TestServer;

// A secure server that can admit nodes, and an admin client for it.
struct JoinFixture {
  TempDir pki_dir;
  security::Pki pki = *security::EnsurePki(pki_dir.path(), {});
  TestServer server{"sqlite", Options(pki)};
  net::ClientCredentials admin = Credentials(server.admin_token(), pki);
  HttpClient api{server.url(), admin};

  static net::ClientCredentials Credentials(const std::string& token, const security::Pki& pki) {
    net::ClientCredentials c;
    c.token = token;
    c.tls.ca_file = pki.ca_cert_file;
    return c;
  }

  static server::ServerOptions Options(const security::Pki& pki) {
    server::ServerOptions o;
    o.require_auth = true;
    o.tls.cert_file = pki.server_cert_file;
    o.tls.key_file = pki.server_key_file;
    o.join = {pki.ca_cert_file, pki.ca_key_file, *security::CaCertSha256(pki.ca_cert_pem)};
    return o;
  }

  // A join token minted through the token API, as `caractrl token create
  // --role join` does.
  std::string JoinToken() {
    auto r = api.PostJson("/api/v1/tokens", {{"role", "join"}, {"description", "test"}});
    REQUIRE(r.status == 201);
    return r.json["joinToken"].get<std::string>();
  }

  JoinSettings Settings(const std::string& state_dir, const std::string& node) {
    return {server.url(), JoinToken(), node, "127.0.0.1", state_dir};
  }

  int StatusWith(const std::string& token, const std::string& method, const std::string& path,
                 const std::string& body = "") {
    HttpClient as_node(server.url(), Credentials(token, pki));
    return as_node.Send(method, path, body).status;
  }
};

std::string NodeBody(const std::string& name) {
  return nlohmann::json{{"apiVersion", "caravanserai/v1"},
                        {"kind", "Node"},
                        {"metadata", {{"name", name}}}}
      .dump();
}

TEST_CASE("a node joins with a join token and acts only as itself", "[join]") {
  JoinFixture f;
  TempDir state;
  auto identity = JoinCluster(f.Settings(state.path() + "/s", "worker-1"));
  REQUIRE(identity.ok());
  CHECK(identity->node_name == "worker-1");
  CHECK(identity->ca_pem == f.pki.ca_cert_pem);
  auto cert = security::CertFromPem(identity->cert_pem);
  REQUIRE(cert.ok());
  CHECK(security::CommonName(cert->get()) == "node:worker-1");

  CHECK(f.StatusWith(identity->token, "POST", "/api/v1/nodes", NodeBody("worker-1")) == 201);
  CHECK(f.StatusWith(identity->token, "POST", "/api/v1/nodes", NodeBody("worker-2")) == 403);
  CHECK(f.StatusWith(identity->token, "GET", "/api/v1/tokens") == 403);

  // The saved identity is used again without a join token.
  JoinSettings again{f.server.url(), "", "worker-1", "127.0.0.1", state.path() + "/s"};
  auto reloaded = EstablishNodeIdentity(again);
  REQUIRE(reloaded.ok());
  CHECK(reloaded->token == identity->token);
}

TEST_CASE("an agent with a wrong CA hash in its join token sends nothing", "[join]") {
  JoinFixture f;
  TempDir state;
  JoinSettings settings = f.Settings(state.path() + "/s", "worker-1");
  auto parsed = security::ParseJoinToken(settings.join_token);
  REQUIRE(parsed.ok());
  parsed->ca_sha256 = std::string(64, '0');
  settings.join_token = security::FormatJoinToken(*parsed);
  auto identity = JoinCluster(settings);
  REQUIRE_FALSE(identity.ok());
  CHECK_THAT(identity.status().message(), Catch::Contains("not the one the token names"));
  // No node credential was issued: the join request was never sent.
  auto tokens = f.api.Get("/api/v1/tokens");
  REQUIRE(tokens.status == 200);
  for (const auto& t : tokens.json["items"]) CHECK(t["role"] != "node");
}

TEST_CASE("a refused join says why: a bad join token is refused before any request",
          "[join]") {
  JoinFixture f;
  TempDir state;
  JoinSettings settings = f.Settings(state.path() + "/s", "worker-1");
  auto parsed = security::ParseJoinToken(settings.join_token);
  REQUIRE(parsed.ok());
  parsed->credential = "cara_000000000000_" + std::string(64, '0');
  settings.join_token = security::FormatJoinToken(*parsed);
  auto refused = JoinCluster(settings);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("refused: 401"));

  settings.join_token = "not a token";
  auto malformed = JoinCluster(settings);
  REQUIRE_FALSE(malformed.ok());
  CHECK_THAT(malformed.status().message(), Catch::Contains("must start with K10"));
}

TEST_CASE("deleting a node revokes its credential: the agent joins again", "[join]") {
  JoinFixture f;
  TempDir state;
  JoinSettings settings = f.Settings(state.path() + "/s", "worker-1");
  auto first = JoinCluster(settings);
  REQUIRE(first.ok());
  REQUIRE(f.StatusWith(first->token, "POST", "/api/v1/nodes", NodeBody("worker-1")) == 201);
  REQUIRE(f.api.Delete("/api/v1/nodes/worker-1").status == 204);
  CHECK(testing::Eventually(
      [&] { return f.StatusWith(first->token, "GET", "/api/v1/nodes/worker-1") == 401; },
      std::chrono::seconds(1)));

  auto second = EstablishNodeIdentity(settings);
  REQUIRE(second.ok());
  CHECK(second->token != first->token);
  CHECK(f.StatusWith(second->token, "GET", "/api/v1/nodes/worker-1") == 404);
}

TEST_CASE("joining again revokes the node's older credential", "[join]") {
  JoinFixture f;
  TempDir a, b;
  auto first = JoinCluster(f.Settings(a.path() + "/s", "worker-1"));
  REQUIRE(first.ok());
  auto second = JoinCluster(f.Settings(b.path() + "/s", "worker-1"));
  REQUIRE(second.ok());
  CHECK(testing::Eventually(
      [&] { return f.StatusWith(first->token, "GET", "/api/v1/nodes/worker-1") == 401; },
      std::chrono::seconds(1)));
  CHECK(f.StatusWith(second->token, "GET", "/api/v1/nodes/worker-1") == 404);
}

TEST_CASE("a join credential can do nothing but join", "[join]") {
  JoinFixture f;
  auto parsed = security::ParseJoinToken(f.JoinToken());
  REQUIRE(parsed.ok());
  for (auto [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/v1/nodes"}, {"GET", "/api/v1/projects"}, {"GET", "/metrics"},
           {"GET", "/api/v1/tokens"}, {"POST", "/api/v1/nodes"}}) {
    INFO(method << " " << path);
    CHECK(f.StatusWith(parsed->credential, method, path, NodeBody("x")) == 403);
  }
}

}  // namespace
}  // namespace cara::agent
