// Secrets in the api layer: the codec's wire layout, the schema, the rules
// of api/secret_rules.h, and the project fields that reference Secrets.
#include "api/secret_rules.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "api/rule_cases.h"
#include "api/schema.h"

namespace cara::api {
namespace {

std::string Describe(const std::vector<SchemaError>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.pointer + ": " + e.message + "\n";
  return out;
}

json SecretDoc(const std::function<void(json&)>& edit) {
  json d = {{"apiVersion", "caravanserai/v1"},
            {"kind", "Secret"},
            {"metadata", {{"name", "db"}}},
            {"stringData", {{"password", "s3cret"}}}};
  edit(d);
  return d;
}

Secret SecretWith(const std::function<void(json&)>& edit) {
  json d = SecretDoc(edit);
  auto s = DecodeSecret(d);
  INFO(d.dump());
  REQUIRE(s.ok());
  return *s;
}

TEST_CASE("secret codec: wire layout round-trips, empty fields left out", "[secret][codec]") {
  Secret s;
  s.metadata.name = "ghcr";
  s.type = kSecretRegistry;
  s.string_data = {{"server", "ghcr.io"}, {"username", "u"}};
  s.sealed_data = {{"password", "cara-sealed:v1:AAAA"}};
  s.digests = {{"server", "pbkdf2-sha256:00"}};
  json j = json::parse(EncodeSecret(s));
  CHECK(j["kind"] == "Secret");
  CHECK(j["type"] == "Registry");
  CHECK(j["stringData"]["server"] == "ghcr.io");
  CHECK(j["sealedData"]["password"] == "cara-sealed:v1:AAAA");
  CHECK(j["digests"]["server"] == "pbkdf2-sha256:00");
  auto back = DecodeSecret(j);
  REQUIRE(back.ok());
  CHECK(*back == s);

  Secret bare;
  bare.metadata.name = "x";
  json b = json::parse(EncodeSecret(bare));
  CHECK_FALSE(b.contains("type"));
  CHECK_FALSE(b.contains("stringData"));
  CHECK_FALSE(b.contains("digests"));
  CHECK(json::parse(EncodeSecretList({s, bare}))["kind"] == "SecretList");
  CHECK(EffectiveSecretType(bare) == kSecretOpaque);

  auto bad = DecodeSecret(json{{"metadata", {{"name", "x"}}}, {"stringData", {{"k", 1}}}});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "stringData.k: expected a string");
}

TEST_CASE("secret schema: unknown fields and a bad type are refused", "[secret][schema]") {
  CHECK(ValidateSecretDocument(SecretDoc([](json&) {})).empty());
  auto errors = ValidateSecretDocument(SecretDoc([](json& d) {
    d["type"] = "Tls";
    d["data"] = {{"a", "b"}};
  }));
  std::vector<std::string> pointers;
  for (const auto& e : errors) pointers.push_back(e.pointer);
  CHECK(std::find(pointers.begin(), pointers.end(), "/type") != pointers.end());
  INFO(Describe(errors));
  CHECK(std::find(pointers.begin(), pointers.end(), "/data") != pointers.end());  // unknown
}

TEST_CASE("secret rules: each finds its violation at its pointer", "[secret][rules]") {
  const std::vector<Case> cases = {
      {"a valid Opaque secret", [](json&) {}, {}},
      {"a valid Registry secret, sealed and plain keys mixed",
       [](json& d) {
         d["type"] = "Registry";
         d["stringData"] = {{"server", "127.0.0.1:5000"}, {"username", "ci"}};
         d["sealedData"] = {{"password", "cara-sealed:v1:AAAA"}};
       },
       {}},
      {"the reserved name, a bad key and a key in both maps",
       [](json& d) {
         d["metadata"]["name"] = "publickey";
         d["stringData"]["bad/key"] = "x";
         d["sealedData"] = {{"password", "cara-sealed:v1:AAAA"}};
       },
       {{"/metadata/name", "secret name \"publickey\" is reserved (GET /api/v1/secrets/publickey)"},
        {"/stringData/bad~1key",
         "key \"bad/key\" must consist of alphanumeric characters, '-', '_' or '.'"},
        {"/sealedData/password", "key \"password\" is in both stringData and sealedData"}}},
      {"a Registry secret with a stray key and one missing",
       [](json& d) {
         d["type"] = "Registry";
         d["stringData"] = {{"server", "ghcr.io"}, {"user", "u"}, {"password", "p"}};
       },
       {{"/stringData/user",
         "type Registry takes only the keys server, username and password, not \"user\""},
        {"/stringData", "type Registry needs the key \"username\""}}},
      {"too many keys",
       [](json& d) {
         for (int i = 0; i < 65; ++i) d["stringData"]["k" + std::to_string(i)] = "v";
       },
       {{"/stringData", "has 66 keys: a Secret holds at most 64"}}},
      {"a NUL in a plain value",
       [](json& d) { d["stringData"]["password"] = std::string("a\0b", 3); },
       {{"/stringData/password",
         "key \"password\": the value must not contain a NUL character (it could not be an "
         "environment variable)"}}},
      {"a secret read back from the API (digests, no values)",
       [](json& d) {
         d.erase("stringData");
         d["digests"] = {{"password", "pbkdf2-sha256:00"}};
       },
       {{"/digests/password",
         "key \"password\" has a digest but no value in stringData or sealedData: the API never "
         "returns values, so a Secret read back cannot be applied again (seal the values "
         "instead)"}}},
  };
  for (const Case& c : cases) {
    SECTION(c.what) { CheckViolations(CheckSecret(SecretWith(c.edit)), c.want); }
  }
}

json SecretRef(const std::string& name, const std::string& key) {
  return {{"secretKeyRef", {{"name", name}, {"key", key}}}};
}

TEST_CASE("project rules: env valueFrom and imagePullSecrets", "[secret][rules]") {
  const std::vector<Case> cases = {
      {"valid references",
       [](json& d) {
         d["spec"]["services"][0]["env"] =
             json::array({{{"name", "DB_PASSWORD"}, {"valueFrom", SecretRef("db", "password")}},
                          {{"name", "MODE"}, {"value", "prod"}}});
         d["spec"]["imagePullSecrets"] = json::array({"ghcr", "local-registry"});
       },
       {}},
      {"value and valueFrom, a bad secret name and key",
       [](json& d) {
         d["spec"]["services"][0]["env"] = json::array(
             {{{"name", "A"}, {"value", "x"}, {"valueFrom", SecretRef("Db", "pass word")}}});
       },
       {{"/spec/services/0/env/0/valueFrom",
         "service web: env A: value and valueFrom are mutually exclusive"},
        {"/spec/services/0/env/0/valueFrom/secretKeyRef/name",
         "service web: env A: secret name: name \"Db\" is invalid: must consist of lowercase "
         "alphanumeric characters, hyphens (-) or dots (.), and must start and end with an "
         "alphanumeric character"},
        {"/spec/services/0/env/0/valueFrom/secretKeyRef/key",
         "service web: env A: key \"pass word\" must consist of alphanumeric characters, '-', "
         "'_' or '.'"}}},
      {"a duplicate imagePullSecret",
       [](json& d) {
         d["spec"]["imagePullSecrets"] = json::array({"ghcr", "ghcr"});
       },
       {{"/spec/imagePullSecrets/1", "imagePullSecrets: duplicate secret \"ghcr\""}}},
  };
  for (const Case& c : cases) {
    SECTION(c.what) { CheckViolations(CheckProject(ProjectWith(c.edit)), c.want); }
  }
}

TEST_CASE("project codec: valueFrom and imagePullSecrets round-trip", "[secret][codec]") {
  Project p = ProjectWith([](json& d) {
    d["spec"]["services"][0]["env"] =
        json::array({{{"name", "DB_PASSWORD"}, {"valueFrom", SecretRef("db", "password")}}});
    d["spec"]["imagePullSecrets"] = json::array({"ghcr"});
  });
  REQUIRE(p.spec.services[0].env[0].value_from.has_value());
  CHECK(p.spec.services[0].env[0].value_from->name == "db");
  CHECK(p.spec.services[0].env[0].value_from->key == "password");
  CHECK(p.spec.image_pull_secrets == std::vector<std::string>{"ghcr"});
  CHECK(ReferencedSecrets(p.spec) == std::vector<std::string>{"db", "ghcr"});
  json j = json::parse(EncodeProject(p));
  CHECK(j["spec"]["services"][0]["env"][0]["valueFrom"] == SecretRef("db", "password"));
  CHECK(j["spec"]["imagePullSecrets"] == json::array({"ghcr"}));
  CHECK(ValidateProjectDocument(json::parse(EncodeProject(p))).empty());
  CHECK(*DecodeProject(j) == p);
}

TEST_CASE("unresolved secret references name the first missing secret or key", "[secret][rules]") {
  std::map<std::string, Secret> secrets;
  Secret db;
  db.metadata.name = "db";
  db.digests = {{"password", "sha256:00"}};
  secrets["db"] = db;
  Secret ghcr;
  ghcr.metadata.name = "ghcr";
  ghcr.type = kSecretRegistry;
  secrets["ghcr"] = ghcr;
  int lookups = 0;
  SecretLookup lookup = [&](const std::string& name) -> std::optional<Secret> {
    ++lookups;
    auto it = secrets.find(name);
    if (it == secrets.end()) return std::nullopt;
    return it->second;
  };
  auto with = [](const std::function<void(json&)>& edit) { return ProjectWith(edit).spec; };
  auto env = [](const std::string& name, const std::string& key) {
    return [=](json& d) {
      d["spec"]["services"][0]["env"] =
          json::array({{{"name", "A"}, {"valueFrom", SecretRef(name, key)}},
                       {{"name", "B"}, {"valueFrom", SecretRef(name, key)}}});
    };
  };
  CHECK(UnresolvedSecretReference(with([](json&) {}), lookup).empty());
  CHECK(UnresolvedSecretReference(with(env("db", "password")), lookup).empty());
  CHECK(lookups == 1);  // one lookup per secret, however often it is referenced
  CHECK(UnresolvedSecretReference(with(env("db", "user")), lookup) ==
        "secret \"db\" has no key \"user\"");
  CHECK(UnresolvedSecretReference(with(env("cache", "password")), lookup) ==
        "secret \"cache\" not found");
  CHECK(UnresolvedSecretReference(
            with([](json& d) { d["spec"]["imagePullSecrets"] = json::array({"ghcr"}); }), lookup)
            .empty());
  CHECK(UnresolvedSecretReference(
            with([](json& d) { d["spec"]["imagePullSecrets"] = json::array({"db"}); }), lookup) ==
        "secret \"db\" is not of type Registry");
}

}  // namespace
}  // namespace cara::api
