// Paged and streamed lists (issue 11, item 10): `?limit=N&continue=TOKEN`
// with Kubernetes semantics, in creation order, on both stores; lists larger
// than one store batch are streamed.
#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "api_test_util.h"
#include "server/list_response.h"
#include "support/raw_connection.h"

namespace cara::testing {
namespace {

// Names that sort against creation order, so order by name would show.
std::string NameFor(int i) { return "p-" + std::to_string(9999 - i); }

void CreateProjects(TestServer& server, int from, int to) {
  for (int i = from; i < to; ++i) {
    api::Project p;
    p.metadata.name = NameFor(i);
    p.spec.services.push_back({});
    p.spec.services.back().name = "web";
    p.spec.services.back().image = "nginx";
    p.status.phase = i % 3 == 0 ? "Running" : "Pending";
    REQUIRE(server.store().CreateProject(std::move(p)).ok());
  }
}

std::string ContinueOf(const HttpResponse& r) {
  if (!r.json.contains("metadata")) return "";
  return r.json["metadata"].value("continue", "");
}

std::string WithParam(const std::string& path, const std::string& param) {
  return path + (path.find('?') == std::string::npos ? "?" : "&") + param;
}

// Follows continue tokens from `path` with `limit`; every page's names.
std::vector<std::vector<std::string>> Pages(HttpClient& api, const std::string& path, int limit,
                                            const std::function<void()>& between = nullptr) {
  std::vector<std::vector<std::string>> pages;
  std::string token;
  do {
    std::string url = WithParam(path, "limit=" + std::to_string(limit));
    if (!token.empty()) url += "&continue=" + token;
    HttpResponse r = api.Get(url);
    REQUIRE_THAT(r, HasStatus(200));
    pages.push_back(ItemNames(r));
    token = ContinueOf(r);
    if (between) between();
  } while (!token.empty());
  return pages;
}

std::vector<std::string> Flatten(const std::vector<std::vector<std::string>>& pages) {
  std::vector<std::string> all;
  for (const auto& p : pages) all.insert(all.end(), p.begin(), p.end());
  return all;
}

TEST_CASE("Lists page with limit and continue, in creation order", "[paging]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      CreateProjects(server, 0, 25);
      const std::vector<std::string> all = ListNames(api, kProjects);
      REQUIRE(all.size() == 25);
      CHECK(all.front() == NameFor(0));
      CHECK(all.back() == NameFor(24));

      auto pages = Pages(api, kProjects, 7);
      REQUIRE(pages.size() == 4);
      CHECK(pages[0].size() == 7);
      CHECK(pages[3].size() == 4);
      CHECK(Flatten(pages) == all);

      // The page format: metadata.continue only while more follow, and the
      // list's resourceVersion always.
      HttpResponse first = api.Get(kProjects + "?limit=25");
      CHECK(first.json["kind"] == "ProjectList");
      CHECK_FALSE(first.json["metadata"].contains("continue"));
      CHECK(first.json["metadata"]["resourceVersion"].is_string());
      HttpResponse partial = api.Get(kProjects + "?limit=1");
      CHECK(partial.json["kind"] == "ProjectList");
      CHECK_FALSE(ContinueOf(partial).empty());
      // limit=0 means no limit, as in Kubernetes.
      CHECK(ListNames(api, kProjects + "?limit=0") == all);
      // A filter applies before paging.
      std::vector<std::string> running = ListNames(api, kProjects + "?phase=Running");
      CHECK(running.size() == 9);
      CHECK(Flatten(Pages(api, kProjects + "?phase=Running", 2)) == running);

      // Nodes page the same way.
      for (int i = 0; i < 5; ++i) MustCreateNode(api, NodeBody("n" + std::to_string(i)));
      CHECK(Flatten(Pages(api, kNodes, 2)) == ListNames(api, kNodes));
    }
  }
}

