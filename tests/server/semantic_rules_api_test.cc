// The semantic rules on the API (api/semantic_rules.h): a body that breaks
// them gets one 400 problem listing every violation with its JSON pointer,
// and nothing is stored. Every test runs on every store backend.
#include <cstdint>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "api_test_util.h"

namespace cara::testing {
namespace {

// The pointers of a problem's `errors`, which must all be well formed.
std::set<std::string> ErrorPointers(const HttpResponse& r) {
  REQUIRE(r.has_json);
  REQUIRE(r.json.contains("errors"));
  std::set<std::string> pointers;
  for (const auto& e : r.json["errors"]) {
    REQUIRE(e.contains("pointer"));
    REQUIRE(e.contains("detail"));
    CHECK_FALSE(e["detail"].get<std::string>().empty());
    pointers.insert(e["pointer"].get<std::string>());
  }
  return pointers;
}

// Everything the README says is rejected, in one body.
json EveryViolation(const std::string& name) {
  json body = ProjectBody(name);
  body["metadata"]["labels"] = {{"../x y", "web"}};
  body["spec"] = {
      {"services",
       json::array({{{"name", "web"},
                     {"image", "nginx"},
                     {"env", json::array({{{"name", "MODE"}}, {{"name", "MODE"}}})},
                     {"volumeMounts", json::array({{{"name", "undeclared"}, {"mountPath", "/x"}},
                                                   {{"name", "data"}, {"mountPath", "rel"}}})}},
                    {{"name", "web"}, {"image", "nginx:2"}}})},
      {"volumes", json::array({{{"name", "data"}, {"type", "Ephemeral"}}})},
      {"ingress",
       json::array({{{"name", "http"}, {"target", {{"service", "web"}, {"port", 99999}}}}})},
      {"resources", {{"cpu", "99999999999999999999"}}}};
  return body;
}

const std::set<std::string> kEveryPointer = {"/metadata/labels/..~1x y",
                                             "/spec/services/0/env/1/name",
                                             "/spec/services/0/volumeMounts/0/name",
                                             "/spec/services/0/volumeMounts/1/mountPath",
                                             "/spec/services/1/name",
                                             "/spec/ingress/0/target/port",
                                             "/spec/resources/cpu"};

TEST_CASE("POST /api/v1/projects lists every semantic violation and stores nothing",
          "[rules][project]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      HttpResponse r = api.PostJson(kProjects, EveryViolation("p"));
      CHECK_THAT(r, IsProblemStartingWith(400, "invalid request body: "));
      CHECK(ErrorPointers(r) == kEveryPointer);
      CHECK_THAT(r, IsProblemContaining(400, "/spec/services/1/name: duplicate service name: web"));
      CHECK_THAT(r, IsProblemContaining(400, "quantity \"99999999999999999999\" is out of range"));
      CHECK(ListNames(api, kProjects).empty());
    }
  }
}

TEST_CASE("PUT /api/v1/projects/{name} applies the same rules and changes nothing",
          "[rules][project]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      json original = MustCreateProject(api, ProjectBody("p"));
      HttpResponse r = api.PutJson(ProjectPath("p"), EveryViolation("p"));
      CHECK_THAT(r, IsProblemStartingWith(400, "invalid request body: "));
      CHECK(ErrorPointers(r) == kEveryPointer);
      CHECK(MustGet(api, ProjectPath("p")) == original);
    }
  }
}

TEST_CASE("A reference check keeps its exact detail and the new rules join its errors",
          "[rules][project]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      json body = EveryViolation("p");
      body["spec"]["services"][1]["image"] = "";
      HttpResponse r = api.PostJson(kProjects, body);
      CHECK_THAT(r, IsProblem(400, "service web: image is required"));
      std::set<std::string> pointers = kEveryPointer;
      pointers.insert("/spec/services/1/image");
      CHECK(ErrorPointers(r) == pointers);
      CHECK(ListNames(api, kProjects).empty());
    }
  }
}

TEST_CASE("An ingress port of 2^63 is out of range, not wrapped to a negative",
          "[rules][project]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      json body = ProjectBody("p");
      body["spec"]["ingress"] = json::array(
          {{{"name", "http"}, {"target", {{"service", "web"}, {"port", uint64_t{1} << 63}}}}});
      HttpResponse r = api.PostJson(kProjects, body);
      CHECK_THAT(r, IsSchemaProblem("/spec/ingress/0/target/port"));
      CHECK_THAT(r, !IsProblemContaining(400, "greater than 0"));
      body["spec"]["ingress"][0]["target"]["port"] = 65535;
      CHECK_THAT(api.PostJson(kProjects, body), HasStatus(201));
    }
  }
}

TEST_CASE("Label syntax and metadata limits apply to nodes and projects", "[rules][limits]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      json node = NodeBody("n1");
      node["metadata"]["labels"] = {{"zone", "eu west"}, {"ok", "yes"}};
      node["metadata"]["annotations"] = {{"bad key", "any value"}};
      HttpResponse r = api.PostJson(kNodes, node);
      CHECK_THAT(r, IsProblemStartingWith(400, "invalid request body: "));
      CHECK(ErrorPointers(r) ==
            std::set<std::string>{"/metadata/labels/zone", "/metadata/annotations/bad key"});
      CHECK(ListNames(api, kNodes).empty());

      MustCreateNode(api, NodeBody("n1"));
      json many = NodeBody("n1");
      for (int i = 0; i < 257; ++i) many["metadata"]["labels"]["k" + std::to_string(i)] = "v";
      CHECK_THAT(api.PutJson(NodePath("n1"), many), IsSchemaProblem("/metadata/labels"));
      CHECK(At(MustGet(api, NodePath("n1")), "/metadata/labels").is_null());

      json big = ProjectBody("p");
      for (int i = 0; i < 5; ++i) {
        big["metadata"]["annotations"]["a" + std::to_string(i)] = std::string(60 * 1024, 'x');
      }
      CHECK_THAT(api.PostJson(kProjects, big), IsSchemaProblem("/metadata"));
      CHECK(ListNames(api, kProjects).empty());
    }
  }
}

}  // namespace
}  // namespace cara::testing
