#include "security/secrets_key.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "security/base64.h"
#include "support/temp_dir.h"

namespace cara::security {
namespace {

void WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

TEST_CASE("a created secrets key is 32 random bytes in a 0600 file and loads back",
          "[secrets-key]") {
  testing::TempDir dir;
  const std::string path = DefaultSecretsKeyPath(dir.path());
  CHECK(path == dir.path() + "/pki/secrets.key");
  auto created = CreateSecretsKey(path);
  REQUIRE(created.ok());
  CHECK(created->bytes().size() == 32);
  CHECK(ModeOf(path) == 0600);
  CHECK(ModeOf(dir.path() + "/pki") == 0700);
  auto loaded = LoadSecretsKey(path);
  REQUIRE(loaded.ok());
  CHECK(loaded->bytes() == created->bytes());

  auto again = CreateSecretsKey(path);
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == Code::kAlreadyExists);
  CHECK(LoadSecretsKey(path)->bytes() == created->bytes());

  testing::TempDir other;
  auto different = CreateSecretsKey(DefaultSecretsKeyPath(other.path()));
  REQUIRE(different.ok());
  CHECK(different->bytes() != created->bytes());
}

TEST_CASE("a missing, loose, short or garbled secrets key file is refused by name",
          "[secrets-key]") {
  testing::TempDir dir;
  const std::string path = dir.path() + "/secrets.key";
  auto missing = LoadSecretsKey(path);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Code::kNotFound);

  const std::string good = EncodeBase64(std::string(32, 'k'));
  WriteFile(path, good + "\n", 0644);
  auto loose = LoadSecretsKey(path);
  REQUIRE_FALSE(loose.ok());
  CHECK(loose.status().message() == "secrets key file " + path +
                                        " has mode 0644; it must not be accessible by group or "
                                        "others (chmod 600 " +
                                        path + ")");

  WriteFile(path, EncodeBase64(std::string(16, 'k')), 0600);
  auto short_key = LoadSecretsKey(path);
  REQUIRE_FALSE(short_key.ok());
  CHECK(short_key.status().message() == "secrets key file " + path +
                                            " must hold the base64 of 32 random bytes (it holds "
                                            "16 bytes)");

  WriteFile(path, "not base64 at all", 0600);
  auto garbled = LoadSecretsKey(path);
  REQUIRE_FALSE(garbled.ok());
  CHECK(garbled.status().message().find("it is not base64") != std::string::npos);

  WriteFile(path, "  " + good + "\r\n", 0400);
  auto trimmed = LoadSecretsKey(path);
  REQUIRE(trimmed.ok());
  CHECK(trimmed->bytes() == std::string(32, 'k'));
}

}  // namespace
}  // namespace cara::security
