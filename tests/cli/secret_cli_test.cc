// Secrets through the real caractrl and a real cara-server: apply, get,
// describe and delete never print a value; caractrl seal with the server's
// public key; a sealed Secret synced from a real Git repository; the same
// blob under another Secret name refused by the server and reported by
// sync.
#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "security/secret_digest.h"
#include "support/caractrl.h"
#include "support/git_repo.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

const char kValue[] = "Plain-Value-0f-The-Db";

ProcessResult Caractrl(const TestServer& server, std::vector<std::string> args,
                       const std::string& stdin_text = "") {
  args.insert(args.begin(), {BuiltBinary("caractrl"), "--server", server.url()});
  return RunProcess(args, CaractrlEnv(server.url(), {{"NO_COLOR", "1"}}), stdin_text);
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string SecretYaml(const std::string& name, const std::string& data) {
  return "apiVersion: caravanserai/v1\nkind: Secret\nmetadata:\n  name: " + name +
         "\n  labels:\n    tier: db\n" + data;
}

std::string ProjectUsing(const std::string& secret) {
  return "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: "
         "web\nspec:\n"
         "  services:\n    - name: web\n      image: nginx:1.27\n      env:\n"
         "        - name: DB_PASSWORD\n          valueFrom:\n            "
         "secretKeyRef:\n"
         "              name: " +
         secret + "\n              key: password\n";
}

TEST_CASE(
    "secrets: apply, get, describe and delete show keys and digests, "
    "never values",
    "[secret_cli]") {
  TestServer server("sqlite");
  TempDir dir;
  std::ofstream(dir.path() + "/db.yaml")
      << SecretYaml("db", std::string("stringData:\n  password: ") + kValue + "\n  user: app\n");
  std::ofstream(dir.path() + "/web.yaml") << ProjectUsing("db");
  auto applied = Caractrl(server, {"apply", "-f", dir.path()});
  INFO(applied.out << applied.err);
  REQUIRE(applied.exit_code == 0);
  CHECK(Contains(applied.out, "secret/db created"));
  CHECK(Caractrl(server, {"apply", "-f", dir.path()}).out.find("secret/db unchanged") !=
        std::string::npos);

  auto table = Caractrl(server, {"get", "secrets"});
  CHECK(Contains(table.out, "NAME"));
  CHECK(Contains(table.out, "TYPE"));
  CHECK(Contains(table.out, "KEYS"));
  CHECK(Contains(table.out, "Opaque"));
  CHECK(Contains(Caractrl(server, {"get", "secrets", "-o", "wide"}).out, "password,user"));
  CHECK(Caractrl(server, {"get", "secret", "db", "-o", "name"}).out == "secret/db\n");
  CHECK(Caractrl(server, {"get", "secrets", "-l", "tier=db", "-o", "name"}).out == "secret/db\n");
  CHECK(Caractrl(server, {"get", "secrets", "-l", "tier=web", "-o", "name"}).out.empty());
  auto json = nlohmann::json::parse(Caractrl(server, {"get", "secret", "db", "-o", "json"}).out);
  CHECK(json["digests"]["password"] == security::PlainSourceDigest("db", "password", kValue));
  auto describe = Caractrl(server, {"describe", "secret", "db"});
  INFO(describe.out << describe.err);
  CHECK(Contains(describe.out, "Type:\tOpaque"));
  CHECK(Contains(describe.out,
                 "password:\t" + security::PlainSourceDigest("db", "password", kValue)));
  CHECK(Contains(describe.out, "Used By:\tweb"));
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"get", "secrets"},
                                             {"get", "secrets", "-o", "yaml"},
                                             {"describe", "secret", "db"},
                                             {"describe", "secret", "db", "-o", "json"}}) {
    CHECK_FALSE(Contains(Caractrl(server, args).out, kValue));
  }
  auto missing = Caractrl(server, {"get", "secret", "nope"});
  CHECK(missing.exit_code == 1);
  CHECK(Contains(missing.err, "Error: secret \"nope\" not found"));

  CHECK(Caractrl(server, {"delete", "project", "web", "--force"}).exit_code == 0);
  auto deleted = Caractrl(server, {"delete", "secret", "db"});
  INFO(deleted.out << deleted.err);
  CHECK(deleted.exit_code == 0);
  CHECK(Contains(deleted.out, "secret \"db\" deleted"));
  HttpClient api(server.url());
  CHECK(api.Get("/api/v1/secrets/db").status == 404);
}

