// caractrl seal as the real binary, offline (--public-key-file): plain
// values move to sealedData, each opening only under its own Secret name
// and key with the cluster's private key; other documents pass through;
// bad input is reported with file:line:col and nothing is printed.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "security/sealed_value.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace cara::testing {
namespace {

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

ProcessResult Seal(std::vector<std::string> args, const std::string& stdin_text = "") {
  args.insert(args.begin(), {BuiltBinary("caractrl"), "seal"});
  // No server at all: the key comes from the file.
  return RunProcess(args, {{"CARA_SERVER", "https://127.0.0.1:1"}}, stdin_text);
}

security::SealingPrivateKey ClusterKey() {
  auto key = security::SealingPrivateKey::Derive(security::SecretsKey(std::string(32, '\x07')));
  REQUIRE(key.ok());
  return *key;
}

std::string PublicKeyFile(const TempDir& dir, const security::SealingPrivateKey& key) {
  nlohmann::json doc = {{"algorithm", security::kSealingAlgorithm},
                        {"publicKey", key.public_key().Base64()},
                        {"fingerprint", key.public_key().Fingerprint()}};
  std::string path = dir.path() + "/cluster-key.json";
  WriteFile(path, doc.dump());
  return path;
}

const char kManifests[] = R"(apiVersion: caravanserai/v1
kind: Secret
metadata:
  name: db
stringData:
  password: s3cret-Plain-Value
sealedData:
  kept: cara-sealed:v1:already
---
apiVersion: caravanserai/v1
kind: Project
metadata:
  name: web
  labels: {uses: db}
spec:
  services: [{name: web, image: "nginx:1.27"}]
)";

TEST_CASE("seal: plain values are sealed to the cluster key, bound to name and key", "[seal_cli]") {
  TempDir dir;
  auto key = ClusterKey();
  WriteFile(dir.path() + "/db.yaml", kManifests);
  auto r = Seal({"-f", dir.path() + "/db.yaml", "--public-key-file", PublicKeyFile(dir, key)});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("s3cret-Plain-Value") == std::string::npos);
  CHECK(r.err.find(key.public_key().Fingerprint()) != std::string::npos);
  std::vector<YAML::Node> docs = YAML::LoadAll(r.out);
  REQUIRE(docs.size() == 2);
  CHECK_FALSE(docs[0]["stringData"]);
  CHECK(docs[0]["sealedData"]["kept"].as<std::string>() == "cara-sealed:v1:already");
  std::string blob = docs[0]["sealedData"]["password"].as<std::string>();
  auto opened = security::OpenSealedValue(key, "db", "password", blob);
  REQUIRE(opened.ok());
  CHECK(*opened == "s3cret-Plain-Value");
  CHECK_FALSE(security::OpenSealedValue(key, "other", "password", blob).ok());
  CHECK_FALSE(security::OpenSealedValue(key, "db", "kept", blob).ok());
  CHECK(docs[1]["kind"].as<std::string>() == "Project");
  CHECK(docs[1]["spec"]["services"][0]["image"].as<std::string>() == "nginx:1.27");
}

TEST_CASE("seal: -o json and stdin", "[seal_cli]") {
  TempDir dir;
  auto key = ClusterKey();
  std::string one = std::string(kManifests).substr(0, std::string(kManifests).find("---"));
  auto r = Seal({"-f", "-", "-o", "json", "--public-key-file", PublicKeyFile(dir, key)}, one);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["kind"] == "Secret");
  CHECK(security::OpenSealedValue(key, "db", "password", doc["sealedData"]["password"]).ok());
}

TEST_CASE("seal: bad input is reported with its position, nothing printed", "[seal_cli]") {
  TempDir dir;
  auto key = ClusterKey();
  WriteFile(dir.path() + "/bad.yaml", R"(apiVersion: caravanserai/v1
kind: Secret
metadata:
  name: db
stringData:
  "bad key!": x
)");
  auto r = Seal({"-f", dir.path() + "/bad.yaml", "--public-key-file", PublicKeyFile(dir, key)});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find(dir.path() + "/bad.yaml:6:") != std::string::npos);

  WriteFile(dir.path() + "/key.json", R"({"publicKey": "c2hvcnQ="})");
  WriteFile(dir.path() + "/good.yaml", kManifests);
  r = Seal({"-f", dir.path() + "/good.yaml", "--public-key-file", dir.path() + "/key.json"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("publicKey") != std::string::npos);
}

}  // namespace
}  // namespace cara::testing
