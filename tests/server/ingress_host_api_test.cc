// An ingress host belongs to one Project: a create or PUT that claims a host
// another Project routes gets 409 naming it, and changes nothing. Every test
// runs on every store backend.
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "api_test_util.h"

namespace cara::testing {
namespace {

json ProjectWithHost(const std::string& name, const std::string& host) {
  json body = ProjectBody(name);
  body["spec"]["ingress"] = json::array(
      {{{"name", "http"}, {"host", host}, {"target", {{"service", "web"}, {"port", 80}}}}});
  return body;
}

std::string Taken(const std::string& host, const std::string& holder) {
  return "ingress host \"" + host + "\" is already used by project \"" + holder + "\"";
}

TEST_CASE("A host another project routes is refused with 409 naming it", "[ingress][project]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      MustCreateProject(api, ProjectWithHost("shop", "shop.example.com"));
      CHECK_THAT(api.PostJson(kProjects, ProjectWithHost("takeover", "SHOP.example.com")),
                 IsProblem(409, Taken("shop.example.com", "shop")));
      CHECK_THAT(api.Get(ProjectPath("takeover")), HasStatus(404));

      json other = MustCreateProject(api, ProjectWithHost("other", "other.example.com"));
      CHECK_THAT(api.PutJson(ProjectPath("other"), ProjectWithHost("other", "shop.example.com")),
                 IsProblem(409, Taken("shop.example.com", "shop")));
      CHECK(MustGet(api, ProjectPath("other")) == other);

      // Once the owner is gone, the host is free.
      CHECK_THAT(api.Delete(ProjectPath("shop")), HasStatus(204));
      CHECK_THAT(api.PutJson(ProjectPath("other"), ProjectWithHost("other", "shop.example.com")),
                 HasStatus(200));
    }
  }
}

TEST_CASE("Concurrent creates claiming one host: exactly one wins", "[ingress][concurrency]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      constexpr int kClients = 12;
      std::vector<HttpResponse> results(kClients);
      std::latch start(kClients);
      std::vector<std::thread> threads;
      for (int i = 0; i < kClients; ++i) {
        threads.emplace_back([&, i] {
          HttpClient client(server.url(), /*keep_alive=*/false);
          json body = ProjectWithHost("p" + std::to_string(i), "one.example.com");
          start.arrive_and_wait();
          results[i] = client.PostJson(kProjects, body);
        });
      }
      for (auto& t : threads) t.join();

      HttpClient api(server.url());
      std::vector<std::string> names = ListNames(api, kProjects);
      REQUIRE(names.size() == 1);
      for (int i = 0; i < kClients; ++i) {
        if ("p" + std::to_string(i) == names[0]) {
          CHECK_THAT(results[i], HasStatus(201));
        } else {
          CHECK_THAT(results[i], IsProblem(409, Taken("one.example.com", names[0])));
        }
      }
    }
  }
}

}  // namespace
}  // namespace cara::testing
