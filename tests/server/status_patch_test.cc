// PATCH /api/v1/projects/{name}/status with the agent's own conditions
// (Healthy, Restarting) and per-service restart counts, on every backend.
#include <catch2/catch.hpp>

#include "api_test_util.h"

namespace cara::testing {
namespace {

const json kUnhealthy = {{"type", "Healthy"},
                         {"status", "False"},
                         {"reason", "Unhealthy"},
                         {"message", "db: healthcheck failing"}};

json ConditionOf(const json& project, const std::string& type) {
  for (const auto& c : project["status"].value("conditions", json::array())) {
    if (c["type"] == type) return c;
  }
  return nullptr;
}

TEST_CASE("status patch: the agent's conditions are replaced as a set, restart counts kept",
          "[api][status]") {
  for (const std::string& backend : AllBackends()) {
    SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      REQUIRE(api.PostJson(kProjects, ProjectBody("p")).status == 201);
      const std::string status = ProjectPath("p") + "/status";
      REQUIRE_THAT(api.PatchJson(status, {{"phase", "Scheduled"},
                                          {"reason", "Deploying"},
                                          {"conditions", {kUnhealthy}},
                                          {"services", {{{"name", "db"}, {"restartCount", 2}}}}}),
                   HasStatus(204));
      json p = MustGet(api, ProjectPath("p"));
      json healthy = ConditionOf(p, "Healthy");
      CHECK(healthy["status"] == "False");
      CHECK(healthy["message"] == "db: healthcheck failing");
      CHECK(ConditionOf(p, "Phase")["reason"] == "Deploying");
      CHECK(p["status"]["services"] == json({{{"name", "db"}, {"restartCount", 2}}}));

      // Without "conditions" they stay; with an empty list they go. The
      // Phase condition is the server's and stays either way.
      REQUIRE_THAT(api.PatchJson(status, {{"phase", "Scheduled"}}), HasStatus(204));
      CHECK(ConditionOf(MustGet(api, ProjectPath("p")), "Healthy") == healthy);
      REQUIRE_THAT(api.PatchJson(status, {{"phase", "Running"}, {"conditions", json::array()}}),
                   HasStatus(204));
      p = MustGet(api, ProjectPath("p"));
      CHECK(ConditionOf(p, "Healthy").is_null());
      CHECK_FALSE(ConditionOf(p, "Phase").is_null());
      CHECK(p["status"]["services"][0]["restartCount"] == 2);
    }
  }
}

TEST_CASE("status patch: other condition types and bad counts are refused, nothing changes",
          "[api][status]") {
  TestServer server("sqlite");
  HttpClient api(server.url());
  REQUIRE(api.PostJson(kProjects, ProjectBody("p")).status == 201);
  const std::string status = ProjectPath("p") + "/status";
  json before = MustGet(api, ProjectPath("p"));
  CHECK_THAT(api.PatchJson(status, {{"phase", "Running"},
                                    {"conditions", {{{"type", "Phase"}, {"status", "True"}}}}}),
             IsProblemStartingWith(400, "invalid request body: /conditions/0/type"));
  CHECK_THAT(api.PatchJson(status, {{"phase", "Running"},
                                    {"conditions", {{{"type", "Healthy"}, {"status", "Maybe"}}}}}),
             IsProblemStartingWith(400, "invalid request body: /conditions/0/status"));
  CHECK_THAT(api.PatchJson(status, {{"phase", "Running"},
                                    {"services", {{{"name", "web"}, {"restartCount", -1}}}}}),
             IsProblemStartingWith(400, "invalid request body: /services/0/restartCount"));
  CHECK_THAT(api.PatchJson(status, {{"phase", "Running"}, {"services", "web"}}),
             IsProblemStartingWith(400, "invalid request body: /services: expected an array"));
  CHECK(MustGet(api, ProjectPath("p"))["status"] == before["status"]);
}

}  // namespace
}  // namespace cara::testing
