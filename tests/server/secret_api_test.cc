// The Secret API over HTTPS with tokens, on both databases: what goes in
// (stringData, sealedData), what comes out (metadata, type, digests, never a
// value), who may do what, and that neither the store nor the audit trail
// holds a plain value.
#include <catch2/catch.hpp>

#include <string>

#include "api_test_util.h"
#include "auth_test_util.h"
#include "security/sealed_value.h"
#include "security/secret_digest.h"
#include "server/token_issuer.h"
#include "support/file_contents.h"

namespace cara::testing {
namespace {

const std::string kSecrets = "/api/v1/secrets";
const std::string kPassword = "s3cret-Pa55word";

std::string SecretPath(const std::string& name) { return kSecrets + "/" + name; }

json SecretBody(const std::string& name, const json& string_data) {
  return {{"apiVersion", "caravanserai/v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", name}}},
          {"stringData", string_data}};
}

json SealedBody(const std::string& name, const json& sealed_data) {
  json body = SecretBody(name, json::object());
  body.erase("stringData");
  body["sealedData"] = sealed_data;
  return body;
}

std::string Seal(TestServer& server, const std::string& name, const std::string& key,
                 const std::string& value) {
  auto blob = security::SealValue(server.secret_keys()->sealing.public_key(), name, key, value);
  REQUIRE(blob.ok());
  return *blob;
}

// Whatever the response, it must not carry a value.
void CheckNoValue(const HttpResponse& r) { CHECK(r.body.find(kPassword) == std::string::npos); }

TEST_CASE("Secrets are created, read, replaced and deleted without their values",
          "[secrets][api]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      HttpResponse created =
          api.PostJson(kSecrets, SecretBody("db", {{"password", kPassword}, {"user", "app"}}));
      REQUIRE_THAT(created, HasStatus(201));
      CheckNoValue(created);
      CHECK_FALSE(created.json.contains("stringData"));
      CHECK(created.json["type"] == "Opaque");
      CHECK(created.json["metadata"]["generation"] == 1);
      CHECK(created.json["digests"] ==
            json({{"password", security::PlainSourceDigest("db", "password", kPassword)},
                  {"user", security::PlainSourceDigest("db", "user", "app")}}));

      HttpResponse got = api.Get(SecretPath("db"));
      REQUIRE_THAT(got, HasStatus(200));
      CheckNoValue(got);
      CHECK(got.json == created.json);
      HttpResponse listed = api.Get(kSecrets);
      REQUIRE_THAT(listed, HasStatus(200));
      CHECK(listed.json["kind"] == "SecretList");
      CHECK(ItemNames(listed) == std::vector<std::string>{"db"});
      CheckNoValue(listed);

      json stale = SecretBody("db", {{"password", "other"}});
      stale["metadata"]["resourceVersion"] = "1";
      CHECK_THAT(api.PutJson(SecretPath("db"), stale), HasStatus(409));
      json replace = SecretBody("db", {{"password", "other"}});
      replace["metadata"]["resourceVersion"] = ResourceVersion(created.json);
      HttpResponse replaced = api.PutJson(SecretPath("db"), replace);
      REQUIRE_THAT(replaced, HasStatus(200));
      CHECK(replaced.json["metadata"]["generation"] == 2);
      CHECK(replaced.json["digests"] ==
            json({{"password", security::PlainSourceDigest("db", "password", "other")}}));
      // The same values again: nothing changes, not even the version.
      HttpResponse again = api.PutJson(SecretPath("db"), SecretBody("db", {{"password", "other"}}));
      REQUIRE_THAT(again, HasStatus(200));
      CHECK(ResourceVersion(again.json) == ResourceVersion(replaced.json));

      CHECK_THAT(api.Delete(SecretPath("db")), HasStatus(204));
      CHECK_THAT(api.Get(SecretPath("db")),
                 IsProblem(404, "secret not found: db: resource not found"));
      CHECK_THAT(api.Delete(SecretPath("db")), HasStatus(404));
      CHECK_THAT(api.PostJson(kSecrets, SecretBody("db", {{"a", "b"}})), HasStatus(201));
      CHECK_THAT(api.PostJson(kSecrets, SecretBody("db", {{"a", "b"}})), HasStatus(409));
    }
  }
}

