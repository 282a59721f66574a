// The workload fields on the API (schemas/project.json and
// api/workload_rules.h), table-driven: each bad body gets a 400 problem
// whose errors carry the offending JSON pointer, and nothing is stored; a
// body using every field is stored as sent. Every test runs on every store
// backend.
#include <functional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "api_test_util.h"

namespace cara::testing {
namespace {

// web (port 80 published on 8080, depends on db) and db (healthcheck):
// valid, using every workload field.
json WorkloadBody(const std::string& name) {
  json body = ProjectBody(name);
  body["spec"] = {
      {"nodeSelector", {{"zone", "eu-1"}}},
      {"services",
       json::array(
           {{{"name", "web"},
             {"image", "nginx"},
             {"ports", json::array({{{"containerPort", 80}, {"hostPort", 8080}},
                                    {{"containerPort", 53}, {"protocol", "udp"}}})},
             {"restartPolicy", "OnFailure"},
             {"dependsOn", json::array({{{"service", "db"}, {"condition", "Healthy"}}})},
             {"resources", {{"limits", {{"cpu", "500m"}, {"memory", "256Mi"}}}}}},
            {{"name", "db"},
             {"image", "postgres"},
             {"healthcheck",
              {{"command", json::array({"pg_isready"})}, {"interval", "5s"}, {"retries", 3}}},
             {"volumeMounts", json::array({{{"name", "data"}, {"mountPath", "/data"}}})}}})},
      {"volumes", json::array({{{"name", "data"}, {"type", "Persistent"}}})}};
  return body;
}

struct BadCase {
  const char* what;
  std::function<void(json&)> edit;
  std::string pointer;
  std::string detail;  // part of that error's detail
};

const std::vector<BadCase>& BadCases() {
  static const std::vector<BadCase> cases = {
      {"containerPort 0", [](json& s) { s["services"][0]["ports"][0]["containerPort"] = 0; },
       "/spec/services/0/ports/0/containerPort", ""},
      {"hostPort above 65535", [](json& s) { s["services"][0]["ports"][0]["hostPort"] = 65536; },
       "/spec/services/0/ports/0/hostPort", ""},
      {"a port without containerPort",
       [](json& s) { s["services"][0]["ports"][0].erase("containerPort"); },
       "/spec/services/0/ports/0", "containerPort"},
      {"protocol sctp", [](json& s) { s["services"][0]["ports"][0]["protocol"] = "sctp"; },
       "/spec/services/0/ports/0/protocol", ""},
      {"hostIP not an address", [](json& s) { s["services"][0]["ports"][0]["hostIP"] = "eth0"; },
       "/spec/services/0/ports/0/hostIP", "must be an IPv4 or IPv6 address"},
      {"two ports publishing 8080/tcp",
       [](json& s) {
         s["services"][1]["ports"] = json::array({{{"containerPort", 5432}, {"hostPort", 8080}}});
       },
       "/spec/services/1/ports/0/hostPort",
       "host port 8080:5432/tcp is already published by service web"},
      {"the same container port twice",
       [](json& s) {
         s["services"][0]["ports"][1] = {{"containerPort", 80}};
       },
       "/spec/services/0/ports/1/containerPort", "duplicate container port 80/tcp"},
      {"an unknown restartPolicy", [](json& s) { s["services"][0]["restartPolicy"] = "Sometimes"; },
       "/spec/services/0/restartPolicy", ""},
      {"a healthcheck without command",
       [](json& s) { s["services"][1]["healthcheck"].erase("command"); },
       "/spec/services/1/healthcheck", "command"},
      {"an empty healthcheck command",
       [](json& s) { s["services"][1]["healthcheck"]["command"] = json::array(); },
       "/spec/services/1/healthcheck/command", ""},
      {"an interval without unit",
       [](json& s) { s["services"][1]["healthcheck"]["interval"] = "5"; },
       "/spec/services/1/healthcheck/interval", "must be a duration"},
      {"a zero timeout", [](json& s) { s["services"][1]["healthcheck"]["timeout"] = "0s"; },
       "/spec/services/1/healthcheck/timeout", "must be greater than 0"},
      {"negative retries", [](json& s) { s["services"][1]["healthcheck"]["retries"] = -1; },
       "/spec/services/1/healthcheck/retries", "must not be negative"},
      {"a dependency on a missing service",
       [](json& s) { s["services"][0]["dependsOn"][0]["service"] = "cache"; },
       "/spec/services/0/dependsOn/0/service", "dependency \"cache\" does not exist"},
      {"an unknown dependency condition",
       [](json& s) { s["services"][0]["dependsOn"][0]["condition"] = "Ready"; },
       "/spec/services/0/dependsOn/0/condition", ""},
      {"Healthy on a service without healthcheck",
       [](json& s) { s["services"][1].erase("healthcheck"); },
       "/spec/services/0/dependsOn/0/condition", "needs service db to have a healthcheck"},
      {"a dependency cycle",
       [](json& s) {
         s["services"][1]["dependsOn"] = json::array({{{"service", "web"}}});
       },
       "/spec/services/1/dependsOn/0/service", "dependency cycle: web -> db -> web"},
      {"a zero memory limit",
       [](json& s) { s["services"][0]["resources"]["limits"]["memory"] = "0"; },
       "/spec/services/0/resources/limits/memory", "must be greater than 0"},
      {"a cpu limit that is no quantity",
       [](json& s) { s["services"][0]["resources"]["limits"]["cpu"] = "half"; },
       "/spec/services/0/resources/limits/cpu", ""},
      {"a nodeSelector value with a blank", [](json& s) { s["nodeSelector"]["zone"] = "eu 1"; },
       "/spec/nodeSelector/zone", "nodeSelector value \"eu 1\" is invalid"},
      {"an unknown volume type", [](json& s) { s["volumes"][0]["type"] = "Temporary"; },
       "/spec/volumes/0/type", ""},
  };
  return cases;
}

bool HasError(const HttpResponse& r, const std::string& pointer, const std::string& detail) {
  if (!r.has_json || !r.json.contains("errors")) return false;
  for (const auto& e : r.json["errors"]) {
    if (e.value("pointer", "") != pointer) continue;
    if (e.value("detail", "").find(detail) != std::string::npos) return true;
  }
  return false;
}

TEST_CASE("Project workload fields: each bad value is refused at its pointer, nothing stored",
          "[rules][workload]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      json stored = MustCreateProject(api, WorkloadBody("kept"));
      for (const BadCase& c : BadCases()) {
        INFO(c.what);
        json body = WorkloadBody("p");
        c.edit(body["spec"]);
        HttpResponse created = api.PostJson(kProjects, body);
        CHECK(created.status == 400);
        CHECK(HasError(created, c.pointer, c.detail));
        body["metadata"]["name"] = "kept";
        HttpResponse replaced = api.PutJson(ProjectPath("kept"), body);
        CHECK(replaced.status == 400);
        CHECK(HasError(replaced, c.pointer, c.detail));
      }
      CHECK(ListNames(api, kProjects) == std::vector<std::string>{"kept"});
      CHECK(MustGet(api, ProjectPath("kept")) == stored);
    }
  }
}

TEST_CASE("Project workload fields are stored and returned as sent", "[rules][workload]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      json body = WorkloadBody("shop");
      json stored = MustCreateProject(api, body);
      json got = MustGet(api, ProjectPath("shop"));
      // The decoder fills in the default protocol; everything else is as sent.
      body["spec"]["services"][0]["ports"][0]["protocol"] = "tcp";
      CHECK(got["spec"] == body["spec"]);
      CHECK(got == stored);
    }
  }
}

}  // namespace
}  // namespace cara::testing
