// caractrl apply / get / version, run as a real binary against a real
// cara-server on loopback.
#include <catch2/catch.hpp>

#include "support/http_client.h"

#include <signal.h>

#include <fstream>
#include <thread>

#include "common/version.h"
#include "support/caractrl.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

std::string Examples() { return std::string(CARA_SOURCE_DIR) + "/examples/manifests"; }

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

const char kProject[] = R"(apiVersion: caravanserai/v1
kind: Project
metadata:
  name: web
spec:
  services:
    - name: web
      image: cara/busybox:test
)";

}  // namespace

TEST_CASE("apply creates every example, then reports them unchanged", "[cli]") {
  TestServer server("sqlite");
  auto first = RunCaractrl(server, {"apply", "-f", Examples()});
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(first.out.find("node/node-1 created") != std::string::npos);
  CHECK(first.out.find(" configured") == std::string::npos);
  // Nodes are applied before projects.
  CHECK(first.out.rfind("node/") < first.out.find("project/"));

  auto second = RunCaractrl(server, {"apply", "-f", Examples()});
  REQUIRE(second.exit_code == 0);
  CHECK(second.out.find("created") == std::string::npos);
  CHECK(second.out.find("configured") == std::string::npos);
  CHECK(second.out.find("unchanged") != std::string::npos);

  auto nodes = server.store().ListNodes();
  REQUIRE(nodes.ok());
  CHECK(nodes->size() >= 2);
}

TEST_CASE("apply from stdin creates, then configures on change", "[cli]") {
  TestServer server("sqlite");
  auto created = RunCaractrl(server, {"apply", "-f", "-"}, kProject);
  REQUIRE(created.exit_code == 0);
  CHECK(created.out == "project/web created\n");

  std::string changed = kProject;
  changed.replace(changed.find("cara/busybox:test"), 17, "cara/busybox:v2");
  auto configured = RunCaractrl(server, {"apply", "-f", "-"}, changed);
  REQUIRE(configured.exit_code == 0);
  CHECK(configured.out == "project/web configured\n");
  auto project = server.store().GetProject("web");
  REQUIRE(project.ok());
  CHECK(project->spec.services[0].image == "cara/busybox:v2");
  CHECK(project->metadata.generation == 2);
}

TEST_CASE("apply --expire-in sets spec.expireAt on projects", "[cli]") {
  TestServer server("sqlite");
  auto r = RunCaractrl(server, {"apply", "-f", "-", "--expire-in", "72h"}, kProject);
  REQUIRE(r.exit_code == 0);
  auto project = server.store().GetProject("web");
  REQUIRE(project.ok());
  REQUIRE(project->spec.expire_at.has_value());
  auto in = *project->spec.expire_at - SystemClock::Default()->Now();
  CHECK(in > std::chrono::hours(71));
  CHECK(in <= std::chrono::hours(72));
}

TEST_CASE("apply rejects invalid manifests with file:line:col and applies nothing", "[cli]") {
  TestServer server("sqlite");
  TempDir dir;
  WriteFile(dir.path() + "/a-good.yaml", kProject);
  WriteFile(dir.path() + "/b-bad.yaml", R"(apiVersion: caravanserai/v1
kind: Project
metadata:
  name: bad
spec:
  services:
    - name: api
      image: cara/busybox:test
      imagePullPolcy: Always
)");
  auto r = RunCaractrl(server, {"apply", "-f", dir.path()});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(dir.path() + "/b-bad.yaml:9:23: /spec/services/0/imagePullPolcy: unknown field "
                                "\"imagePullPolcy\"") != std::string::npos);
  CHECK(r.err.find("nothing was applied") != std::string::npos);
  auto projects = server.store().ListProjects();
  REQUIRE(projects.ok());
  CHECK(projects->empty());
}

TEST_CASE("apply reports unsupported kinds and duplicates", "[cli]") {
  TestServer server("sqlite");
  std::string two = std::string(kProject) + "---\n" + kProject + "---\nkind: ConfigMap\n";
  auto r = RunCaractrl(server, {"apply", "-f", "-"}, two);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("duplicate Project \"web\"") != std::string::npos);
  CHECK(r.err.find("unsupported kind \"ConfigMap\"") != std::string::npos);
}

