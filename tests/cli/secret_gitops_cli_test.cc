// Secrets in diff and sync, run as the real caractrl against a real
// cara-server: a plain stringData in the source is refused by sync (with
// its file:line:col) unless --allow-plain-secrets, and no value ever shows
// in any report format.
#include <catch2/catch.hpp>

#include <fstream>

#include "support/caractrl.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

const char kValue[] = "Plain-Value-0f-The-Db";

ProcessResult Caractrl(const TestServer& server, std::vector<std::string> args) {
  args.insert(args.begin(), {BuiltBinary("caractrl"), "--server", server.url()});
  return RunProcess(args, CaractrlEnv(server.url(), {{"NO_COLOR", "1"}}));
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string PlainSecretYaml(const std::string& value) {
  return "apiVersion: caravanserai/v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n"
         "  password: " +
         value + "\n";
}

TEST_CASE("sync refuses plain stringData with its position unless --allow-plain-secrets",
          "[secret_gitops_cli]") {
  TestServer server("sqlite");
  TempDir dir;
  std::ofstream(dir.path() + "/db.yaml") << PlainSecretYaml(kValue);
  for (std::vector<std::string> args :
       {std::vector<std::string>{"sync", dir.path()}, {"sync", dir.path(), "--dry-run"}}) {
    auto r = Caractrl(server, args);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, dir.path() + "/db.yaml:6:3: /stringData: Secret \"db\" holds plain"));
    CHECK(Contains(r.err, "caractrl seal"));
    CHECK_FALSE(Contains(r.out + r.err, kValue));
  }
  HttpClient api(server.url());
  CHECK(api.Get("/api/v1/secrets/db").status == 404);
}

TEST_CASE("no report format of diff or sync shows a plain value", "[secret_gitops_cli]") {
  TestServer server("sqlite");
  TempDir dir;
  std::ofstream(dir.path() + "/db.yaml") << PlainSecretYaml(kValue);
  for (const char* format : {"table", "json", "yaml", "markdown"}) {
    for (std::vector<std::string> args :
         {std::vector<std::string>{"diff", dir.path()},
          {"sync", dir.path(), "--dry-run", "--allow-plain-secrets"}}) {
      args.insert(args.end(), {"-o", format});
      auto r = Caractrl(server, args);
      INFO(format << " " << args[0] << "\n" << r.out << r.err);
      CHECK(r.exit_code == (args[0] == "diff" ? 1 : 0));
      std::string format_name = format;
      CHECK(Contains(r.out, format_name == "json"   ? "\"kind\": \"Secret\""
                            : format_name == "yaml" ? "kind: Secret"
                                                    : "secret/db"));
      CHECK_FALSE(Contains(r.out + r.err, kValue));
      CHECK_FALSE(Contains(r.out + r.err, "pbkdf2-sha256:"));
    }
  }
}

TEST_CASE("a plain value synced with --allow-plain-secrets never shows, created or changed",
          "[secret_gitops_cli]") {
  TestServer server("sqlite");
  TempDir dir;
  const std::string other = "Another-Plain-Value-9";
  std::ofstream(dir.path() + "/db.yaml") << PlainSecretYaml(kValue);
  for (const char* format : {"json", "table", "yaml", "markdown"}) {
    auto r = Caractrl(server, {"sync", dir.path(), "--allow-plain-secrets", "-o", format});
    INFO(format << "\n" << r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK_FALSE(Contains(r.out + r.err, kValue));
  }
  HttpClient api(server.url());
  REQUIRE(api.Get("/api/v1/secrets/db").status == 200);
  std::ofstream(dir.path() + "/db.yaml") << PlainSecretYaml(other);
  auto diff = Caractrl(server, {"diff", dir.path()});
  CHECK(diff.exit_code == 1);
  CHECK(Contains(diff.out, "password: (secret value changed)"));
  for (const char* format : {"json", "yaml", "markdown", "table"}) {
    auto r = Caractrl(server, {"sync", dir.path(), "--allow-plain-secrets", "-o", format});
    INFO(format << "\n" << r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK_FALSE(Contains(r.out + r.err, kValue));
    CHECK_FALSE(Contains(r.out + r.err, other));
    CHECK_FALSE(Contains(r.out + r.err, "pbkdf2-sha256:"));
  }
  for (const char* format : {"json", "yaml"}) {
    auto applied = Caractrl(server, {"apply", "-f", dir.path(), "--dry-run", "-o", format});
    CHECK_FALSE(Contains(applied.out + applied.err, other));
  }
}

}  // namespace
}  // namespace cara::testing
