// The secret crypto against known answers computed with an independent
// implementation (Python's cryptography and hashlib), plus the ways a blob
// must refuse to open.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "security/base64.h"
#include "security/sealed_value.h"
#include "security/secret_cipher.h"
#include "security/secret_digest.h"
#include "security/secrets_key.h"

namespace cara::security {
namespace {

// The secrets key 00 01 02 ... 1f.
SecretsKey CountingKey() {
  std::string bytes;
  for (int i = 0; i < 32; ++i) bytes += static_cast<char>(i);
  return SecretsKey(bytes);
}

SecretsKey OtherKey() { return SecretsKey(std::string(32, 'x')); }

SealingPrivateKey Sealing(const SecretsKey& key) {
  auto sealing = SealingPrivateKey::Derive(key);
  REQUIRE(sealing.ok());
  return *sealing;
}

TEST_CASE("base64 decoding accepts only canonical padded text", "[secret-crypto]") {
  CHECK(EncodeBase64("hello") == "aGVsbG8=");
  CHECK(DecodeBase64("aGVsbG8=") == std::optional<std::string>("hello"));
  CHECK(DecodeBase64("") == std::optional<std::string>(""));
  for (const char* bad : {"aGVsbG8", "aGVs bG8=", "aGVsbG9=", "a===", "aGVsbG8=\n", "*GVsbG8="}) {
    INFO(bad);
    CHECK_FALSE(DecodeBase64(bad).has_value());
  }
}

TEST_CASE("the digests match known answers", "[secret-crypto]") {
  CHECK(SealedSourceDigest("cara-sealed:v1:AAAA") ==
        "sha256:35622cfbfca9480fb4d9304da9b9ac1b5e81cc3120b315862157a18f8f61084c");
  CHECK(PlainSourceDigest("db", "password", "s3cret") ==
        "pbkdf2-sha256:22a427d47ce91fd9b011b02af0bdb0e42e69397029a374e744818ceee0720c3d");
  CHECK(PlainSourceDigest("db2", "password", "s3cret") !=
        PlainSourceDigest("db", "password", "s3cret"));
}

TEST_CASE("the sealing key and at-rest key id derive from the secrets key", "[secret-crypto]") {
  SealingPrivateKey sealing = Sealing(CountingKey());
  CHECK(sealing.public_key().Base64() == "iL8dwJJgwT1Vx0y6cCCtuhghglbhlgNXs/mxM2h3tVI=");
  CHECK(sealing.public_key().Fingerprint() ==
        "sha256:eee7b0721d40cb4ff9ebc4a7ac922e8baef920035bda789e296bded87d170247");
  auto cipher = SecretCipher::Create(CountingKey());
  REQUIRE(cipher.ok());
  CHECK(cipher->key_id() == "2bb8ca733d30c015");
}

TEST_CASE("a blob sealed by another implementation opens", "[secret-crypto]") {
  const std::string blob =
      "cara-sealed:v1:E75P6uryBMf9M1j8nAByGIHRdCeBKCJ+xnTzf3/"
      "pe20AAQIDBAUGBwgJCguyasRtlRc7pMJBjaVbh8QLXK1z1pcMaQ==";
  auto opened = OpenSealedValue(Sealing(CountingKey()), "db", "password", blob);
  REQUIRE(opened.ok());
  CHECK(*opened == "hunter2");
}

TEST_CASE("an at-rest blob made by another implementation opens", "[secret-crypto]") {
  auto cipher = SecretCipher::Create(CountingKey());
  REQUIRE(cipher.ok());
  auto values =
      cipher->Decrypt("db", "AQEBAQEBAQEBAQEBdSO5+i56WL0uHSvE64C2ihQuRVygbkdXsueCdiJW+g36UUNCR9s=");
  REQUIRE(values.ok());
  CHECK(*values == SecretValues{{"password", "hunter2"}});
}

TEST_CASE("sealed values round trip and open only under their name, key and cluster",
          "[secret-crypto]") {
  SealingPrivateKey cluster = Sealing(CountingKey());
  auto blob = SealValue(cluster.public_key(), "db", "password", "p@ss\nword");
  REQUIRE(blob.ok());
  CHECK(IsSealedValue(*blob));
  auto again = SealValue(cluster.public_key(), "db", "password", "p@ss\nword");
  REQUIRE(again.ok());
  CHECK(*again != *blob);  // a fresh ephemeral key and nonce every time

  auto opened = OpenSealedValue(cluster, "db", "password", *blob);
  REQUIRE(opened.ok());
  CHECK(*opened == "p@ss\nword");

  auto wrong_name = OpenSealedValue(cluster, "db2", "password", *blob);
  auto wrong_key = OpenSealedValue(cluster, "db", "user", *blob);
  auto other_cluster = OpenSealedValue(Sealing(OtherKey()), "db", "password", *blob);
  std::string tampered = *blob;
  tampered[tampered.size() - 6] = tampered[tampered.size() - 6] == 'A' ? 'B' : 'A';
  auto tampered_open = OpenSealedValue(cluster, "db", "password", tampered);
  for (const auto* refused : {&wrong_name, &wrong_key, &other_cluster, &tampered_open}) {
    REQUIRE_FALSE(refused->ok());
    CHECK(refused->status().code() == Code::kInvalid);
    CHECK(refused->status().message().find("sealed for another secret name") != std::string::npos);
    CHECK(refused->status().message().find(blob->substr(15, 20)) == std::string::npos);
  }
}

TEST_CASE("malformed sealed values are refused without echoing them", "[secret-crypto]") {
  SealingPrivateKey cluster = Sealing(CountingKey());
  for (const std::string& bad :
       std::vector<std::string>{"plain", "cara-sealed:v1:", "cara-sealed:v1:!!!!",
                                "cara-sealed:v1:" + EncodeBase64(std::string(59, 'a')),
                                "cara-sealed:v2:" + EncodeBase64(std::string(80, 'a'))}) {
    INFO(bad);
    auto r = OpenSealedValue(cluster, "db", "password", bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kInvalid);
    if (bad.size() > 15) CHECK(r.status().message().find(bad.substr(15)) == std::string::npos);
  }
}

TEST_CASE("a public key is 32 bytes, raw or base64", "[secret-crypto]") {
  CHECK(SealingPublicKey::FromRaw(std::string(32, 'k')).ok());
  CHECK_FALSE(SealingPublicKey::FromRaw(std::string(31, 'k')).ok());
  auto pub = SealingPublicKey::FromBase64("iL8dwJJgwT1Vx0y6cCCtuhghglbhlgNXs/mxM2h3tVI=");
  REQUIRE(pub.ok());
  CHECK(pub->raw() == Sealing(CountingKey()).public_key().raw());
  CHECK_FALSE(SealingPublicKey::FromBase64("not base64").ok());
  CHECK_FALSE(SealingPublicKey::FromBase64(EncodeBase64("short")).ok());
}

TEST_CASE("at-rest values round trip and open only under their name and key", "[secret-crypto]") {
  auto cipher = SecretCipher::Create(CountingKey());
  auto other = SecretCipher::Create(OtherKey());
  REQUIRE(cipher.ok());
  REQUIRE(other.ok());
  CHECK(cipher->key_id() != other->key_id());
  SecretValues values{{"user", "admin"}, {"password", "ünïcode \"quoted\""}, {"empty", ""}};
  auto blob = cipher->Encrypt("db", values);
  REQUIRE(blob.ok());
  CHECK(blob->find("admin") == std::string::npos);
  auto opened = cipher->Decrypt("db", *blob);
  REQUIRE(opened.ok());
  CHECK(*opened == values);

  CHECK_FALSE(cipher->Decrypt("db2", *blob).ok());
  CHECK_FALSE(other->Decrypt("db", *blob).ok());
  std::string tampered = *blob;
  tampered[20] = tampered[20] == 'A' ? 'B' : 'A';
  CHECK_FALSE(cipher->Decrypt("db", tampered).ok());
  CHECK_FALSE(cipher->Decrypt("db", "short").ok());
  CHECK_FALSE(cipher->Encrypt("db", {{"k", std::string("\xff\xfe", 2)}}).ok());
}

}  // namespace
}  // namespace cara::security

namespace cara::security {
namespace {

TEST_CASE("base64url: URL-safe alphabet, padded or not, canonical only", "[base64]") {
  const std::string bytes = "\xfb\xff\x01";  // "+/8B" in the standard alphabet
  CHECK(EncodeBase64(bytes) == "+/8B");
  CHECK(EncodeBase64Url(bytes, /*padded=*/false) == "-_8B");
  CHECK(EncodeBase64Url("a", /*padded=*/true) == "YQ==");
  CHECK(EncodeBase64Url("a", /*padded=*/false) == "YQ");
  CHECK(DecodeBase64Url("-_8B") == bytes);
  CHECK(DecodeBase64Url("YQ") == std::string("a"));
  CHECK(DecodeBase64Url("YQ==") == std::string("a"));
  CHECK_FALSE(DecodeBase64Url("+/8B").has_value());  // the other alphabet
  CHECK_FALSE(DecodeBase64Url("YR").has_value());    // not canonical
  CHECK_FALSE(DecodeBase64Url("Y").has_value());
}

}  // namespace
}  // namespace cara::security