TEST_CASE("get prints the reference tables and json/yaml", "[cli]") {
  TestServer server("sqlite");
  REQUIRE(RunCaractrl(server, {"apply", "-f", "-"}, kProject).exit_code == 0);
  auto table = RunCaractrl(server, {"get", "projects"});
  REQUIRE(table.exit_code == 0);
  CHECK(table.out ==
        "NAME   PHASE     NODE     CONDITIONS   AGE\n"
        "web    Pending   <none>   -            0s\n");
  auto json = RunCaractrl(server, {"get", "project", "web", "-o", "json"});
  REQUIRE(json.exit_code == 0);
  CHECK(json.out.rfind("{\n  \"apiVersion\": \"caravanserai/v1\",\n  \"kind\": \"Project\"", 0) ==
        0);
  auto yaml = RunCaractrl(server, {"-o", "yaml", "get", "project", "web"});
  REQUIRE(yaml.exit_code == 0);
  CHECK(yaml.out.rfind("apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n", 0) == 0);
  CHECK(yaml.out.find("    services:\n        - image: cara/busybox:test\n          name: web\n") !=
        std::string::npos);
}

TEST_CASE("get reports API and connection errors", "[cli]") {
  TestServer server("sqlite");
  auto missing = RunCaractrl(server, {"get", "node", "nope"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err == "Error: node \"nope\" not found\n");
  auto down =
      RunProcess({BuiltBinary("caractrl"), "--server", "http://127.0.0.1:1", "get", "nodes"});
  CHECK(down.exit_code == 1);
  CHECK(down.err.find("Error: get nodes: request failed: cannot connect to server "
                      "http://127.0.0.1:1") == 0);
}

TEST_CASE("version prints the build identity", "[cli]") {
  auto r = RunProcess({BuiltBinary("caractrl"), "version", "--client"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == std::string("caractrl ") + cara::Version() + " (commit " + cara::Commit() +
                     ", built " + cara::BuildTime() + ")\n");
}

TEST_CASE("get -l filters by labels", "[cli]") {
  TestServer server("sqlite");
  REQUIRE(RunCaractrl(server, {"apply", "-f", Examples()}).exit_code == 0);
  auto previews = RunCaractrl(server, {"get", "projects", "-l", "caravanserai.io/preview=true"});
  REQUIRE(previews.exit_code == 0);
  CHECK(previews.out.find("web-pr-42") != std::string::npos);
  CHECK(previews.out.find("guestbook") == std::string::npos);
  auto others =
      RunCaractrl(server, {"get", "projects", "-l", "caravanserai.io/preview!=true", "-o", "json"});
  REQUIRE(others.exit_code == 0);
  CHECK(others.out.find("web-pr-42") == std::string::npos);
  CHECK(others.out.find("\"guestbook\"") != std::string::npos);
  auto bad = RunCaractrl(server, {"get", "nodes", "-l", "=x"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err ==
        "Error: invalid label selector \"=x\": unexpected \"=\" at column 1: expected a key or "
        "\"!\"\n");
}

TEST_CASE("get -w prints objects again as they change", "[cli]") {
  TestServer server("sqlite");
  REQUIRE(RunCaractrl(server, {"apply", "-f", "-"}, kProject).exit_code == 0);
  TempDir dir;
  std::string log = dir.path() + "/watch.log";
  BackgroundProcess watch({BuiltBinary("caractrl"), "get", "projects", "-w"},
                          CaractrlEnv(server.url()), log);
  auto read_log = [&] { return RunProcess({"/bin/cat", log}).out; };
  auto wait_for = [&](const std::string& text) {
    for (int i = 0; i < 100; ++i) {
      if (read_log().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };
  REQUIRE(wait_for("web    Pending"));
  auto patched = HttpClient(server.url())
                     .Patch("/api/v1/projects/web/status",
                            R"({"phase":"Running","reason":"ContainersRunning"})");
  REQUIRE(patched.status == 204);
  CHECK(wait_for("web    Running"));
  watch.Signal(SIGINT);
  CHECK(watch.Wait() == 0);
  // One header, then a row per change.
  std::string out = read_log();
  CHECK(out.find("NAME") == out.rfind("NAME"));
}

TEST_CASE("apply --dry-run changes nothing and get --phase filters", "[cli]") {
  TestServer server("sqlite");
  auto dry = RunCaractrl(server, {"apply", "-f", "-", "--dry-run"}, kProject);
  REQUIRE(dry.exit_code == 0);
  CHECK(dry.out == "project/web created (dry run)\n");
  CHECK(server.store().ListProjects()->empty());

  REQUIRE(RunCaractrl(server, {"apply", "-f", "-"}, kProject).exit_code == 0);
  auto pending = RunCaractrl(server, {"get", "projects", "--phase", "Pending"});
  CHECK(pending.out.find("web") != std::string::npos);
  auto running = RunCaractrl(server, {"get", "projects", "--phase", "Running"});
  CHECK(running.out == "NAME   PHASE   NODE   CONDITIONS   AGE\n");
  auto help = RunProcess({BuiltBinary("caractrl"), "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("Exit codes:") != std::string::npos);
}

}  // namespace cara::testing
