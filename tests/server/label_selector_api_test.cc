// ?labelSelector= on GET /api/v1/nodes and /api/v1/projects: the Kubernetes
// grammar and semantics (api/label_selector.h), on every store backend.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "api_test_util.h"
#include "net/percent_encoding.h"

namespace cara::testing {
namespace {

using Names = std::vector<std::string>;

std::string Escape(const std::string& text) { return net::PercentEncode(text); }

json WithLabels(json body, const json& labels) {
  body["metadata"]["labels"] = labels;
  return body;
}

std::string Selecting(const std::string& collection, const std::string& selector) {
  return collection + "?labelSelector=" + Escape(selector);
}

}  // namespace

TEST_CASE("GET lists filter by labelSelector with Kubernetes semantics", "[list][selector]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      MustCreateProject(api, WithLabels(ProjectBody("web"), {{"tier", "web"}}));
      MustCreateProject(api, WithLabels(ProjectBody("api"), {{"tier", "api"}}));
      MustCreateProject(api,
                        WithLabels(ProjectBody("pr-7"), {{"tier", "web"}, {"preview", "true"}}));
      MustCreateProject(api, ProjectBody("bare"));
      MustCreateNode(api, WithLabels(NodeBody("n1"), {{"zone", "eu"}}));
      MustCreateNode(api, WithLabels(NodeBody("n2"), {{"zone", "us"}}));
      MustCreateNode(api, NodeBody("n3"));

      struct Case {
        std::string selector;
        Names projects;
      };
      const std::vector<Case> cases = {
          {"", {"web", "api", "pr-7", "bare"}},
          {"tier in (web,api)", {"web", "api", "pr-7"}},
          {"tier in (web, db)", {"web", "pr-7"}},
          {"!preview", {"web", "api", "bare"}},
          {"tier notin (web)", {"api", "bare"}},  // also objects without the key
          {"tier!=web", {"api", "bare"}},
          {"tier=web,!preview", {"web"}},
          {"tier==api", {"api"}},
          {"preview", {"pr-7"}},
          {"tier", {"web", "api", "pr-7"}},
      };
      for (const auto& c : cases) {
        INFO(c.selector);
        CHECK(ListNames(api, Selecting(kProjects, c.selector)) == c.projects);
      }
      // ANDed with the phase filter.
      CHECK(ListNames(api, Selecting(kProjects, "tier=web") + "&phase=Pending") ==
            Names{"web", "pr-7"});
      CHECK(ListNames(api, Selecting(kProjects, "tier=web") + "&phase=Running").empty());

      CHECK(ListNames(api, Selecting(kNodes, "zone in (eu)")) == Names{"n1"});
      CHECK(ListNames(api, Selecting(kNodes, "zone notin (eu)")) == Names{"n2", "n3"});
      CHECK(ListNames(api, Selecting(kNodes, "!zone")) == Names{"n3"});
      // The list keeps its envelope and whole items.
      HttpResponse list = api.Get(Selecting(kNodes, "zone=eu"));
      REQUIRE_THAT(list, HasStatus(200));
      CHECK(list.json["kind"] == "NodeList");
      CHECK(list.json["items"][0] == MustGet(api, NodePath("n1")));
    }
  }
}

TEST_CASE("An invalid labelSelector is a 400 naming the parameter and the problem",
          "[list][selector]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      MustCreateProject(api, ProjectBody("web"));
      CHECK_THAT(api.Get(Selecting(kProjects, "a=b=c")),
                 IsProblem(400,
                           "invalid labelSelector \"a=b=c\": unexpected \"=\" at column 4: "
                           "expected \",\" or the end"));
      CHECK_THAT(api.Get(Selecting(kNodes, "tier in (a")),
                 IsProblem(400,
                           "invalid labelSelector \"tier in (a\": unexpected end: "
                           "expected \",\" or \")\""));
      CHECK_THAT(api.Get(Selecting(kProjects, "../x y")),
                 IsProblemStartingWith(400,
                                       "invalid labelSelector \"../x y\": at column 1: "
                                       "key \"../x\" is invalid: "));
      HttpResponse bad = api.Get(Selecting(kProjects, "!"));
      CHECK_THAT(bad, HasStatus(400));
      CHECK_THAT(bad.content_type(), Catch::StartsWith("application/problem+json"));
    }
  }
}

}  // namespace cara::testing
