// The workload rules (api/workload_rules.h), table-driven like the other
// semantic rules: each case is a project and every {pointer, message} it
// must produce, in order.
#include "api/workload_rules.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "api/rule_cases.h"

namespace cara::api {
namespace {

json Port(int64_t container, int64_t host = 0, const std::string& protocol = "",
          const std::string& host_ip = "") {
  json p = {{"containerPort", container}};
  if (host) p["hostPort"] = host;
  if (!protocol.empty()) p["protocol"] = protocol;
  if (!host_ip.empty()) p["hostIP"] = host_ip;
  return p;
}

json Healthcheck() { return {{"command", json::array({"true"})}, {"interval", "5s"}}; }

json DependsOn(const std::string& service, const std::string& condition = "") {
  json d = {{"service", service}};
  if (!condition.empty()) d["condition"] = condition;
  return d;
}

// web + db, db with a healthcheck; `edit` adds the case's fields.
void TwoServices(json& d) {
  d["spec"]["services"].push_back(Service("db", {{"healthcheck", Healthcheck()}}));
}

TEST_CASE("workload rules: each finds its violation at its pointer", "[rules][workload]") {
  const std::vector<Case> cases = {
      {"every new field, valid",
       [](json& d) {
         TwoServices(d);
         d["spec"]["nodeSelector"] = {{"zone", "eu-1"}, {"caravanserai.io/disk", "ssd"}};
         json& web = d["spec"]["services"][0];
         web["ports"] =
             json::array({Port(80, 8080), Port(53, 8053, "udp"), Port(9000),
                          Port(81, 8081, "tcp", "127.0.0.1"), Port(82, 8082, "", "::1")});
         web["restartPolicy"] = "OnFailure";
         web["dependsOn"] = json::array({DependsOn("db", "Healthy")});
         web["resources"] = {{"limits", {{"cpu", "500m"}, {"memory", "256Mi"}}}};
         d["spec"]["services"][1]["healthcheck"] = {{"command", json::array({"true"})},
                                                    {"interval", "1m30s"},
                                                    {"timeout", "500ms"},
                                                    {"retries", 0},
                                                    {"startPeriod", "2s"}};
       },
       {}},
      {"a hostIP that is not an address",
       [](json& d) {
         d["spec"]["services"][0]["ports"] = json::array({Port(80, 8080, "", "localhost")});
       },
       {{"/spec/services/0/ports/0/hostIP",
         "service web: hostIP \"localhost\" must be an IPv4 or IPv6 address"}}},
      {"the same container port and protocol twice in a service; udp is another port",
       [](json& d) {
         d["spec"]["services"][0]["ports"] =
             json::array({Port(80), Port(80, 0, "udp"), Port(80, 8080, "tcp")});
       },
       {{"/spec/services/0/ports/2/containerPort",
         "service web: duplicate container port 80/tcp"}}},
      {"two services publishing the same host port",
       [](json& d) {
         TwoServices(d);
         d["spec"]["services"][0]["ports"] = json::array({Port(80, 8080)});
         d["spec"]["services"][1]["ports"] = json::array({Port(5432, 8080, "tcp")});
       },
       {{"/spec/services/1/ports/0/hostPort",
         "service db: host port 8080:5432/tcp is already published by service web "
         "(8080:80/tcp)"}}},
      {"every address clashes with one address; two addresses or protocols do not",
       [](json& d) {
         d["spec"]["services"][0]["ports"] =
             json::array({Port(80, 8080, "", "127.0.0.1"), Port(81, 8080, "", "10.0.0.1"),
                          Port(82, 8080, "udp"), Port(83, 8080, "", "0.0.0.0")});
       },
       {{"/spec/services/0/ports/3/hostPort",
         "service web: host port 0.0.0.0:8080:83/tcp is already published by service web "
         "(127.0.0.1:8080:80/tcp)"}}},
      {"healthcheck durations that do not parse or are not positive",
       [](json& d) {
         d["spec"]["services"][0]["healthcheck"] = {{"command", json::array({"true"})},
                                                    {"interval", "10"},
                                                    {"timeout", "0s"},
                                                    {"startPeriod", "-1s"}};
       },
       {{"/spec/services/0/healthcheck/interval",
         "service web: healthcheck interval \"10\" must be a duration such as \"10s\" or "
         "\"1m30s\""},
        {"/spec/services/0/healthcheck/timeout",
         "service web: healthcheck timeout \"0s\" must be greater than 0"},
        {"/spec/services/0/healthcheck/startPeriod",
         "service web: healthcheck startPeriod \"-1s\" must be greater than 0"}}},
      {"negative retries",
       [](json& d) {
         d["spec"]["services"][0]["healthcheck"] = {{"command", json::array({"true"})},
                                                    {"retries", -1}};
       },
       {{"/spec/services/0/healthcheck/retries",
         "service web: healthcheck retries must not be negative"}}},
      {"limits that do not parse or are not positive",
       [](json& d) {
         d["spec"]["services"][0]["resources"] = {{"limits", {{"cpu", "0"}, {"memory", "lots"}}}};
       },
       {{"/spec/services/0/resources/limits/cpu",
         "service web: cpu limit \"0\" must be greater than 0"},
        {"/spec/services/0/resources/limits/memory",
         "service web: memory limit: invalid quantity \"lots\""}}},
      {"a dependency on a missing service, on itself, and Healthy without a healthcheck",
       [](json& d) {
         d["spec"]["services"].push_back(Service("cache"));
         d["spec"]["services"][0]["dependsOn"] =
             json::array({DependsOn("queue"), DependsOn("web"), DependsOn("cache", "Healthy")});
       },
       {{"/spec/services/0/dependsOn/0/service",
         "service web: dependency \"queue\" does not exist in spec.services"},
        {"/spec/services/0/dependsOn/1/service", "service web: must not depend on itself"},
        {"/spec/services/0/dependsOn/2/condition",
         "service web: condition Healthy needs service cache to have a healthcheck"}}},
      {"a two-service cycle",
       [](json& d) {
         TwoServices(d);
         d["spec"]["services"][0]["dependsOn"] = json::array({DependsOn("db")});
         d["spec"]["services"][1]["dependsOn"] = json::array({DependsOn("web")});
       },
       {{"/spec/services/1/dependsOn/0/service", "dependency cycle: web -> db -> web"}}},
      {"a three-service cycle reached from outside it",
       [](json& d) {
         d["spec"]["services"] =
             json::array({Service("app", {{"dependsOn", json::array({DependsOn("a")})}}),
                          Service("a", {{"dependsOn", json::array({DependsOn("b")})}}),
                          Service("b", {{"dependsOn", json::array({DependsOn("c")})}}),
                          Service("c", {{"dependsOn", json::array({DependsOn("a")})}})});
       },
       {{"/spec/services/3/dependsOn/0/service", "dependency cycle: a -> b -> c -> a"}}},
      {"a diamond is not a cycle",
       [](json& d) {
         d["spec"]["services"] = json::array(
             {Service("top", {{"dependsOn", json::array({DependsOn("l"), DependsOn("r")})}}),
              Service("l", {{"dependsOn", json::array({DependsOn("base")})}}),
              Service("r", {{"dependsOn", json::array({DependsOn("base")})}}), Service("base")});
       },
       {}},
      {"nodeSelector keys and values in label syntax",
       [](json& d) {
         d["spec"]["nodeSelector"] = {{"zone", "eu 1"}, {"-bad", "x"}};
       },
       {{"/spec/nodeSelector/-bad",
         "nodeSelector key \"-bad\" is invalid: the name part \"-bad\" must consist of "
         "alphanumeric characters, '-', '_' or '.', and must start and end with an "
         "alphanumeric character (e.g. \"app\", \"my.name\" or \"123-abc\")"},
        {"/spec/nodeSelector/zone",
         "nodeSelector value \"eu 1\" is invalid: it must consist of alphanumeric characters, "
         "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. \"app\", "
         "\"my.name\" or \"123-abc\")"}}},
  };
  for (const Case& c : cases) {
    SECTION(c.what) { CheckViolations(CheckProject(ProjectWith(c.edit)), c.want); }
  }
}

}  // namespace
}  // namespace cara::api
