// The client config on disk: 0600, atomic, relative CA paths.
#include "security/client_config_file.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "security/atomic_file.h"
#include "support/temp_dir.h"

namespace cara::security {
namespace {

using cara::testing::TempDir;

constexpr char kPem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

mode_t ModeOf(const std::string& path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

TEST_CASE("WriteAdminClientConfig writes a 0600 file caractrl can read", "[client_config]") {
  TempDir dir;
  std::string path = dir.path() + "/new/caractrl.yaml";
  REQUIRE(WriteAdminClientConfig(path, "https://127.0.0.1:8080", kPem, "cara_abc_def").ok());
  CHECK(ModeOf(path) == 0600);
  CHECK(ModeOf(dir.path() + "/new") == 0700);
  Result<api::ClientConfig> config = LoadClientConfigFile(path);
  REQUIRE(config.ok());
  CHECK(config->current_context == "default");
  CHECK(config->Find("default")->token == "cara_abc_def");
  CHECK(config->Find("default")->certificate_authority_data == kPem);

  // Rewriting keeps the mode whatever the file had.
  REQUIRE(::chmod(path.c_str(), 0644) == 0);
  REQUIRE(WriteAdminClientConfig(path, "https://h:1", kPem, "cara_x_y").ok());
  CHECK(ModeOf(path) == 0600);
}

TEST_CASE("LoadClientConfigFile reports a missing file and resolves relative CA paths",
          "[client_config]") {
  TempDir dir;
  CHECK(LoadClientConfigFile(dir.path() + "/none.yaml").status().code() == Code::kNotFound);

  std::string path = dir.path() + "/config.yaml";
  REQUIRE(WriteFileAtomically(path,
                              "contexts:\n- name: a\n  server: https://h:1\n"
                              "  certificate-authority: pki/ca.crt\n"
                              "- name: b\n  server: https://h:1\n"
                              "  certificate-authority: /abs/ca.crt\n",
                              0600)
              .ok());
  Result<api::ClientConfig> config = LoadClientConfigFile(path);
  REQUIRE(config.ok());
  CHECK(config->Find("a")->certificate_authority == dir.path() + "/pki/ca.crt");
  CHECK(config->Find("b")->certificate_authority == "/abs/ca.crt");

  REQUIRE(WriteFileAtomically(path, "bogus: 1\n", 0600).ok());
  CHECK(LoadClientConfigFile(path).status().message() == path + ":1:1: unknown field \"bogus\"");
}

}  // namespace
}  // namespace cara::security
