// Which secrets key a server starts with: created once under the data dir
// and kept; a restart with the key keeps Secrets readable; a start with
// another key, or without the key while Secrets exist, is refused with a
// message that says what to do -- by LoadSecretKeys on both databases, and
// by the real cara-server process.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "api_test_util.h"
#include "auth_test_util.h"
#include "security/base64.h"
#include "server/secret_keys.h"
#include "server/token_issuer.h"
#include "support/cara_server_binary.h"
#include "support/file_contents.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace cara::testing {
namespace {

const std::string kSecrets = "/api/v1/secrets";

json DbSecret() {
  return {{"metadata", {{"name", "db"}}}, {"stringData", {{"password", "hunter2"}}}};
}

std::string WriteKeyFile(const std::string& path, char fill) {
  std::ofstream(path) << security::EncodeBase64(std::string(32, fill)) << "\n";
  REQUIRE(::chmod(path.c_str(), 0600) == 0);
  return path;
}

TEST_CASE("LoadSecretKeys accepts the key the stored Secrets were written with, only",
          "[secrets][startup]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TempDir keys;
      const std::string other_key = WriteKeyFile(keys.path() + "/other.key", 'o');
      TempDir empty_data_dir;
      TestServer server(backend);
      HttpClient api(server.url());
      CHECK(ModeOf(server.data_dir() + "/pki/secrets.key") == 0600);
      // No Secret yet: any key will do.
      CHECK(server::LoadSecretKeys(server.store(), {other_key, ""}).ok());
      REQUIRE_THAT(api.PostJson(kSecrets, DbSecret()), HasStatus(201));

      const std::string kept = keys.path() + "/kept.key";
      std::filesystem::copy_file(server.data_dir() + "/pki/secrets.key", kept);
      auto same = server::LoadSecretKeys(server.store(), {kept, ""});
      REQUIRE(same.ok());
      CHECK(same->keys->cipher.key_id() == server.secret_keys()->cipher.key_id());
      CHECK_FALSE(same->created);

      auto other = server::LoadSecretKeys(server.store(), {other_key, ""});
      REQUIRE_FALSE(other.ok());
      CHECK(other.status().message() ==
            "the store holds 1 Secret encrypted with another secrets key than " + other_key +
                " (key id " +
                server::MakeSecretKeys(*security::LoadSecretsKey(other_key))
                    .value()
                    ->cipher.key_id() +
                "); start with the key file they were written with (--secrets-key-file)");
      auto missing = server::LoadSecretKeys(server.store(), {"", empty_data_dir.path()});
      REQUIRE_FALSE(missing.ok());
      CHECK(missing.status().message() ==
            "secrets key file " + empty_data_dir.path() +
                "/pki/secrets.key is missing but the store holds 1 Secret encrypted with it; "
                "restore the file (or pass --secrets-key-file) instead of starting with a new "
                "key");
      CHECK_FALSE(std::filesystem::exists(empty_data_dir.path() + "/pki/secrets.key"));
      auto named_missing = server::LoadSecretKeys(server.store(), {keys.path() + "/no.key", ""});
      REQUIRE_FALSE(named_missing.ok());
      CHECK(named_missing.status().message().find("secrets key file " + keys.path() +
                                                  "/no.key does not exist") == 0);
    }
  }
}

TEST_CASE("A replica started with the same key serves the values a node needs",
          "[secrets][startup]") {
  TestServer first("postgres");
  HttpClient admin(first.url());
  REQUIRE_THAT(admin.PostJson(kSecrets, DbSecret()), HasStatus(201));
  json project = ProjectBodyInPhase("web", "Scheduled", "n1");
  project["spec"]["services"][0]["env"] = {
      {{"name", "P"}, {"valueFrom", {{"secretKeyRef", {{"name", "db"}, {"key", "password"}}}}}}};
  MustCreateProject(admin, project);
  TempDir keys;
  const std::string kept = keys.path() + "/kept.key";
  std::filesystem::copy_file(first.data_dir() + "/pki/secrets.key", kept);
  auto loaded = server::LoadSecretKeys(first.store(), {kept, ""});
  REQUIRE(loaded.ok());

  server::ServerOptions options;
  options.secret_keys = loaded->keys;
  TestServer second(first.database_url(), options);
  auto node = server::IssueNodeToken(second.store(), "n1", SystemClock::Default()->Now());
  REQUIRE(node.ok());
  TokenClient n1(second.url(), node->token);
  HttpResponse values = n1.Get(kSecrets + "/db/values");
  REQUIRE_THAT(values, HasStatus(200));
  CHECK(values.json["values"] == json({{"password", "hunter2"}}));
}

// cara-server on `data_dir` with `flags` and `env`, expected to refuse to
// start: its exit code and output (a start that hangs is killed after 30 s).
ProcessResult RefusedStart(const std::string& data_dir, const std::vector<std::string>& flags,
                           const std::map<std::string, std::string>& env = {}) {
  std::vector<std::string> argv = {"/usr/bin/timeout",
                                   "30",
                                   BuiltBinary("cara-server"),
                                   "--host",
                                   "127.0.0.1",
                                   "--port",
                                   std::to_string(FreeLoopbackPort()),
                                   "--data-dir",
                                   data_dir};
  argv.insert(argv.end(), flags.begin(), flags.end());
  std::map<std::string, std::string> all_env = env;
  all_env["DATABASE_URL"] = "";
  return RunProcess(argv, all_env);
}

TEST_CASE("cara-server refuses to start without the key of its Secrets", "[secrets][startup]") {
  TempDir tmp;
  const std::string data = tmp.path() + "/data";
  const std::string key = data + "/pki/secrets.key";
  const std::string kept = tmp.path() + "/kept.key";
  {
    CaraServerBinary server(data, {}, {{"DATABASE_URL", ""}}, TestLogPath("cara-server-secrets"));
    HttpClient api(server.url());
    REQUIRE_THAT(api.PostJson(kSecrets, DbSecret()), HasStatus(201));
    CHECK(ModeOf(key) == 0600);
  }
  std::filesystem::rename(key, kept);
  ProcessResult missing = RefusedStart(data, {});
  CHECK(missing.exit_code == 1);
  CHECK((missing.out + missing.err).find("is missing but the store holds 1 Secret") !=
        std::string::npos);
  CHECK_FALSE(std::filesystem::exists(key));

  const std::string other = WriteKeyFile(tmp.path() + "/other.key", 'o');
  ProcessResult wrong = RefusedStart(data, {}, {{"CARA_SECRETS_KEY_FILE", other}});
  CHECK(wrong.exit_code == 1);
  CHECK((wrong.out + wrong.err).find("encrypted with another secrets key than " + other) !=
        std::string::npos);

  REQUIRE(::chmod(kept.c_str(), 0644) == 0);
  ProcessResult loose = RefusedStart(data, {"--secrets-key-file", kept});
  CHECK(loose.exit_code == 1);
  CHECK((loose.out + loose.err).find("has mode 0644") != std::string::npos);
  REQUIRE(::chmod(kept.c_str(), 0600) == 0);

  const std::string restart_log = TestLogPath("cara-server-secrets-restart");
  CaraServerBinary restarted(data, {"--secrets-key-file", kept}, {{"DATABASE_URL", ""}},
                             restart_log);
  HttpClient api(restarted.url());
  HttpResponse got = api.Get(kSecrets + "/db");
  REQUIRE_THAT(got, HasStatus(200));
  CHECK(got.json["digests"].contains("password"));
  std::string log = ReadAll(restart_log);
  CHECK(log.find("hunter2") == std::string::npos);
}

}  // namespace
}  // namespace cara::testing
