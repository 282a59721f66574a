// caractrl get -l (Kubernetes label selectors, filtered by the server) and
// --phase, run as a real binary against a real cara-server on loopback.
#include <catch2/catch.hpp>

#include "support/http_client.h"

#include <signal.h>

#include <algorithm>
#include <sstream>
#include <thread>

#include "support/caractrl.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

std::string Examples() { return std::string(CARA_SOURCE_DIR) + "/examples/manifests"; }

// The NAME column of a table, in order.
std::vector<std::string> Names(const std::string& table) {
  std::vector<std::string> names;
  size_t start = table.find('\n') + 1;  // after the header
  while (start < table.size()) {
    size_t end = table.find('\n', start);
    names.push_back(table.substr(start, table.find(' ', start) - start));
    start = end + 1;
  }
  return names;
}

using List = std::vector<std::string>;

// Whether a table row "<name>   <phase>   ..." is in the text.
bool HasRow(const std::string& text, const std::string& name, const std::string& phase,
            bool watching = false) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string event, first, second;
    if (watching) fields >> event;  // get -w's EVENT column
    fields >> first >> second;
    if (first == name && second == phase) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("get -l accepts the Kubernetes selector grammar", "[cli][selector]") {
  TestServer server("sqlite");
  REQUIRE(RunCaractrl(server, {"apply", "-f", Examples()}).exit_code == 0);
  struct Case {
    std::string selector;
    List projects;
  };
  const std::vector<Case> cases = {
      {"app.kubernetes.io/part-of in (storefront, shop)", {"web", "web-pr-42"}},
      {"!caravanserai.io/preview", {"guestbook", "shop", "web"}},
      {"caravanserai.io/preview notin (true)", {"guestbook", "shop", "web"}},
      {"caravanserai.io/preview!=true", {"guestbook", "shop", "web"}},
      {"app.kubernetes.io/name=shop", {"shop"}},
      {"app.kubernetes.io/part-of==storefront,!caravanserai.io/preview", {"web"}},
      {"caravanserai.io/preview", {"web-pr-42"}},
      {"app.kubernetes.io/part-of in (nothing)", {}},
  };
  for (const auto& c : cases) {
    INFO(c.selector);
    auto r = RunCaractrl(server, {"get", "projects", "-l", c.selector});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    List names = Names(r.out);
    std::sort(names.begin(), names.end());
    CHECK(names == c.projects);
  }
  auto nodes = RunCaractrl(
      server, {"get", "nodes", "--selector", "topology.caravanserai.io/zone in (rack-b)"});
  REQUIRE(nodes.exit_code == 0);
  CHECK(Names(nodes.out) == List{"node-2"});
}

TEST_CASE("get -l refuses an invalid selector before any request", "[cli][selector]") {
  // Nothing listens on port 1: an attempted request would fail with exit 1.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a=b=c", "unexpected \"=\" at column 4: expected \",\" or the end"},
      {"tier in (a,b", "unexpected end: expected \",\" or \")\""},
      {"tier in a", "unexpected \"a\" at column 9: expected \"(\" after \"in\""},
      {"!", "unexpected end: expected a key"},
  };
  for (const auto& [selector, problem] : cases) {
    INFO(selector);
    auto r = RunProcess({BuiltBinary("caractrl"), "--server", "http://127.0.0.1:1", "get",
                         "projects", "-l", selector});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "Error: invalid label selector \"" + selector + "\": " + problem + "\n");
  }
}

TEST_CASE("get --phase is case-insensitive, checked, and only for projects", "[cli][phase]") {
  TestServer server("sqlite");
  REQUIRE(RunCaractrl(server, {"apply", "-f", Examples()}).exit_code == 0);
  auto lower = RunCaractrl(server, {"get", "projects", "--phase", "pending"});
  REQUIRE(lower.exit_code == 0);
  CHECK(Names(lower.out).size() == 4);
  auto upper = RunCaractrl(server, {"get", "projects", "--phase", "RUNNING"});
  REQUIRE(upper.exit_code == 0);
  CHECK(Names(upper.out).empty());

  auto bogus = RunCaractrl(server, {"get", "projects", "--phase", "Runing"});
  CHECK(bogus.exit_code == 2);
  CHECK(bogus.out.empty());
  CHECK(bogus.err ==
        "Error: invalid phase \"Runing\": expected Pending, Scheduled, Running, Failed, "
        "Terminating or Terminated\n");
  auto nodes = RunCaractrl(server, {"get", "nodes", "--phase", "Running"});
  CHECK(nodes.exit_code == 2);
  CHECK(nodes.out.empty());
  CHECK(nodes.err == "Error: --phase is only for projects (nodes have no phase)\n");
}

TEST_CASE("get -w keeps applying the selector to changes", "[cli][selector]") {
  TestServer server("sqlite");
  REQUIRE(RunCaractrl(server, {"apply", "-f", Examples()}).exit_code == 0);
  TempDir dir;
  std::string log = dir.path() + "/watch.log";
  BackgroundProcess watch(
      {BuiltBinary("caractrl"), "get", "projects", "-w", "-l", "!caravanserai.io/preview"},
      CaractrlEnv(server.url()), log);
  auto read_log = [&] { return RunProcess({"/bin/cat", log}).out; };
  auto wait_for = [&](const std::string& name, const std::string& phase) {
    for (int i = 0; i < 100; ++i) {
      if (HasRow(read_log(), name, phase, /*watching=*/true)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };
  REQUIRE(wait_for("web", "Pending"));
  auto patch = [&](const std::string& name) {
    int status = HttpClient(server.url())
                     .Patch("/api/v1/projects/" + name + "/status",
                            R"({"phase":"Running","reason":"ContainersRunning"})")
                     .status;
    return status == 204 ? 0 : status;
  };
  // The preview changes first: by the time web's change shows, it would have too.
  REQUIRE(patch("web-pr-42") == 0);
  REQUIRE(patch("web") == 0);
  CHECK(wait_for("web", "Running"));
  watch.Signal(SIGINT);
  CHECK(watch.Wait() == 0);
  CHECK(read_log().find("web-pr-42") == std::string::npos);
}

}  // namespace cara::testing
