// get -o yaml|json | apply -f - round trips (List kinds, status and
// server-managed metadata ignored) and durations with days, run as a real
// binary against a real cara-server on loopback.
#include <catch2/catch.hpp>

#include "support/http_client.h"

#include "support/caractrl.h"
#include "support/process.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

std::string Examples() { return std::string(CARA_SOURCE_DIR) + "/examples/manifests"; }

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("get -o yaml and -o json round-trip through apply -f -", "[cli][apply]") {
  TestServer server("sqlite");
  REQUIRE(RunCaractrl(server, {"apply", "-f", Examples()}).exit_code == 0);
  // The agent's status and the server's metadata are in the output...
  REQUIRE(HttpClient(server.url())
              .Patch("/api/v1/projects/web/status", R"({"phase":"Running"})")
              .status == 204);
  for (const char* format : {"yaml", "json"}) {
    INFO(format);
    auto projects = RunCaractrl(server, {"get", "projects", "-o", format});
    REQUIRE(projects.exit_code == 0);
    // ...and apply ignores them: nothing to change.
    auto again = RunCaractrl(server, {"apply", "-f", "-"}, projects.out);
    INFO(again.err);
    CHECK(again.exit_code == 0);
    CHECK(Count(again.out, " unchanged\n") == 4);
    CHECK(Count(again.out, "\n") == 4);
    auto nodes = RunCaractrl(server, {"get", "nodes", "node-1", "node-2", "-o", format});
    auto nodes_again = RunCaractrl(server, {"apply", "-f", "-"}, nodes.out);
    INFO(nodes_again.err);
    CHECK(nodes_again.exit_code == 0);
    CHECK(nodes_again.out == "node/node-1 unchanged\nnode/node-2 unchanged\n");
  }
  CHECK(server.store().GetProject("web")->status.phase == "Running");

  // A saved list restores what was deleted.
  auto saved = RunCaractrl(server, {"get", "projects", "-o", "yaml"});
  REQUIRE(RunCaractrl(server, {"delete", "project", "guestbook", "web-pr-42"}).exit_code == 0);
  auto restored = RunCaractrl(server, {"apply", "-f", "-"}, saved.out);
  CHECK(restored.exit_code == 0);
  CHECK(restored.out.find("project/guestbook created\n") != std::string::npos);
  CHECK(restored.out.find("project/web unchanged\n") != std::string::npos);
  CHECK(server.store().GetProject("guestbook").ok());

  // One object (get NAME, describe -o yaml) is a plain manifest.
  auto one = RunCaractrl(server, {"describe", "project", "web", "-o", "yaml"});
  CHECK(RunCaractrl(server, {"apply", "-f", "-"}, one.out).out == "project/web unchanged\n");
}

TEST_CASE("apply accepts List, NodeList and ProjectList and reports their items' positions",
          "[cli][apply]") {
  TestServer server("sqlite");
  auto applied = RunCaractrl(server, {"apply", "-f", "-"}, R"(apiVersion: v1
kind: List
items:
  - apiVersion: caravanserai/v1
    kind: Node
    metadata:
      name: n1
  - apiVersion: caravanserai/v1
    kind: Project
    metadata:
      name: p1
    spec:
      services:
        - name: web
          image: cara/web:1
---
kind: ProjectList
items: []
)");
  INFO(applied.err);
  CHECK(applied.exit_code == 0);
  CHECK(applied.out == "node/n1 created\nproject/p1 created\n");

  auto bad = RunCaractrl(server, {"apply", "-f", "-"}, R"(kind: ProjectList
items:
  - apiVersion: caravanserai/v1
    kind: Project
    metadata:
      name: p2
    spec:
      services:
        - name: web
          image: cara/web:1
          imagePullPolcy: Always
---
kind: NodeList
items: {}
)");
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("<stdin>:11:27: /spec/services/0/imagePullPolcy: unknown field") !=
        std::string::npos);
  CHECK(bad.err.find("<stdin>:14:8: /items: a NodeList needs a sequence of items") !=
        std::string::npos);
  CHECK(!server.store().GetProject("p2").ok());
}

TEST_CASE("durations take days: apply --expire-in 3d, 1d12h", "[cli][apply]") {
  TestServer server("sqlite");
  const std::string project = R"(apiVersion: caravanserai/v1
kind: Project
metadata:
  name: pr
spec:
  services:
    - name: web
      image: cara/web:1
)";
  for (auto [flag, hours] : {std::pair{"3d", 72}, std::pair{"1d12h", 36}}) {
    INFO(flag);
    auto r = RunCaractrl(server, {"apply", "-f", "-", "--expire-in", flag}, project);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto p = server.store().GetProject("pr");
    REQUIRE(p->spec.expire_at.has_value());
    auto in = *p->spec.expire_at - SystemClock::Default()->Now();
    CHECK(in > std::chrono::hours(hours - 1));
    CHECK(in <= std::chrono::hours(hours));
  }
  auto bad = RunCaractrl(server, {"apply", "-f", "-", "--expire-in", "3 days"}, project);
  CHECK(bad.exit_code == 2);
  CHECK(bad.err == "Error: --expire-in: invalid duration \"3 days\"\n");
  auto sync =
      RunProcess({BuiltBinary("caractrl"), "sync", Examples(), "--wait", "--timeout", "1x"});
  CHECK(sync.exit_code == 2);
  CHECK(sync.err == "Error: --timeout: must be a positive duration\n");
  auto day = RunProcess({BuiltBinary("caractrl"), "sync", Examples(), "--dry-run", "--timeout",
                         "1d", "--server", "http://127.0.0.1:1"});
  CHECK(day.exit_code != 2);  // accepted; the unreachable server fails it later
}

}  // namespace cara::testing
