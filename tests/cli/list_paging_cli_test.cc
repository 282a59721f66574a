// caractrl reads lists page by page (issue 11, item 10): `get` and the live
// state of apply/diff/sync see every object of lists longer than a page,
// and ask for them in pages, as the server's metrics show.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <regex>

#include "support/caractrl.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

constexpr int kProjects = 1203;  // over two pages of 500, and over the server's largest page

ProcessResult Caractrl(const TestServer& server, std::vector<std::string> args,
                       const std::string& stdin_text = "") {
  args.insert(args.begin(), BuiltBinary("caractrl"));
  return RunProcess(args, CaractrlEnv(server.url()), stdin_text);
}

std::string NameFor(int i) { return "p-" + std::to_string(99999 - i); }

void CreateProjects(TestServer& server) {
  for (int i = 0; i < kProjects; ++i) {
    api::Project p;
    p.metadata.name = NameFor(i);
    p.spec.services.push_back({});
    p.spec.services.back().name = "web";
    p.spec.services.back().image = "cara/busybox:test";
    p.status.phase = i % 2 ? "Pending" : "Running";
    REQUIRE(server.store().CreateProject(std::move(p)).ok());
  }
}

// GET /api/v1/projects requests the server has answered with 200 so far.
int ProjectListRequests(const TestServer& server) {
  HttpClient api(server.url());
  HttpResponse r = api.Get("/metrics");
  REQUIRE_THAT(r, HasStatus(200));
  std::smatch m;
  static const std::regex line(
      R"re(cara_http_requests_total\{method="GET",route="/api/v1/projects",code="200"\} (\d+))re");
  return std::regex_search(r.body, m, line) ? std::stoi(m[1]) : 0;
}

TEST_CASE("get pages through long lists and shows every object once, in order", "[cli][paging]") {
  TestServer server("sqlite");
  CreateProjects(server);

  auto get = Caractrl(server, {"get", "projects", "-o", "json"});
  INFO(get.err);
  REQUIRE(get.exit_code == 0);
  auto list = nlohmann::json::parse(get.out);
  CHECK(list["kind"] == "ProjectList");
  CHECK_FALSE(list.contains("metadata"));
  REQUIRE(list["items"].size() == kProjects);
  for (int i = 0; i < kProjects; ++i) CHECK(list["items"][i]["metadata"]["name"] == NameFor(i));
  CHECK(ProjectListRequests(server) == 3);

  auto running = Caractrl(server, {"get", "projects", "--phase", "Running", "-o", "json"});
  REQUIRE(running.exit_code == 0);
  CHECK(nlohmann::json::parse(running.out)["items"].size() == (kProjects + 1) / 2);
  CHECK(ProjectListRequests(server) == 3 + 2);

  auto table = Caractrl(server, {"get", "projects"});
  REQUIRE(table.exit_code == 0);
  CHECK(std::count(table.out.begin(), table.out.end(), '\n') == kProjects + 1);
}

TEST_CASE("apply reads the live state page by page", "[cli][paging]") {
  TestServer server("sqlite");
  CreateProjects(server);
  auto apply = Caractrl(
      server, {"apply", "-f", "-"},
      "apiVersion: caravanserai/v1\nkind: Project\nmetadata:\n  name: " + NameFor(kProjects - 1) +
          "\nspec:\n  services:\n    - name: web\n      image: "
          "cara/busybox:test\n");
  INFO(apply.err);
  REQUIRE(apply.exit_code == 0);
  // The last project of the list was found (unchanged), not created again.
  CHECK(apply.out == "project/" + NameFor(kProjects - 1) + " unchanged\n");
  CHECK(ProjectListRequests(server) == 3);
}

}  // namespace
}  // namespace cara::testing