TEST_CASE("A sealed value opens only under the Secret name and key it was sealed for",
          "[secrets][api]") {
  TestServer server("sqlite");
  HttpClient api(server.url());
  const std::string blob = Seal(server, "db", "password", kPassword);
  HttpResponse created = api.PostJson(kSecrets, SealedBody("db", {{"password", blob}}));
  REQUIRE_THAT(created, HasStatus(201));
  CHECK(created.json["digests"]["password"] == security::SealedSourceDigest(blob));
  CheckNoValue(created);
  CHECK(created.body.find(blob) == std::string::npos);

  // The same blob under another name, or another key.
  for (const json& body :
       {SealedBody("db2", {{"password", blob}}), SealedBody("db2", {{"user", blob}})}) {
    HttpResponse refused = api.PostJson(kSecrets, body);
    CHECK_THAT(refused, HasStatus(422));
    CHECK(ProblemErrorPointers(refused) ==
          std::vector<std::string>{body["sealedData"].contains("user") ? "/sealedData/user"
                                                                       : "/sealedData/password"});
    CHECK(refused.body.find("sealed for another secret name") != std::string::npos);
    CHECK(refused.body.find(blob.substr(20, 30)) == std::string::npos);
  }
  // Sealed for another cluster's key.
  auto other = security::SealingPrivateKey::Derive(security::SecretsKey(std::string(32, 'o')));
  REQUIRE(other.ok());
  auto foreign = security::SealValue(other->public_key(), "db3", "a.b", kPassword);
  REQUIRE(foreign.ok());
  HttpResponse refused = api.PostJson(kSecrets, SealedBody("db3", {{"a.b", *foreign}}));
  CHECK_THAT(refused, HasStatus(422));
  CHECK(ProblemErrorPointers(refused) == std::vector<std::string>{"/sealedData/a.b"});
  CHECK_THAT(api.Get(SecretPath("db3")), HasStatus(404));
}

TEST_CASE("Bad Secret bodies are refused at their JSON pointer, without their values",
          "[secrets][api]") {
  TestServer server("sqlite");
  HttpClient api(server.url());
  json both = SecretBody("db", {{"k", kPassword}});
  both["sealedData"] = {{"k", Seal(server, "db", "k", kPassword)}};
  json registry = SecretBody("reg", {{"server", "ghcr.io"}, {"password", kPassword}});
  registry["type"] = "Registry";
  json many = SecretBody("db", json::object());
  for (int i = 0; i < 65; ++i) many["stringData"]["k" + std::to_string(i)] = kPassword;
  const struct {
    json body;
    int status;
    std::string pointer;
  } cases[] = {
      {SecretBody("db", {{"x", 5}}), 400, "/stringData/x"},
      {SecretBody("db", {{"bad key", kPassword}}), 400, "/stringData/bad key"},
      {both, 400, "/sealedData/k"},
      {SecretBody("publickey", {{"k", kPassword}}), 400, "/metadata/name"},
      {registry, 400, "/stringData"},
      {many, 400, "/stringData"},  // each plain value costs a slow digest
      {SealedBody("db", {{"password", kPassword}}), 422, "/sealedData/password"},
      {SealedBody("db", {{"bin", Seal(server, "db", "bin", "\xff\xfe")}}), 422, "/sealedData/bin"},
  };
  for (const auto& c : cases) {
    INFO(c.body.dump());
    HttpResponse r = api.PostJson(kSecrets, c.body);
    CHECK_THAT(r, HasStatus(c.status));
    CHECK(ProblemErrorPointers(r) == std::vector<std::string>{c.pointer});
    CheckNoValue(r);
  }
  CHECK(ListNames(api, kSecrets).empty());
}

TEST_CASE("The public sealing key is served to every role but join", "[secrets][api][auth]") {
  TestServer server("sqlite");
  HttpClient api(server.url());
  HttpResponse r = api.Get(kSecrets + "/publickey");
  REQUIRE_THAT(r, HasStatus(200));
  const auto& key = server.secret_keys()->sealing.public_key();
  CHECK(r.json == json({{"algorithm", "X25519-HKDF-SHA256-AES-256-GCM"},
                        {"publicKey", key.Base64()},
                        {"fingerprint", key.Fingerprint()}}));
  for (const char* role : {"deployer", "viewer"}) {
    TokenClient client(server.url(), server.MintToken(std::string(role)));
    CHECK_THAT(client.Get(kSecrets + "/publickey"), HasStatus(200));
  }
  TokenClient preview(
      server.url(),
      server.MintToken({{"role", "preview"}, {"namePrefix", "pr-"}, {"maxTTL", "1h"}}));
  CHECK_THAT(preview.Get(kSecrets + "/publickey"), HasStatus(200));
  TokenClient join(server.url(), server.MintToken(std::string("join")));
  CHECK_THAT(join.Get(kSecrets + "/publickey"), HasStatus(403));
  TokenClient nobody(server.url(), "");
  CHECK_THAT(nobody.Get(kSecrets + "/publickey"), HasStatus(401));
}

// A project on `node` whose service reads `secret`'s password from the env,
// or (pull) pulls its image with `secret`.
json ProjectUsing(const std::string& name, const std::string& node, const std::string& secret,
                  bool pull) {
  json body = ProjectBodyInPhase(name, "Scheduled", node);
  if (pull) {
    body["spec"]["imagePullSecrets"] = {secret};
  } else {
    body["spec"]["services"][0]["env"] = {
        {{"name", "DB_PASSWORD"},
         {"valueFrom", {{"secretKeyRef", {{"name", secret}, {"key", "password"}}}}}}};
  }
  return body;
}

