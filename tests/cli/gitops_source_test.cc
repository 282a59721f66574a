// A directory source is all or nothing: an entry that cannot be read makes
// diff, sync, apply -f and delete -f refuse the whole source (exit 2) instead
// of skipping it, which would make sync prune what the entry defines. Run as
// the real caractrl against a real cara-server.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "support/caractrl.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

namespace fs = std::filesystem;

ProcessResult Caractrl(const TestServer& server, std::vector<std::string> args) {
  args.insert(args.begin(), {BuiltBinary("caractrl"), "--server", server.url()});
  return RunProcess(args, CaractrlEnv(server.url(), {{"NO_COLOR", "1"}}));
}

std::string ProjectYaml(const std::string& name) {
  return "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: " + name +
         "\nspec:\n  services:\n    - name: web\n      image: nginx:1.27\n";
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// web and api synced from `dir`; then `breakage` makes one entry unreadable.
void CheckRefused(const TestServer& server, const std::string& dir, const std::string& error) {
  HttpClient api(server.url());
  for (const char* cmd : {"diff", "sync"}) {
    auto r = Caractrl(server, {cmd, dir});
    INFO(cmd << "\n" << r.out << r.err);
    CHECK(r.exit_code == 2);
    CHECK(Contains(r.err, "Error: " + error));
  }
  auto apply = Caractrl(server, {"apply", "-f", dir});
  INFO(apply.out << apply.err);
  CHECK(apply.exit_code == 2);
  CHECK(Contains(apply.err, error));
  auto del = Caractrl(server, {"delete", "-f", dir});
  INFO(del.out << del.err);
  CHECK(del.exit_code == 2);
  // Nothing was pruned, deleted or created.
  for (const char* name : {"web", "api"}) {
    auto live = api.Get(std::string("/api/v1/projects/") + name);
    CHECK(live.status == 200);
    CHECK(live.json["status"]["phase"] == "Pending");
  }
  CHECK(api.Get("/api/v1/projects/new").status == 404);
}

}  // namespace

TEST_CASE("an unreadable entry makes a directory source unusable: nothing applied or pruned",
          "[gitops-cli]") {
  TestServer server("sqlite");
  TempDir tmp;
  const std::string dir = tmp.path() + "/m";
  fs::create_directories(dir + "/sub");
  std::ofstream(dir + "/web.yaml") << ProjectYaml("web");
  std::ofstream(dir + "/sub/api.yaml") << ProjectYaml("api");
  REQUIRE(Caractrl(server, {"sync", dir}).exit_code == 0);
  // What a usable source would also do: create "new".
  std::ofstream(dir + "/new.yaml") << ProjectYaml("new");

  SECTION("a dangling *.yaml symlink (api's manifest replaced by a link to nowhere)") {
    fs::remove(dir + "/sub/api.yaml");
    fs::create_symlink("gone.yaml", dir + "/sub/api.yaml");
    CheckRefused(server, dir,
                 "read manifest: " + dir +
                     "/sub/api.yaml: symbolic link to \"gone.yaml\" cannot be followed: No such "
                     "file or directory");
  }
  SECTION("a dangling link that may have been a directory of manifests") {
    fs::rename(dir + "/sub", tmp.path() + "/sub");
    fs::create_directory_symlink(tmp.path() + "/moved", dir + "/sub");
    CheckRefused(server, dir, "read manifest: " + dir + "/sub: symbolic link to");
  }
  SECTION("a symlink loop (ln -s self self) does not crash") {
    fs::create_symlink("self", dir + "/self");
    CheckRefused(server, dir,
                 "read manifest: " + dir +
                     "/self: symbolic link to \"self\" cannot be followed: Too many levels of "
                     "symbolic links");
  }
  SECTION("a FIFO with a manifest name is refused, not read (it would block)") {
    REQUIRE(::mkfifo((dir + "/sub/pipe.yaml").c_str(), 0644) == 0);
    CheckRefused(server, dir, "read manifest: " + dir + "/sub/pipe.yaml: a FIFO");
  }
}

TEST_CASE("a link back to an ancestor directory is walked once, not refused", "[gitops-cli]") {
  TestServer server("sqlite");
  TempDir tmp;
  fs::create_directories(tmp.path() + "/m/sub");
  std::ofstream(tmp.path() + "/m/sub/web.yaml") << ProjectYaml("web");
  fs::create_directory_symlink(tmp.path() + "/m", tmp.path() + "/m/sub/up");
  fs::create_symlink("sub/web.yaml", tmp.path() + "/m/alias.txt");  // not a manifest name
  auto sync = Caractrl(server, {"sync", tmp.path() + "/m"});
  INFO(sync.out << sync.err);
  CHECK(sync.exit_code == 0);
  CHECK(Contains(sync.err + sync.out, "1 created"));
}

TEST_CASE("a 50 MB manifest is refused by its size, not loaded", "[gitops-cli]") {
  TestServer server("sqlite");
  TempDir dir;
  // One Project with 245,000 annotations, as in issue 11.
  std::string big =
      "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: big\n  annotations:\n";
  const std::string value(180, 'v');
  for (int i = 0; i < 245'000; ++i)
    big += "    example.com/k" + std::to_string(i) + ": " + value + "\n";
  big += "spec:\n  services:\n    - name: web\n      image: nginx:1.27\n";
  REQUIRE(big.size() > 50'000'000);
  std::ofstream(dir.path() + "/big.yaml") << big;
  const std::string limit = " bytes, over the limit of 1048576 bytes";
  const std::string size = "document is " + std::to_string(big.size()) + limit;

  auto diff = Caractrl(server, {"diff", dir.path()});
  INFO(diff.err);
  CHECK(diff.exit_code == 2);
  CHECK(Contains(diff.err, dir.path() + "/big.yaml:1:1: " + size));
  CHECK(Contains(diff.err, "1 error(s) in manifests; nothing was compared"));
  auto apply = RunProcess({BuiltBinary("caractrl"), "--server", server.url(), "apply", "-f", "-"},
                          CaractrlEnv(server.url()), big);
  INFO(apply.err);
  CHECK(apply.exit_code == 2);
  CHECK(Contains(apply.err, "<stdin>:1:1: " + size));
  CHECK(HttpClient(server.url()).Get("/api/v1/projects/big").status == 404);
}

}  // namespace cara::testing
