// caractrl get/describe/delete with several names, -o name, -o wide,
// --no-headers, describe -o json|yaml and delete --ignore-not-found, run as
// a real binary against a real cara-server on loopback.
#include <catch2/catch.hpp>

#include "support/http_client.h"

#include <regex>

#include <nlohmann/json.hpp>

#include "support/caractrl.h"
#include "support/process.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

using nlohmann::json;

ProcessResult Caractrl(const TestServer& server, std::vector<std::string> args,
                       const std::string& stdin_text = "") {
  args.insert(args.begin(), BuiltBinary("caractrl"));
  return RunProcess(args, CaractrlEnv(server.url()), stdin_text);
}

std::string Examples() { return std::string(CARA_SOURCE_DIR) + "/examples/manifests"; }

// A node that reported capacity and info, as a heartbeat leaves it.
const char kReportingNode[] = R"({"apiVersion":"caravanserai/v1","kind":"Node",
  "metadata":{"name":"edge"},"spec":{"hostname":"edge"},
  "status":{"state":"Ready","network":{"ip":"10.0.0.9"},
            "allocatable":{"cpu":"3500m","memory":"7Gi"},
            "info":{"agentVersion":"0.1.0","osImage":"Debian GNU/Linux 12","kernelVersion":"6.1.0"}}})";

// A single-digit AGE as "0s": a loaded machine may take a second or two.
std::string ZeroAge(const std::string& table) {
  return std::regex_replace(table, std::regex(R"(   \ds   )"), "   0s   ");
}

}  // namespace

TEST_CASE("get, describe and delete take several names", "[cli][names]") {
  TestServer server("sqlite");
  REQUIRE(Caractrl(server, {"apply", "-f", Examples()}).exit_code == 0);

  auto two = Caractrl(server, {"get", "projects", "web", "guestbook"});
  REQUIRE(two.exit_code == 0);
  CHECK(two.out.find("NAME") == 0);
  CHECK(two.out.find("\nweb ") < two.out.find("\nguestbook "));  // in the order asked

  auto some = Caractrl(server, {"get", "project", "web", "nope", "guestbook"});
  CHECK(some.exit_code == 1);  // what exists is printed, what does not is an error
  CHECK(some.out.find("\nweb ") != std::string::npos);
  CHECK(some.out.find("\nguestbook ") != std::string::npos);
  CHECK(some.err.find("\"nope\"") != std::string::npos);
  CHECK(some.err.find("\"web\"") == std::string::npos);

  auto json_two = Caractrl(server, {"get", "projects", "web", "guestbook", "-o", "json"});
  REQUIRE(json_two.exit_code == 0);
  json list = json::parse(json_two.out);
  CHECK(list["kind"] == "ProjectList");
  CHECK(list["items"].size() == 2);
  auto json_one = Caractrl(server, {"get", "projects", "web", "-o", "json"});
  CHECK(json::parse(json_one.out)["kind"] == "Project");

  auto described = Caractrl(server, {"describe", "project", "web", "guestbook"});
  REQUIRE(described.exit_code == 0);
  size_t second = described.out.find("\n\n\nName:\tguestbook\n");
  CHECK(described.out.rfind("Name:\tweb\n", 0) == 0);
  CHECK(second != std::string::npos);

  auto deleted = Caractrl(server, {"delete", "project", "web", "guestbook"});
  CHECK(deleted.exit_code == 0);
  CHECK(deleted.out == "project \"web\" deleted\nproject \"guestbook\" deleted\n");
  CHECK(!server.store().GetProject("web").ok());
  CHECK(!server.store().GetProject("guestbook").ok());

  auto names_and_selector = Caractrl(server, {"get", "projects", "web", "-l", "a=b"});
  CHECK(names_and_selector.exit_code == 2);
  CHECK(names_and_selector.err ==
        "Error: names cannot be combined with -l/--selector or --phase\n");
}

TEST_CASE("delete --ignore-not-found treats missing objects as deleted", "[cli][names]") {
  TestServer server("sqlite");
  REQUIRE(Caractrl(server, {"apply", "-f", Examples()}).exit_code == 0);
  auto strict = Caractrl(server, {"delete", "project", "nope"});
  CHECK(strict.exit_code == 1);
  auto lenient = Caractrl(server, {"delete", "project", "nope", "web", "--ignore-not-found"});
  CHECK(lenient.exit_code == 0);
  CHECK(lenient.out == "project \"web\" deleted\n");
  CHECK(lenient.err.empty());
  auto again = Caractrl(server, {"delete", "-f", Examples() + "/previews", "--ignore-not-found"});
  CHECK(again.exit_code == 0);
  auto missing = Caractrl(server, {"delete", "-f", Examples() + "/previews", "--ignore-not-found"});
  CHECK(missing.exit_code == 0);
  CHECK(missing.out.empty());
}