TEST_CASE("Paging returns every object exactly once while objects are created", "[paging]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      CreateProjects(server, 0, 40);
      const std::vector<std::string> before = ListNames(api, kProjects);

      std::atomic<bool> stop{false};
      std::atomic<int> created{40};
      std::thread writer([&] {
        HttpClient client(server.url());
        while (!stop && created < 400) {
          client.PostJson(kProjects, ProjectBody(NameFor(created++)));
        }
      });
      auto pages = Pages(api, kProjects, 6);
      stop = true;
      writer.join();
      CHECK(pages.size() >= 7);  // 40 objects at the start, 6 a page

      std::vector<std::string> seen = Flatten(pages);
      std::map<std::string, int> count;
      for (const auto& n : seen) count[n]++;
      for (const auto& [name, n] : count) {
        INFO(name);
        CHECK(n == 1);
      }
      for (const auto& name : before) {
        INFO(name);
        CHECK(count.count(name) == 1);
      }
      // Still creation order: a prefix of the full list as it is now.
      std::vector<std::string> now = ListNames(api, kProjects);
      REQUIRE(seen.size() <= now.size());
      CHECK(std::equal(seen.begin(), seen.end(), now.begin()));
    }
  }
}

TEST_CASE("A bad limit or continue token is a 400 problem", "[paging]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      CreateProjects(server, 0, 3);
      MustCreateNode(api, NodeBody("n1"));
      MustCreateNode(api, NodeBody("n2"));

      CHECK_THAT(api.Get(kProjects + "?limit=1&continue=bogus!"),
                 IsProblemStartingWith(400, "invalid continue token"));
      CHECK_THAT(api.Get(kProjects + "?continue=dGhpcyBpcyBub3Q"),
                 IsProblemStartingWith(400, "invalid continue token"));
      CHECK_THAT(api.Get(kProjects + "?limit=abc"),
                 IsProblem(400, "invalid limit \"abc\": must be a non-negative integer"));
      CHECK_THAT(api.Get(kProjects + "?limit=-1"), HasStatus(400));
      // A node list's token is not a project list's.
      std::string node_token = ContinueOf(api.Get(kNodes + "?limit=1"));
      REQUIRE_FALSE(node_token.empty());
      CHECK_THAT(api.Get(kProjects + "?limit=1&continue=" + node_token),
                 IsProblemStartingWith(400, "invalid continue token"));
      CHECK(ListNames(api, kNodes + "?continue=" + node_token) == std::vector<std::string>{"n2"});
    }
  }
}

TEST_CASE("A list larger than one store batch is streamed whole", "[paging][stream]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      const int n = static_cast<int>(server::kListBatchSize) * 2 + 17;
      CreateProjects(server, 0, n);
      RawConnection conn(server.url());
      conn.Send("GET /api/v1/projects HTTP/1.1\r\nHost: localhost\r\n" + BearerLine(server) +
                "\r\n");
      HttpResponse r = conn.ReadResponse();
      REQUIRE_THAT(r, HasStatus(200));
      CHECK(r.header("Transfer-Encoding") == "chunked");
      CHECK_THAT(r.content_type(), Catch::StartsWith("application/json"));
      std::vector<std::string> names = ItemNames(r);
      REQUIRE(names.size() == static_cast<size_t>(n));
      for (int i = 0; i < n; ++i) CHECK(names[i] == NameFor(i));
      CHECK(
          r.body.rfind("{\"apiVersion\":\"caravanserai/v1\",\"kind\":\"ProjectList\",\"metadata\":"
                       "{\"resourceVersion\":\"",
                       0) == 0);
      // A page is a plain body, and a small list too.
      conn.Send("GET /api/v1/projects?limit=3 HTTP/1.1\r\nHost: localhost\r\n" +
                BearerLine(server) + "\r\n");
      HttpResponse page = conn.ReadResponse();
      CHECK_FALSE(page.header("Content-Length").empty());
      CHECK(ItemNames(page).size() == 3);
      conn.Send("GET /api/v1/nodes HTTP/1.1\r\nHost: localhost\r\n" + BearerLine(server) + "\r\n");
      HttpResponse empty = conn.ReadResponse();
      CHECK(empty.header("Content-Length") == std::to_string(empty.body.size()));
      CHECK(empty.json["items"].empty());
    }
  }
}

}  // namespace
}  // namespace cara::testing