std::string NodeToken(TestServer& server, const std::string& node) {
  auto issued = server::IssueNodeToken(server.store(), node, SystemClock::Default()->Now());
  REQUIRE(issued.ok());
  return issued->token;
}

TEST_CASE("Only a node running a project that uses a Secret reads its values",
          "[secrets][api][auth]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient admin(server.url());
      TokenClient deployer(server.url(), server.MintToken(std::string("deployer")));
      REQUIRE_THAT(deployer.Post(kSecrets, SecretBody("db", {{"password", kPassword}})),
                   HasStatus(201));
      json registry =
          SecretBody("ghcr", {{"server", "ghcr.io"}, {"username", "u"}, {"password", kPassword}});
      registry["type"] = "Registry";
      REQUIRE_THAT(deployer.Post(kSecrets, registry), HasStatus(201));
      CHECK_THAT(deployer.Get(SecretPath("db")), HasStatus(200));
      CHECK_THAT(deployer.Get(kSecrets), HasStatus(200));

      TokenClient n1(server.url(), NodeToken(server, "n1"));
      TokenClient n2(server.url(), NodeToken(server, "n2"));
      TokenClient viewer(server.url(), server.MintToken(std::string("viewer")));
      TokenClient preview(
          server.url(),
          server.MintToken({{"role", "preview"}, {"namePrefix", "db"}, {"maxTTL", "1h"}}));
      TokenClient admin_token(server.url(), server.admin_token());
      const std::string values = SecretPath("db") + "/values";
      for (TokenClient* refused : {&admin_token, &deployer, &viewer, &preview, &n1, &n2}) {
        HttpResponse r = refused->Get(values);
        CHECK_THAT(r, HasStatus(403));
        CheckNoValue(r);
      }
      for (TokenClient* refused : {&viewer, &preview, &n1}) {
        CHECK_THAT(refused->Get(SecretPath("db")), HasStatus(403));
        CHECK_THAT(refused->Get(kSecrets), HasStatus(403));
        CHECK_THAT(refused->Post(kSecrets, SecretBody("dbx", {{"a", "b"}})), HasStatus(403));
      }

      MustCreateProject(admin, ProjectUsing("web", "n1", "db", false));
      HttpResponse got = n1.Get(values);
      REQUIRE_THAT(got, HasStatus(200));
      CHECK(got.json ==
            json({{"name", "db"},
                  {"type", "Opaque"},
                  {"resourceVersion", ResourceVersion(MustGet(admin, SecretPath("db")))},
                  {"values", {{"password", kPassword}}}}));
      CHECK_THAT(n2.Get(values), HasStatus(403));
      CHECK_THAT(n1.Get(SecretPath("ghcr") + "/values"), HasStatus(403));
      CHECK_THAT(admin_token.Get(values), HasStatus(403));

      MustCreateProject(admin, ProjectUsing("pull", "n2", "ghcr", true));
      HttpResponse pulled = n2.Get(SecretPath("ghcr") + "/values");
      REQUIRE_THAT(pulled, HasStatus(200));
      CHECK(pulled.json["type"] == "Registry");
      CHECK(pulled.json["values"] ==
            json({{"server", "ghcr.io"}, {"username", "u"}, {"password", kPassword}}));
      CHECK_THAT(n1.Get(SecretPath("nope") + "/values"), HasStatus(403));
    }
  }
}

TEST_CASE("Neither the database nor the audit trail holds a Secret value", "[secrets][api]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      REQUIRE_THAT(api.PostJson(kSecrets, SecretBody("db", {{"password", kPassword}})),
                   HasStatus(201));
      const std::string blob = Seal(server, "db", "password", kPassword + "-sealed");
      REQUIRE_THAT(api.PutJson(SecretPath("db"), SealedBody("db", {{"password", blob}})),
                   HasStatus(200));
      auto record = server.store().GetRecord("Secret", "db");
      REQUIRE(record.ok());
      REQUIRE(record->has_value());
      CHECK((*record)->find(kPassword) == std::string::npos);
      CHECK((*record)->find(blob) == std::string::npos);
      HttpResponse audit = api.Get("/api/v1/audit");
      REQUIRE_THAT(audit, HasStatus(200));
      CHECK(audit.body.find("secrets") != std::string::npos);
      CheckNoValue(audit);
      CHECK(audit.body.find(blob) == std::string::npos);
      if (backend == "sqlite") {
        std::string bytes;
        for (const char* file : {"/cara.db", "/cara.db-wal"}) {
          bytes += ReadAll(server.data_dir() + file);
        }
        CHECK(bytes.find("atRest") != std::string::npos);  // the record is in there
        CHECK(bytes.find(kPassword) == std::string::npos);
      }
    }
  }
}

}  // namespace
}  // namespace cara::testing
