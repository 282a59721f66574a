// The semantic rules shared by cara-server and caractrl (api/semantic_rules.h),
// table-driven: each case is a project and every {pointer, message} it must
// produce, in order.
#include "api/semantic_rules.h"

#include <functional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "api/rule_cases.h"

namespace cara::api {
namespace {

TEST_CASE("project rules: each finds its violation at its pointer", "[rules]") {
  const std::string dns_label =
      " is invalid: must be at most 63 lowercase alphanumeric characters or '-', starting and "
      "ending with an alphanumeric character";
  const std::vector<Case> cases = {
      {"a valid project", [](json&) {}, {}},
      {"duplicate service names",
       [](json& d) { d["spec"]["services"].push_back(Service("web")); },
       {{"/spec/services/1/name", "duplicate service name: web"}}},
      {"a service name that is not a DNS label",
       [](json& d) { d["spec"]["services"][0]["name"] = "Web_1"; },
       {{"/spec/services/0/name", "service name \"Web_1\"" + dns_label}}},
      {"duplicate env names",
       [](json& d) {
         d["spec"]["services"][0]["env"] =
             json::array({{{"name", "A"}}, {{"name", "B"}}, {{"name", "A"}, {"value", "2"}}});
       },
       {{"/spec/services/0/env/2/name", "service web: duplicate env name: A"}}},
      {"bad env names",
       [](json& d) {
         d["spec"]["services"][0]["env"] =
             json::array({{{"name", ""}}, {{"name", "A=B"}}, {{"name", "A\nB"}}});
       },
       {{"/spec/services/0/env/0/name", "service web: env name \"\" must not be empty"},
        {"/spec/services/0/env/1/name", "service web: env name \"A=B\" must not contain '='"},
        {"/spec/services/0/env/2/name",
         "service web: env name \"A\\nB\" must not contain control characters"}}},
      {"a mount of an undeclared volume and a relative mountPath",
       [](json& d) {
         d["spec"]["services"][0]["volumeMounts"] =
             json::array({{{"name", "cache"}, {"mountPath", "var/cache"}}});
       },
       {{"/spec/services/0/volumeMounts/0/name",
         "service web: volume \"cache\" does not exist in spec.volumes"},
        {"/spec/services/0/volumeMounts/0/mountPath",
         "service web: mountPath \"var/cache\" must be an absolute path"}}},
      {"the same mountPath twice in one service",
       [](json& d) {
         d["spec"]["services"][0]["volumeMounts"] = json::array(
             {{{"name", "data"}, {"mountPath", "/d"}}, {{"name", "data"}, {"mountPath", "/d"}}});
       },
       {{"/spec/services/0/volumeMounts/1/mountPath", "service web: duplicate mountPath /d"}}},
      {"duplicate and badly named volumes",
       [](json& d) {
         d["spec"]["volumes"].push_back({{"name", "data"}, {"type", "Ephemeral"}});
         d["spec"]["volumes"].push_back({{"name", "../x"}, {"type", "Ephemeral"}});
       },
       {{"/spec/volumes/1/name", "duplicate volume name: data"},
        {"/spec/volumes/2/name", "volume name \"../x\"" + dns_label}}},
      {"ingress hosts with blanks or control characters",
       [](json& d) {
         d["spec"]["ingress"] = json::array(
             {Ingress("a", "web", 80), Ingress("b", "web", 80), Ingress("c", "web", 80)});
         d["spec"]["ingress"][0]["host"] = "shop.example.com";
         d["spec"]["ingress"][1]["host"] = "shop example.com";
         d["spec"]["ingress"][2]["host"] = std::string("x\0y", 3);
       },
       {{"/spec/ingress/1/host",
         "ingress b: host \"shop example.com\" must not contain blanks or control characters"},
        {"/spec/ingress/2/host",
         "ingress c: host \"x\\x00y\" must not contain blanks or control characters"}}},
      {"quantities that overflow 64 bits",
       [](json& d) {
         d["spec"]["resources"] = {{"cpu", "99999999999999999999"}, {"memory", "10Ei"}};
       },
       {{"/spec/resources/cpu", "quantity \"99999999999999999999\" is out of range"},
        {"/spec/resources/memory", "quantity \"10Ei\" is out of range"}}},
      {"quantities that are not quantities",
       [](json& d) {
         d["spec"]["resources"] = {{"cpu", "-1"}, {"memory", "lots"}};
       },
       {{"/spec/resources/cpu", "quantity \"-1\" must not be negative"},
        {"/spec/resources/memory", "invalid quantity \"lots\""}}},
      {"bad label keys and values; annotation values are free",
       [](json& d) {
         d["metadata"]["labels"] = {{"../x y", "ok"}, {"tier", "front end"}, {"app", ""}};
         d["metadata"]["annotations"] = {{"note", "any text / at all"}, {"a~b", "x"}};
       },
       {{"/metadata/labels/..~1x y",
         "key \"../x y\" is invalid: the prefix \"..\" must be a DNS subdomain: lowercase "
         "alphanumeric characters, '-' or '.', with every dot-separated part starting and ending "
         "with an alphanumeric character (e.g. \"example.com\")"},
        {"/metadata/labels/tier",
         "value \"front end\" is invalid: it must consist of alphanumeric characters, '-', '_' "
         "or '.', and must start and end with an alphanumeric character (e.g. \"app\", "
         "\"my.name\" or \"123-abc\")"},
        {"/metadata/annotations/a~0b",
         "key \"a~b\" is invalid: the name part \"a~b\" must consist of alphanumeric characters, "
         "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. \"app\", "
         "\"my.name\" or \"123-abc\")"}}},
  };
  for (const Case& c : cases) {
    SECTION(c.what) { CheckViolations(CheckProject(ProjectWith(c.edit)), c.want); }
  }
}

TEST_CASE("project rules: the reference's checks come first, in its order, all reported",
          "[rules]") {
  Project p = ProjectWith([](json& d) {
    d["metadata"]["name"] = "Bad";
    d["spec"]["services"] = json::array({Service(""), {{"name", "api"}}, Service("web")});
    d["spec"]["ingress"] = json::array(
        {Ingress("", "web", 80), Ingress("http", "db", 0), Ingress("http", "web", 8080)});
    d["spec"]["ingress"][2]["access"] = {{"scope", "Public"}};
  });
  const std::string invalid_name =
      "name \"Bad\" is invalid: must consist of lowercase alphanumeric characters, hyphens (-) "
      "or dots (.), and must start and end with an alphanumeric character";
  CheckViolations(
      CheckProject(p),
      {{"/metadata/name", invalid_name, true},
       {"/spec/services/0/name", "each service must have a non-empty name", true},
       {"/spec/services/1/image", "service api: image is required", true},
       {"/spec/ingress/0/name", "each ingress entry must have a non-empty name", true},
       {"/spec/ingress/1/target/service",
        "ingress http: target service db does not exist in spec.services", true},
       {"/spec/ingress/1/target/port", "ingress http: target port must be greater than 0", true},
       {"/spec/ingress/2/name", "duplicate ingress name: http", true},
       {"/spec/ingress/2/access/scope", "ingress http: only \"Internal\" scope is supported",
        true}});
  CHECK(FirstReferenceViolation(CheckProject(p))->message == invalid_name);

  // A PUT takes the name from its path: not checked.
  auto put = CheckProject(p, RuleOptions{.check_name = false});
  CHECK(FirstReferenceViolation(put)->message == "each service must have a non-empty name");

  Project none = ProjectWith([](json& d) { d["spec"]["services"] = json::array(); });
  CheckViolations(CheckProject(none),
                  {{"/spec/services", "spec.services must contain at least one service", true}});
}

TEST_CASE("metadata limits: count of labels and annotations, and their total size", "[rules]") {
  auto many = [](size_t n, size_t value_size) {
    json m = json::object();
    for (size_t i = 0; i < n; ++i) m["k" + std::to_string(i)] = std::string(value_size, 'v');
    return m;
  };
  SECTION("at the limits") {
    Node n;
    n.metadata.name = "n";
    for (size_t i = 0; i < kMaxLabels; ++i) n.metadata.labels["k" + std::to_string(i)] = "v";
    for (size_t i = 0; i < kMaxAnnotations; ++i) {
      n.metadata.annotations["k" + std::to_string(i)] = "v";
    }
    CHECK(CheckNode(n).empty());
  }
  SECTION("one label and one annotation too many") {
    Project p = ProjectWith([&](json& d) {
      d["metadata"]["labels"] = many(kMaxLabels + 1, 1);
      d["metadata"]["annotations"] = many(kMaxAnnotations + 1, 1);
      d["metadata"]["labels"]["bad key"] = "v";  // not listed: the count speaks
    });
    CheckViolations(
        CheckProject(p),
        {{"/metadata/labels", "has 258 entries: must have no more than 256 labels"},
         {"/metadata/annotations", "has 257 entries: must have no more than 256 annotations"}});
  }
  SECTION("annotations over 256 KiB together") {
    Project p = ProjectWith([&](json& d) {
      d["metadata"]["annotations"] = many(4, 64 * 1024);  // 4 x (2 + 65536) bytes
    });
    CheckViolations(CheckProject(p), {{"/metadata",
                                       "labels and annotations take 262152 bytes: must be no "
                                       "more than 262144 bytes (256 KiB) together"}});
    Project fits = ProjectWith([&](json& d) { d["metadata"]["annotations"] = many(4, 65534); });
    CHECK(CheckProject(fits).empty());
  }
}

TEST_CASE("node rules: the name on create, labels and annotations", "[rules]") {
  Node n;
  n.metadata.name = "Node_1";
  n.metadata.labels = {{"zone", "eu west"}};
  auto violations = CheckNode(n);
  REQUIRE(violations.size() == 2);
  CHECK(violations[0].pointer == "/metadata/name");
  CHECK(violations[0].reference);
  CHECK(violations[1].pointer == "/metadata/labels/zone");
  CHECK_FALSE(violations[1].reference);
  CHECK(CheckNode(n, RuleOptions{.check_name = false}).size() == 1);
}

TEST_CASE("node rules: capacity and allocatable are quantities in range, not negative", "[rules]") {
  Node n;
  n.metadata.name = "node-1";
  n.status.capacity = {{"cpu", "4000m"}, {"memory", "7953Mi"}, {"disk", "98Gi"}};
  n.status.allocatable = {{"cpu", "3500m"}, {"memory", "0"}};
  CHECK(CheckNode(n).empty());

  n.status.capacity["cpu"] = "99999999999999999999";
  n.status.capacity["a/b"] = "lots";
  n.status.allocatable["memory"] = "-512Mi";
  auto violations = CheckNode(n);
  REQUIRE(violations.size() == 3);
  // Keys in order; a key's '/' escaped as RFC 6901 says.
  CHECK(violations[0].pointer == "/status/capacity/a~1b");
  CHECK(violations[0].message == "invalid quantity \"lots\"");
  CHECK(violations[1].pointer == "/status/capacity/cpu");
  CHECK(violations[1].message == "quantity \"99999999999999999999\" is out of range");
  CHECK(violations[2].pointer == "/status/allocatable/memory");
  CHECK(violations[2].message == "quantity \"-512Mi\" must not be negative");
}

}  // namespace
}  // namespace cara::api