// The sealed manifest caractrl seal prints for `value`, with the server's key.
std::string SealedYaml(const TestServer& server, const std::string& name,
                       const std::string& value) {
  auto sealed = Caractrl(server, {"seal", "-f", "-"},
                         SecretYaml(name, "stringData:\n  password: " + value + "\n"));
  INFO(sealed.err);
  REQUIRE(sealed.exit_code == 0);
  REQUIRE_FALSE(Contains(sealed.out, value));
  return sealed.out;
}

std::string BlobOf(const std::string& sealed_yaml) {
  auto at = sealed_yaml.find("cara-sealed:v1:");
  REQUIRE(at != std::string::npos);
  return sealed_yaml.substr(at, sealed_yaml.find('\n', at) - at);
}

TEST_CASE(
    "secrets: a sealed Secret synced from a Git repository, and its blob "
    "under another name "
    "is refused",
    "[secret_cli]") {
  TestServer server("sqlite");
  TempDir tmp;
  GitRepo repo{tmp.path() + "/repo"};
  std::string sealed = SealedYaml(server, "db", kValue);
  repo.Write("cluster/db.yaml", sealed);
  repo.Commit("sealed db secret");
  std::vector<std::string> source = {"--repo", repo.dir(), "--path", "cluster"};
  auto sync = [&](std::vector<std::string> args) {
    args.insert(args.end(), source.begin(), source.end());
    return Caractrl(server, args);
  };
  auto first = sync({"sync"});
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  HttpClient api(server.url());
  auto live = api.Get("/api/v1/secrets/db");
  REQUIRE(live.status == 200);
  CHECK(live.json["digests"]["password"] == security::SealedSourceDigest(BlobOf(sealed)));
  CHECK(live.json["metadata"]["labels"]["caravanserai.io/managed-by"] == "caractrl");
  CHECK(sync({"diff"}).exit_code == 0);

  // A new value, sealed again: one key changed, shown without a value.
  repo.Write("cluster/db.yaml", SealedYaml(server, "db", "another-value"));
  repo.Commit("rotate");
  auto diff = sync({"diff"});
  CHECK(diff.exit_code == 1);
  CHECK(Contains(diff.out, "(secret value changed)"));
  CHECK_FALSE(Contains(diff.out, "sha256:"));
  REQUIRE(sync({"sync"}).exit_code == 0);

  // Somebody copies the blob to a Secret of another name: it does not open
  // there.
  std::string copied = sealed;
  copied.replace(copied.find("name: db"), 8, "name: db2");
  repo.Write("cluster/db2.yaml", copied);
  repo.Commit("copy the blob");
  auto refused = sync({"sync"});
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 1);
  CHECK(Contains(refused.err, "secret/db2 FAILED"));
  CHECK(Contains(refused.err, "/sealedData/password"));
  CHECK(api.Get("/api/v1/secrets/db2").status == 404);
}

TEST_CASE("secrets: the key saved with get secret publickey seals offline for the server",
          "[secret_cli]") {
  TestServer server("sqlite");
  TempDir dir;
  auto key = Caractrl(server, {"get", "secret", "publickey", "-o", "json"});
  REQUIRE(key.exit_code == 0);
  std::ofstream(dir.path() + "/key.json") << key.out;
  std::ofstream(dir.path() + "/db.yaml")
      << SecretYaml("db", std::string("stringData:\n  password: ") + kValue + "\n");
  auto sealed = RunProcess({BuiltBinary("caractrl"), "seal", "-f", dir.path() + "/db.yaml",
                            "--public-key-file", dir.path() + "/key.json"},
                           {{"CARA_SERVER", "https://127.0.0.1:1"}});
  INFO(sealed.err);
  REQUIRE(sealed.exit_code == 0);
  auto applied = Caractrl(server, {"apply", "-f", "-"}, sealed.out);
  INFO(applied.out << applied.err);
  CHECK(applied.exit_code == 0);
  HttpClient api(server.url());
  CHECK(api.Get("/api/v1/secrets/db").json["digests"]["password"] ==
        security::SealedSourceDigest(BlobOf(sealed.out)));
}

}  // namespace
}  // namespace cara::testing