TEST_CASE("Output -o name prints kind/name like kubectl", "[cli][output]") {
  TestServer server("sqlite");
  auto applied = Caractrl(server, {"apply", "-f", Examples(), "-o", "name"});
  REQUIRE(applied.exit_code == 0);
  CHECK(applied.out.find("node/node-1\n") != std::string::npos);
  CHECK(applied.out.find("project/web\n") != std::string::npos);
  CHECK(applied.out.find("created") == std::string::npos);

  auto nodes = Caractrl(server, {"get", "nodes", "-o", "name"});
  REQUIRE(nodes.exit_code == 0);
  // apply creates in parallel: the list's (creation) order may vary.
  CHECK((nodes.out == "node/node-1\nnode/node-2\n" || nodes.out == "node/node-2\nnode/node-1\n"));
  auto one = Caractrl(server, {"get", "project", "web", "-o", "name"});
  CHECK(one.out == "project/web\n");

  auto deleted = Caractrl(server, {"delete", "project", "web", "-o", "name"});
  CHECK(deleted.exit_code == 0);
  CHECK(deleted.out == "project/web\n");

  auto describe = Caractrl(server, {"describe", "node", "node-1", "-o", "name"});
  CHECK(describe.exit_code == 2);
  CHECK(describe.err ==
        "Error: -o name is only for get, apply, delete, token list and config "
        "get-contexts\n");
}

TEST_CASE("Output -o wide adds columns and --no-headers drops the header", "[cli][output]") {
  TestServer server("sqlite");
  REQUIRE(HttpClient(server.url()).Post("/api/v1/nodes", kReportingNode).status == 201);
  REQUIRE(
      Caractrl(server, {"apply", "-f", "-", "--expire-in", "50h"}, R"(apiVersion: caravanserai/v1
kind: Project
metadata:
  name: shop
spec:
  services:
    - name: web
      image: cara/web:1
    - name: db
      image: cara/db:2
)")
          .exit_code == 0);

  auto nodes = Caractrl(server, {"get", "nodes", "-o", "wide"});
  REQUIRE(nodes.exit_code == 0);
  CHECK(ZeroAge(nodes.out) ==
        "NAME   STATE   IP         AGE   CPU     MEMORY   AGENT-VERSION   OS-IMAGE              "
        "KERNEL-VERSION\n"
        "edge   Ready   10.0.0.9   0s    3500m   7Gi      0.1.0           Debian GNU/Linux 12   "
        "6.1.0\n");
  auto projects = Caractrl(server, {"get", "projects", "-o", "wide"});
  REQUIRE(projects.exit_code == 0);
  CHECK(ZeroAge(projects.out) ==
        "NAME   PHASE     NODE     CONDITIONS   AGE   SERVICES   IMAGES                 EXPIRES\n"
        "shop   Pending   <none>   -            0s    web,db     cara/web:1,cara/db:2   in 2d\n");

  auto bare = Caractrl(server, {"get", "projects", "--no-headers"});
  REQUIRE(bare.exit_code == 0);
  CHECK(std::regex_match(bare.out, std::regex("shop   Pending   <none>   -            \\ds\n")));
  auto wide_bare = Caractrl(server, {"get", "nodes", "-o", "wide", "--no-headers"});
  CHECK(wide_bare.out.find("NAME") == std::string::npos);
  CHECK(wide_bare.out.rfind("edge ", 0) == 0);

  auto wide_apply = Caractrl(server, {"apply", "-f", Examples(), "-o", "wide"});
  CHECK(wide_apply.exit_code == 2);
  CHECK(wide_apply.err == "Error: -o wide is only for get\n");
}

TEST_CASE("describe -o json|yaml prints the objects as get does", "[cli][output]") {
  TestServer server("sqlite");
  REQUIRE(Caractrl(server, {"apply", "-f", Examples()}).exit_code == 0);
  auto described = Caractrl(server, {"describe", "project", "web", "-o", "json"});
  REQUIRE(described.exit_code == 0);
  auto got = Caractrl(server, {"get", "project", "web", "-o", "json"});
  CHECK(described.out == got.out);
  auto yaml = Caractrl(server, {"describe", "nodes", "node-1", "node-2", "-o", "yaml"});
  REQUIRE(yaml.exit_code == 0);
  CHECK(yaml.out == Caractrl(server, {"get", "nodes", "node-1", "node-2", "-o", "yaml"}).out);
  CHECK(yaml.out.find("kind: NodeList\n") != std::string::npos);
}

}  // namespace cara::testing
