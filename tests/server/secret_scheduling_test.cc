// A project that references a Secret which does not exist yet, through the
// real server and its controllers: it waits Pending (SecretNotFound, with
// the message naming what is missing) and is placed once the Secret, and
// the key in it, exist.
#include <catch2/catch.hpp>

#include <string>

#include "api_test_util.h"
#include "support/eventually.h"

namespace cara::testing {
namespace {

json ProjectUsingSecret() {
  json env =
      json::array({{{"name", "DB_PASSWORD"},
                    {"valueFrom", {{"secretKeyRef", {{"name", "db"}, {"key", "password"}}}}}}});
  return {
      {"metadata", {{"name", "app"}}},
      {"spec", {{"services", json::array({{{"name", "web"}, {"image", "nginx"}, {"env", env}}})}}}};
}

std::string PhaseCondition(HttpClient& api, const std::string& field) {
  auto p = api.Get("/api/v1/projects/app");
  for (const auto& c : p.json["status"].value("conditions", json::array())) {
    if (c["type"] == "Phase") return c.value(field, "");
  }
  return "";
}

TEST_CASE("A project waits Pending (SecretNotFound) until its Secret and key exist",
          "[secrets][scheduler]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestControllers controllers;
      controllers.config.heartbeat_timeout = std::chrono::minutes(5);  // one heartbeat will do
      TestServer server(backend, {}, &controllers);
      HttpClient api(server.url());
      REQUIRE_THAT(api.PostJson("/api/v1/nodes", {{"metadata", {{"name", "n1"}}}}), HasStatus(201));
      REQUIRE_THAT(api.PostJson(HeartbeatPath("n1"), {{"state", "Ready"}}), HasStatus(204));
      REQUIRE_THAT(api.PostJson("/api/v1/projects", ProjectUsingSecret()), HasStatus(201));

      CHECK(Eventually([&] { return PhaseCondition(api, "reason") == "SecretNotFound"; }));
      CHECK(PhaseCondition(api, "message") == "secret \"db\" not found");
      CHECK(api.Get("/api/v1/projects/app").json["status"]["phase"] == "Pending");

      json secret = {{"metadata", {{"name", "db"}}}, {"stringData", {{"user", "app"}}}};
      REQUIRE_THAT(api.PostJson("/api/v1/secrets", secret), HasStatus(201));
      CHECK(Eventually([&] {
        return PhaseCondition(api, "message") == "secret \"db\" has no key \"password\"";
      }));

      secret["stringData"]["password"] = "s3cret";
      REQUIRE_THAT(api.PutJson("/api/v1/secrets/db", secret), HasStatus(200));
      CHECK(Eventually([&] {
        auto p = api.Get("/api/v1/projects/app");
        return p.json["status"].value("phase", "") == "Scheduled" &&
               p.json["status"].value("nodeRef", "") == "n1";
      }));
      CHECK(PhaseCondition(api, "reason").empty());
    }
  }
}

}  // namespace
}  // namespace cara::testing
