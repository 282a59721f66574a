// Black-box tests of the Project routes of cara-server (the original's behaviour
// plus our differences: resourceVersion/generation/observedGeneration,
// PUT in every live phase, DELETE of a Terminated project, schema
// validation). Every test runs on every store backend.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "api_test_util.h"

namespace cara::testing {
namespace {

const std::string kInvalidNameSuffix =
    " is invalid: must consist of lowercase alphanumeric characters, hyphens (-) or dots (.), "
    "and must start and end with an alphanumeric character";
const std::string kBeingDeleted = "operation conflicts with current resource state: project ";

json FullSpec() {
  return {
      {"services",
       json::array({{{"name", "web"},
                     {"image", "nginx:1.25"},
                     {"env", json::array({{{"name", "MODE"}, {"value", "prod"}}})},
                     {"volumeMounts", json::array({{{"name", "data"}, {"mountPath", "/data"}}})},
                     {"command", json::array({"nginx", "-g", "daemon off;"})},
                     {"imagePullPolicy", "IfNotPresent"}},
                    {{"name", "db"}, {"image", "postgres:15"}}})},
      {"volumes", json::array({{{"name", "data"}, {"type", "Ephemeral"}}})},
      {"ingress", json::array({{{"name", "http"},
                                {"host", "demo.example.org"},
                                {"target", {{"service", "web"}, {"port", 80}}},
                                {"access", {{"scope", "Internal"}}}}})},
      {"expireAt", "2030-01-01T00:00:00Z"},
      {"resources", {{"cpu", "500m"}, {"memory", "256Mi"}}}};
}

json ProjectWithSpec(const std::string& name, const json& spec) {
  json body = ProjectBody(name);
  body["spec"] = spec;
  return body;
}

json Ingress(const std::string& name, const std::string& service, int port,
             const std::string& scope = "Internal") {
  return {{"name", name},
          {"target", {{"service", service}, {"port", port}}},
          {"access", {{"scope", scope}}}};
}

// One bad spec and the exact reference text it must produce (in
// precedence order).
struct SpecCase {
  std::string what;
  json spec;
  std::string detail;
};

std::vector<SpecCase> SpecCases() {
  const json web = {{"name", "web"}, {"image", "nginx"}};
  const json api = {{"name", "api"}, {"image", "api:1"}};
  return {
      {"no services",
       {{"services", json::array()}},
       "spec.services must contain at least one service"},
      {"services left out", json::object(), "spec.services must contain at least one service"},
      {"services empty before a bad ingress",
       {{"services", json::array()}, {"ingress", json::array({Ingress("", "x", 0)})}},
       "spec.services must contain at least one service"},
      {"a service without a name",
       {{"services", json::array({web, {{"name", ""}, {"image", "x"}}})}},
       "each service must have a non-empty name"},
      {"a service without a name key",
       {{"services", json::array({{{"image", "x"}}})}},
       "each service must have a non-empty name"},
      {"every name is checked before any image",
       {{"services",
         json::array({{{"name", "web"}, {"image", ""}}, {{"name", ""}, {"image", "x"}}})}},
       "each service must have a non-empty name"},
      {"a service without an image",
       {{"services", json::array({web, {{"name", "api"}, {"image", ""}}})}},
       "service api: image is required"},
      {"a service without an image key",
       {{"services", json::array({{{"name", "api"}}})}},
       "service api: image is required"},
      {"the first service without an image wins",
       {{"services",
         json::array({{{"name", "b"}, {"image", ""}}, {{"name", "a"}, {"image", ""}}})}},
       "service b: image is required"},
      {"an image check before ingress checks",
       {{"services", json::array({{{"name", "web"}, {"image", ""}}})},
        {"ingress", json::array({Ingress("", "web", 80)})}},
       "service web: image is required"},
      {"an ingress without a name",
       {{"services", json::array({web})}, {"ingress", json::array({Ingress("", "web", 80)})}},
       "each ingress entry must have a non-empty name"},
      {"a duplicate ingress name",
       {{"services", json::array({web, api})},
        {"ingress", json::array({Ingress("http", "web", 80), Ingress("http", "api", 8080)})}},
       "duplicate ingress name: http"},
      {"an ingress target that is not a service",
       {{"services", json::array({web})}, {"ingress", json::array({Ingress("http", "db", 80)})}},
       "ingress http: target service db does not exist in spec.services"},
      {"a target check before the port check",
       {{"services", json::array({web})}, {"ingress", json::array({Ingress("http", "db", 0)})}},
       "ingress http: target service db does not exist in spec.services"},
      {"a zero target port",
       {{"services", json::array({web})}, {"ingress", json::array({Ingress("http", "web", 0)})}},
       "ingress http: target port must be greater than 0"},
      {"a negative target port",
       {{"services", json::array({web})}, {"ingress", json::array({Ingress("http", "web", -1)})}},
       "ingress http: target port must be greater than 0"},
      {"a port check before the scope check",
       {{"services", json::array({web})},
        {"ingress", json::array({Ingress("http", "web", 0, "Public")})}},
       "ingress http: target port must be greater than 0"},
      {"a Public scope",
       {{"services", json::array({web})},
        {"ingress", json::array({Ingress("http", "web", 80, "Public")})}},
       "ingress http: only \"Internal\" scope is supported"},
      {"ingress entries are checked in order",
       {{"services", json::array({web})},
        {"ingress", json::array({Ingress("first", "web", 0), Ingress("", "web", 80)})}},
       "ingress first: target port must be greater than 0"},
      {"a later duplicate is found after earlier entries pass",
       {{"services", json::array({web})},
        {"ingress",
         json::array({Ingress("a", "web", 80), Ingress("b", "web", 81), Ingress("a", "nope", 0)})}},
       "duplicate ingress name: a"},
  };
}

// ---- POST /api/v1/projects ---------------------------------------------------------

TEST_CASE("POST /api/v1/projects creates a Pending project", "[project][create]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      json body = ProjectWithSpec("demo", FullSpec());
      body["metadata"]["labels"] = {{"app", "demo"}};
      body["metadata"]["annotations"] = {{"owner", "ci"}};
      HttpResponse r = api.PostJson(kProjects, body);
      REQUIRE_THAT(r, HasStatus(201));
      CHECK_THAT(r.content_type(), Catch::StartsWith("application/json"));
      const json& p = r.json;
      CHECK(p["apiVersion"] == "caravanserai/v1");
      CHECK(p["kind"] == "Project");
      CHECK(p["metadata"]["name"] == "demo");
      CHECK(p["metadata"]["labels"] == json({{"app", "demo"}}));
      CHECK(p["metadata"]["annotations"] == json({{"owner", "ci"}}));
      CHECK(Generation(p) == 1);
      CHECK_FALSE(ResourceVersion(p).empty());
      CHECK(ParseTime(p["metadata"]["createdAt"]) > ParseTime("2024-01-01T00:00:00Z"));
      CHECK(p["spec"] == FullSpec());
      CHECK(p["status"]["phase"] == "Pending");
      CHECK(At(p, "/status/nodeRef").is_null());
      CHECK(At(p, "/status/conditions").is_null());
      CHECK(MustGet(api, ProjectPath("demo")) == p);
    }
  }
}

TEST_CASE("POST /api/v1/projects fills in apiVersion and kind but rejects another kind",
          "[project][create][schema]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      json p = MustCreateProject(api, {{"metadata", {{"name", "bare"}}}, {"spec", ServiceSpec()}});
      CHECK(p["apiVersion"] == "caravanserai/v1");
      CHECK(p["kind"] == "Project");

      json node_kind = ProjectBody("other");
      node_kind["kind"] = "Node";
      CHECK_THAT(api.PostJson(kProjects, node_kind), IsProblemContaining(400, "kind"));
      CHECK_THAT(api.Get(ProjectPath("other")), HasStatus(404));
    }
  }
}

TEST_CASE("POST /api/v1/projects keeps a supplied status and overwrites createdAt",
          "[project][create]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      const json status = {
          {"phase", "Running"},
          {"nodeRef", "n1"},
          {"conditions", json::array({{{"type", "Phase"},
                                       {"status", "True"},
                                       {"lastTransitionTime", "2025-01-01T12:00:00Z"},
                                       {"reason", "ContainersRunning"},
                                       {"message", "All containers running"}}})}};
      json body = ProjectBody("p");
      body["status"] = status;
      body["metadata"]["createdAt"] = "2001-02-03T04:05:06Z";
      json p = MustCreateProject(api, body);
      CHECK(p["status"] == status);
      CHECK(p["metadata"]["createdAt"] != "2001-02-03T04:05:06Z");
      CHECK(ParseTime(p["metadata"]["createdAt"]) > ParseTime("2024-01-01T00:00:00Z"));
      CHECK(MustGet(api, ProjectPath("p"))["status"] == status);

      // A status without a phase gets the default phase; nodeRef is kept.
      json q = ProjectBody("q");
      q["status"] = {{"nodeRef", "n2"}};
      json created = MustCreateProject(api, q);
      CHECK(created["status"]["phase"] == "Pending");
      CHECK(created["status"]["nodeRef"] == "n2");
    }
  }
}

TEST_CASE("POST /api/v1/projects does not let the client set observedGeneration",
          "[project][create][generation]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      json body = ProjectBody("p");
      body["status"] = {{"phase", "Pending"}, {"observedGeneration", 7}};
      HttpResponse r = api.PostJson(kProjects, body);
      if (r.status == 201) {
        CHECK(At(r.json, "/status/observedGeneration").is_null());
        CHECK(At(MustGet(api, ProjectPath("p")), "/status/observedGeneration").is_null());
      } else {
        CHECK_THAT(r, IsProblemWithAnyDetail(400));
      }
    }
  }
}

TEST_CASE("POST /api/v1/projects answers 409 for a taken name", "[project][create]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      json original = MustCreateProject(api, ProjectBody("p"));
      CHECK_THAT(api.PostJson(kProjects, ProjectBody("p", "redis:7")),
                 IsProblem(409, "project already exists: p: resource already exists"));
      CHECK(MustGet(api, ProjectPath("p")) == original);
    }
  }
}

TEST_CASE("POST /api/v1/projects rejects undecodable bodies and bad names",
          "[project][create][validation]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      CHECK_THAT(api.Post(kProjects, ""), IsProblem(400, "invalid request body: EOF"));
      CHECK_THAT(api.Post(kProjects, "{\"metadata\":{\"name\":\"p\""),
                 IsProblemStartingWith(400, "invalid request body: "));
      CHECK_THAT(api.PostJson(kProjects, ProjectBody("")),
                 IsProblem(400, "metadata.name is required"));
      CHECK_THAT(api.PostJson(kProjects, ProjectBody("My_Project")),
                 IsProblem(400, "name \"My_Project\"" + kInvalidNameSuffix));
      CHECK_THAT(api.PostJson(kProjects, ProjectBody(std::string(300, 'p'))),
                 IsProblem(400,
                           "name \"pppppppppppppppppppp...\" is 300 characters long: "
                           "must be no more than 253 characters"));
      CHECK_THAT(
          api.PostJson(kProjects, ProjectBody("preview-" + std::string(40, 'X'))),
          IsProblem(400, "name \"preview-" + std::string(32, 'X') + "...\"" + kInvalidNameSuffix));
      // Name checks come before spec checks.
      CHECK_THAT(api.PostJson(kProjects, ProjectWithSpec("Bad", {{"services", json::array()}})),
                 IsProblem(400, "name \"Bad\"" + kInvalidNameSuffix));
      CHECK_THAT(api.PostJson(kProjects, ProjectWithSpec("", {{"services", json::array()}})),
                 IsProblem(400, "metadata.name is required"));
      CHECK(ListNames(api, kProjects).empty());
    }
  }
}

TEST_CASE("POST /api/v1/projects validates the spec in the reference order",
          "[project][create][validation]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      for (const SpecCase& c : SpecCases()) {
        INFO(c.what << ": " << c.spec.dump());
        CHECK_THAT(api.PostJson(kProjects, ProjectWithSpec("p", c.spec)), IsProblem(400, c.detail));
      }
      CHECK(ListNames(api, kProjects).empty());
    }
  }
}

TEST_CASE("POST /api/v1/projects accepts what the reference does not validate",
          "[project][create][validation]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      // (Duplicate service names and mounts of undeclared volumes, also
      // accepted by the reference, are refused: semantic_rules_api_test.cc.)
      json spec = {{"services", json::array({{{"name", "web"}, {"image", "nginx"}},
                                             {{"name", "db"}, {"image", "nginx:2"}}})},
                   {"ingress", json::array({Ingress("a", "web", 80), Ingress("b", "web", 80)})}};
      json p = MustCreateProject(api, ProjectWithSpec("lenient", spec));
      CHECK(p["spec"] == spec);
    }
  }
}

TEST_CASE("POST /api/v1/projects validates the body against the Project schema",
          "[project][create][schema]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      SECTION("a misspelt service field") {
        json body = ProjectBody("p");
        body["spec"]["services"][0]["imagePullPolcy"] = "Always";
        CHECK_THAT(api.PostJson(kProjects, body),
                   IsSchemaProblem("/spec/services/0/imagePullPolcy"));
      }
      SECTION("an unknown field in the second service") {
        json body = ProjectBody("p");
        body["spec"]["services"].push_back({{"name", "db"}, {"image", "pg"}, {"expose", {5432}}});
        CHECK_THAT(api.PostJson(kProjects, body), IsSchemaProblem("/spec/services/1/expose"));
      }
      SECTION("a bad imagePullPolicy") {
        json body = ProjectBody("p");
        body["spec"]["services"][0]["imagePullPolicy"] = "Sometimes";
        CHECK_THAT(api.PostJson(kProjects, body),
                   IsSchemaProblem("/spec/services/0/imagePullPolicy"));
      }
      SECTION("a command that is not a list") {
        json body = ProjectBody("p");
        body["spec"]["services"][0]["command"] = "nginx -g 'daemon off;'";
        CHECK_THAT(api.PostJson(kProjects, body), IsSchemaProblem("/spec/services/0/command"));
      }
      SECTION("a bad volume type") {
        json body = ProjectBody("p");
        body["spec"]["volumes"] = json::array({{{"name", "v"}, {"type", "Managed"}}});
        CHECK_THAT(api.PostJson(kProjects, body), IsSchemaProblem("/spec/volumes/0/type"));
      }
      SECTION("a wrong type for a port") {
        json body = ProjectBody("p");
        body["spec"]["ingress"] = json::array({Ingress("http", "web", 80)});
        body["spec"]["ingress"][0]["target"]["port"] = "80";
        CHECK_THAT(api.PostJson(kProjects, body), IsSchemaProblem("/spec/ingress/0/target/port"));
      }
      SECTION("a bad phase on create") {
        json body = ProjectBody("p");
        body["status"] = {{"phase", "Bogus"}};
        CHECK_THAT(api.PostJson(kProjects, body), IsSchemaProblem("/status/phase"));
      }
      SECTION("a bad expireAt timestamp") {
        json body = ProjectBody("p");
        body["spec"]["expireAt"] = "next tuesday";
        CHECK_THAT(api.PostJson(kProjects, body), IsSchemaProblem("/spec/expireAt"));
      }
      SECTION("an unknown metadata field") {
        json body = ProjectBody("p");
        body["metadata"]["namespace"] = "default";
        CHECK_THAT(api.PostJson(kProjects, body), IsSchemaProblem("/metadata/namespace"));
      }
      SECTION("a non-string label value") {
        json body = ProjectBody("p");
        body["metadata"]["labels"] = {{"tier", 1}};
        CHECK_THAT(api.PostJson(kProjects, body), IsSchemaProblem("/metadata/labels/tier"));
      }
      SECTION("all violations are listed") {
        json body = ProjectBody("p");
        body["spec"]["services"][0]["imagePullPolcy"] = "Always";
        body["spec"]["expireAt"] = "soon";
        HttpResponse r = api.PostJson(kProjects, body);
        CHECK_THAT(r, IsSchemaProblem("/spec/services/0/imagePullPolcy"));
        CHECK_THAT(r, IsSchemaProblem("/spec/expireAt"));
      }
      SECTION("the reference's spec checks come first") {
        json body = ProjectWithSpec("p", {{"services", json::array()}, {"replicas", 3}});
        CHECK_THAT(api.PostJson(kProjects, body),
                   IsProblem(400, "spec.services must contain at least one service"));
        json scope = ProjectBody("p");
        scope["spec"]["ingress"] = json::array({Ingress("http", "web", 80, "Public")});
        scope["spec"]["services"][0]["imagePullPolcy"] = "Always";
        CHECK_THAT(api.PostJson(kProjects, scope),
                   IsProblem(400, "ingress http: only \"Internal\" scope is supported"));
      }
      CHECK(ListNames(api, kProjects).empty());
    }
  }
}

// ---- GET ------------------------------------------------------------------------------

TEST_CASE("GET /api/v1/projects lists in creation order and filters by phase and nodeRef",
          "[project][list]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      HttpResponse empty = api.Get(kProjects);
      REQUIRE_THAT(empty, HasStatus(200));
      // The list's resourceVersion, to watch from (see watch_api_test.cc).
      REQUIRE(empty.json["metadata"]["resourceVersion"].is_string());
      CHECK(empty.json == json({{"apiVersion", "caravanserai/v1"},
                                {"kind", "ProjectList"},
                                {"metadata", empty.json["metadata"]},
                                {"items", json::array()}}));

      MustCreateProject(api, ProjectBodyInPhase("zulu", "Pending"));
      MustCreateProject(api, ProjectBodyInPhase("alpha", "Scheduled", "n1"));
      MustCreateProject(api, ProjectBodyInPhase("mike", "Running", "n1"));
      MustCreateProject(api, ProjectBodyInPhase("bravo", "Running", "n2"));
      MustCreateProject(api, ProjectBodyInPhase("yankee", "Failed", "n1"));
      MustCreateProject(api, ProjectBodyInPhase("charlie", "Terminating", "n2"));
      // Updates do not reorder.
      REQUIRE_THAT(api.PutJson(ProjectPath("zulu"), ProjectBody("zulu", "nginx:2")),
                   HasStatus(200));
      REQUIRE_THAT(api.PatchJson(StatusPath("zulu"), {{"phase", "Pending"}, {"reason", "X"}}),
                   HasStatus(204));

      using Names = std::vector<std::string>;
      HttpResponse all = api.Get(kProjects);
      REQUIRE_THAT(all, HasStatus(200));
      CHECK(all.json["kind"] == "ProjectList");
      CHECK(all.json["apiVersion"] == "caravanserai/v1");
      CHECK(ItemNames(all) == Names{"zulu", "alpha", "mike", "bravo", "yankee", "charlie"});
      CHECK(all.json["items"][2] == MustGet(api, ProjectPath("mike")));

      CHECK(ListNames(api, kProjects + "?phase=Running") == Names{"mike", "bravo"});
      CHECK(ListNames(api, kProjects + "?phase=Running&phase=Scheduled") ==
            Names{"alpha", "mike", "bravo"});
      CHECK(ListNames(api, kProjects + "?phase=Running&phase=Bogus") == Names{"mike", "bravo"});
      CHECK(ListNames(api, kProjects + "?phase=Bogus").empty());
      CHECK(ListNames(api, kProjects + "?phase=running").empty());
      CHECK(ListNames(api, kProjects + "?phase=").empty());
      CHECK(ListNames(api, kProjects + "?nodeRef=n1") == Names{"alpha", "mike", "yankee"});
      CHECK(ListNames(api, kProjects + "?nodeRef=n1&phase=Running") == Names{"mike"});
      CHECK(ListNames(api, kProjects + "?phase=Failed&nodeRef=n1&phase=Running") ==
            Names{"mike", "yankee"});
      CHECK(ListNames(api, kProjects + "?nodeRef=ghost").empty());
      CHECK(ListNames(api, kProjects + "?nodeRef=") ==
            Names{"zulu", "alpha", "mike", "bravo", "yankee", "charlie"});
      HttpResponse bogus = api.Get(kProjects + "?phase=Bogus");
      REQUIRE_THAT(bogus, HasStatus(200));
      CHECK(bogus.json["items"] == json::array());
    }
  }
}

TEST_CASE("GET /api/v1/projects/{name} answers 404 for an unknown project", "[project][get]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      CHECK_THAT(api.Get(ProjectPath("foo")),
                 IsProblem(404, "project not found: foo: resource not found"));
      MustCreateProject(api, ProjectBody("foo"));
      CHECK(MustGet(api, ProjectPath("foo"))["metadata"]["name"] == "foo");
    }
  }
}

// ---- PUT /api/v1/projects/{name} --------------------------------------------------------

TEST_CASE("PUT /api/v1/projects/{name} is accepted in every live phase", "[project][put]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      const json phase_condition = {{"type", "Phase"},
                                    {"status", "True"},
                                    {"lastTransitionTime", "2025-01-01T12:00:00Z"},
                                    {"reason", "ContainersRunning"},
                                    {"message", "All containers running"}};

      SECTION("Pending stays Pending") {
        MustCreateProject(api, ProjectBody("p"));
        HttpResponse r = api.PutJson(ProjectPath("p"), ProjectBody("p", "nginx:2"));
        REQUIRE_THAT(r, HasStatus(200));
        CHECK(r.json["spec"] == ServiceSpec("nginx:2"));
        CHECK(r.json["status"]["phase"] == "Pending");
        CHECK(Generation(r.json) == 2);
      }
      SECTION("Scheduled stays Scheduled on its node") {
        MustCreateProject(api, ProjectBodyInPhase("p", "Scheduled", "n1"));
        HttpResponse r = api.PutJson(ProjectPath("p"), ProjectBody("p", "nginx:2"));
        REQUIRE_THAT(r, HasStatus(200));
        CHECK(r.json["status"]["phase"] == "Scheduled");
        CHECK(r.json["status"]["nodeRef"] == "n1");
        CHECK(Generation(r.json) == 2);
      }
      SECTION("Running stays Running with its nodeRef and conditions") {
        json body = ProjectBodyInPhase("p", "Running", "n1");
        body["status"]["conditions"] = json::array({phase_condition});
        json created = MustCreateProject(api, body);
        HttpResponse r = api.PutJson(ProjectPath("p"), ProjectBody("p", "nginx:2"));
        REQUIRE_THAT(r, HasStatus(200));
        CHECK(r.json["spec"] == ServiceSpec("nginx:2"));
        CHECK(r.json["status"] == created["status"]);
        CHECK(Generation(r.json) == 2);
        CHECK(MustGet(api, ProjectPath("p")) == r.json);
      }
      SECTION("Failed with a new spec goes back to Pending without a node") {
        json body = ProjectBodyInPhase("p", "Failed", "n1");
        MustCreateProject(api, body);
        HttpResponse r = api.PutJson(ProjectPath("p"), ProjectBody("p", "nginx:fixed"));
        REQUIRE_THAT(r, HasStatus(200));
        CHECK(r.json["status"]["phase"] == "Pending");
        CHECK(At(r.json, "/status/nodeRef").is_null());
        CHECK(Generation(r.json) == 2);
        json stored = MustGet(api, ProjectPath("p"));
        CHECK(stored["status"]["phase"] == "Pending");
        CHECK(At(stored, "/status/nodeRef").is_null());
      }
      SECTION("Failed with the same spec stays Failed") {
        json body = ProjectBodyInPhase("p", "Failed", "n1");
        MustCreateProject(api, body);
        json same = ProjectBody("p");
        same["metadata"]["labels"] = {{"retry", "no"}};
        HttpResponse r = api.PutJson(ProjectPath("p"), same);
        REQUIRE_THAT(r, HasStatus(200));
        CHECK(r.json["status"]["phase"] == "Failed");
        CHECK(r.json["status"]["nodeRef"] == "n1");
        CHECK(r.json["metadata"]["labels"] == json({{"retry", "no"}}));
        CHECK(Generation(r.json) == 1);
      }
    }
  }
}

TEST_CASE("PUT /api/v1/projects/{name} answers 409 while the project is being deleted",
          "[project][put]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      for (const std::string phase : {"Terminating", "Terminated"}) {
        INFO("phase " << phase);
        const std::string name = phase == "Terminating" ? "going" : "gone";
        json created = MustCreateProject(api, ProjectBodyInPhase(name, phase, "n1"));
        CHECK_THAT(api.PutJson(ProjectPath(name), ProjectBody(name, "nginx:2")),
                   IsProblem(409, kBeingDeleted + "\"" + name + "\" is being deleted"));
        // Identical specs conflict too, and nothing changes.
        CHECK_THAT(api.PutJson(ProjectPath(name), ProjectBody(name)),
                   IsProblem(409, kBeingDeleted + "\"" + name + "\" is being deleted"));
        CHECK(MustGet(api, ProjectPath(name)) == created);
        // Spec validation still comes first.
        CHECK_THAT(
            api.PutJson(ProjectPath(name), ProjectWithSpec(name, {{"services", json::array()}})),
            IsProblem(400, "spec.services must contain at least one service"));
      }

      // A project moved to Terminating by DELETE is locked as well.
      MustCreateProject(api, ProjectBodyInPhase("p", "Running", "n1"));
      REQUIRE_THAT(api.Delete(ProjectPath("p")), HasStatus(202));
      CHECK_THAT(api.PutJson(ProjectPath("p"), ProjectBody("p", "nginx:2")),
                 IsProblem(409, kBeingDeleted + "\"p\" is being deleted"));
    }
  }
}

TEST_CASE("PUT /api/v1/projects/{name} replaces spec, labels and annotations, not status",
          "[project][put]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      json body = ProjectBodyInPhase("p", "Scheduled", "n1");
      body["metadata"]["labels"] = {{"a", "1"}};
      body["metadata"]["annotations"] = {{"b", "2"}};
      json created = MustCreateProject(api, body);

      json put = ProjectWithSpec("p", FullSpec());
      put["metadata"]["annotations"] = {{"c", "3"}};
      put["status"] = {{"phase", "Running"}, {"nodeRef", "n9"}};
      HttpResponse r = api.PutJson(ProjectPath("p"), put);
      REQUIRE_THAT(r, HasStatus(200));
      CHECK_THAT(r.content_type(), Catch::StartsWith("application/json"));
      CHECK(r.json["kind"] == "Project");
      CHECK(r.json["spec"] == FullSpec());
      CHECK(At(r.json, "/metadata/labels").is_null());
      CHECK(r.json["metadata"]["annotations"] == json({{"c", "3"}}));
      CHECK(r.json["metadata"]["createdAt"] == created["metadata"]["createdAt"]);
      CHECK(r.json["status"] == created["status"]);
      CHECK(ResourceVersion(r.json) != ResourceVersion(created));
      CHECK(MustGet(api, ProjectPath("p")) == r.json);

      // A body without a name takes it from the path.
      HttpResponse unnamed = api.PutJson(
          ProjectPath("p"), {{"metadata", json::object()}, {"spec", ServiceSpec("nginx:3")}});
      CHECK_THAT(unnamed, HasStatus(200));
      CHECK(unnamed.json["metadata"]["name"] == "p");
      CHECK(unnamed.json["spec"] == ServiceSpec("nginx:3"));
      HttpResponse no_metadata = api.PutJson(ProjectPath("p"), {{"spec", ServiceSpec("nginx:4")}});
      CHECK_THAT(no_metadata, HasStatus(200));
      CHECK(MustGet(api, ProjectPath("p"))["spec"] == ServiceSpec("nginx:4"));
    }
  }
}

TEST_CASE("PUT /api/v1/projects/{name} validates before it looks the project up",
          "[project][put][validation]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      // Unknown project: validation errors win over 404.
      CHECK_THAT(api.Put(ProjectPath("ghost"), ""), IsProblem(400, "invalid request body: EOF"));
      CHECK_THAT(api.Put(ProjectPath("ghost"), "{"),
                 IsProblemStartingWith(400, "invalid request body: "));
      CHECK_THAT(api.PutJson(ProjectPath("ghost"), ProjectBody("other")),
                 IsProblem(400, "metadata.name \"other\" does not match URL path \"ghost\""));
      CHECK_THAT(api.PutJson(ProjectPath("ghost"),
                             ProjectWithSpec("ghost", {{"services", json::array()}})),
                 IsProblem(400, "spec.services must contain at least one service"));
      json unknown = ProjectBody("ghost");
      unknown["spec"]["services"][0]["imagePullPolcy"] = "Never";
      CHECK_THAT(api.PutJson(ProjectPath("ghost"), unknown),
                 IsSchemaProblem("/spec/services/0/imagePullPolcy"));
      CHECK_THAT(api.PutJson(ProjectPath("ghost"), ProjectBody("ghost")),
                 IsProblem(404, "project not found: ghost: resource not found"));

      // The name mismatch comes before spec validation.
      MustCreateProject(api, ProjectBody("p"));
      CHECK_THAT(api.PutJson(ProjectPath("p"), ProjectWithSpec("q", {{"services", json::array()}})),
                 IsProblem(400, "metadata.name \"q\" does not match URL path \"p\""));
      // Every spec rule of the reference applies to PUT as well.
      for (const SpecCase& c : SpecCases()) {
        INFO(c.what << ": " << c.spec.dump());
        CHECK_THAT(api.PutJson(ProjectPath("p"), ProjectWithSpec("p", c.spec)),
                   IsProblem(400, c.detail));
      }
      json stored = MustGet(api, ProjectPath("p"));
      CHECK(stored["spec"] == ServiceSpec());
      CHECK(Generation(stored) == 1);
    }
  }
}

TEST_CASE("PUT /api/v1/projects/{name} honours metadata.resourceVersion", "[project][put][rv]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      const std::string rv1 = ResourceVersion(MustCreateProject(api, ProjectBody("p")));
      // A status write makes rv1 stale.
      REQUIRE_THAT(api.PatchJson(StatusPath("p"), {{"phase", "Scheduled"}}), HasStatus(204));
      const std::string rv2 = ResourceVersion(MustGet(api, ProjectPath("p")));
      CHECK(rv2 != rv1);

      json stale = ProjectBody("p", "nginx:2");
      stale["metadata"]["resourceVersion"] = rv1;
      HttpResponse conflict = api.PutJson(ProjectPath("p"), stale);
      CHECK_THAT(conflict,
                 IsProblemStartingWith(409, "operation conflicts with current resource state: "));
      CHECK_THAT(conflict, IsProblemContaining(409, rv1));
      CHECK_THAT(conflict, IsProblemContaining(409, rv2));
      CHECK(MustGet(api, ProjectPath("p"))["spec"] == ServiceSpec());

      json current = ProjectBody("p", "nginx:2");
      current["metadata"]["resourceVersion"] = rv2;
      HttpResponse ok = api.PutJson(ProjectPath("p"), current);
      REQUIRE_THAT(ok, HasStatus(200));
      CHECK(ok.json["spec"] == ServiceSpec("nginx:2"));
      CHECK(ResourceVersion(ok.json) != rv2);

      // Without a resourceVersion the PUT is unconditional.
      HttpResponse unconditional = api.PutJson(ProjectPath("p"), ProjectBody("p", "nginx:3"));
      REQUIRE_THAT(unconditional, HasStatus(200));
      CHECK(unconditional.json["spec"] == ServiceSpec("nginx:3"));
    }
  }
}

TEST_CASE("Project metadata.generation counts spec changes only", "[project][generation]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      json created = MustCreateProject(api, ProjectBodyInPhase("p", "Running", "n1"));
      CHECK(Generation(created) == 1);

      // Status writes do not count.
      REQUIRE_THAT(api.PatchJson(StatusPath("p"), {{"phase", "Running"}, {"reason", "R"}}),
                   HasStatus(204));
      json patched = MustGet(api, ProjectPath("p"));
      CHECK(Generation(patched) == 1);
      CHECK(ResourceVersion(patched) != ResourceVersion(created));

      // An identical spec, or a labels-only change, keeps the generation.
      HttpResponse same = api.PutJson(ProjectPath("p"), ProjectBody("p"));
      REQUIRE_THAT(same, HasStatus(200));
      CHECK(Generation(same.json) == 1);
      json labelled = ProjectBody("p");
      labelled["metadata"]["labels"] = {{"x", "y"}};
      HttpResponse lab = api.PutJson(ProjectPath("p"), labelled);
      REQUIRE_THAT(lab, HasStatus(200));
      CHECK(Generation(lab.json) == 1);

      HttpResponse r = api.PutJson(ProjectPath("p"), ProjectBody("p", "nginx:2"));
      REQUIRE_THAT(r, HasStatus(200));
      CHECK(Generation(r.json) == 2);
      r = api.PutJson(ProjectPath("p"), ProjectWithSpec("p", FullSpec()));
      REQUIRE_THAT(r, HasStatus(200));
      CHECK(Generation(r.json) == 3);
      r = api.PutJson(ProjectPath("p"), ProjectWithSpec("p", FullSpec()));
      REQUIRE_THAT(r, HasStatus(200));
      CHECK(Generation(r.json) == 3);
      CHECK(Generation(MustGet(api, ProjectPath("p"))) == 3);
    }
  }
}

// ---- DELETE /api/v1/projects/{name} -----------------------------------------------------

TEST_CASE("DELETE /api/v1/projects/{name} removes Pending and Failed projects at once",
          "[project][delete]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      MustCreateProject(api, ProjectBody("pending"));
      MustCreateProject(api, ProjectBodyInPhase("failed", "Failed", "n1"));
      MustCreateProject(api, ProjectBody("other"));
      for (const std::string name : {"pending", "failed"}) {
        HttpResponse r = api.Delete(ProjectPath(name));
        CHECK_THAT(r, HasStatus(204));
        CHECK(r.body.empty());
        CHECK_THAT(api.Get(ProjectPath(name)),
                   IsProblem(404, "project not found: " + name + ": resource not found"));
      }
      CHECK(ListNames(api, kProjects) == std::vector<std::string>{"other"});
      CHECK_THAT(api.Delete(ProjectPath("pending")),
                 IsProblem(404, "project not found: pending: resource not found"));
    }
  }
}

TEST_CASE("DELETE /api/v1/projects/{name} moves live projects to Terminating",
          "[project][delete]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      const json conditions = json::array({{{"type", "Phase"},
                                            {"status", "True"},
                                            {"lastTransitionTime", "2025-01-01T12:00:00Z"},
                                            {"reason", "ContainersRunning"},
                                            {"message", "All containers running"}}});

      SECTION("Scheduled and Running: 202, nodeRef and conditions kept, nothing added") {
        for (const std::string phase : {"Scheduled", "Running"}) {
          INFO("phase " << phase);
          const std::string name = "p-" + std::string(phase == "Running" ? "run" : "sched");
          json body = ProjectBodyInPhase(name, phase, "n1");
          body["status"]["conditions"] = conditions;
          json created = MustCreateProject(api, body);
          HttpResponse r = api.Delete(ProjectPath(name));
          CHECK_THAT(r, HasStatus(202));
          CHECK(r.body.empty());
          json p = MustGet(api, ProjectPath(name));
          CHECK(p["status"] ==
                json({{"phase", "Terminating"}, {"nodeRef", "n1"}, {"conditions", conditions}}));
          CHECK(ResourceVersion(p) != ResourceVersion(created));
          CHECK(Generation(p) == 1);
        }
      }
      SECTION("Terminating: 202 and nothing changes") {
        json created = MustCreateProject(api, ProjectBodyInPhase("p", "Terminating", "n1"));
        CHECK_THAT(api.Delete(ProjectPath("p")), HasStatus(202));
        CHECK_THAT(api.Delete(ProjectPath("p")), HasStatus(202));
        CHECK(MustGet(api, ProjectPath("p")) == created);
      }
      SECTION("Terminated: 202 and it stays Terminated") {
        MustCreateProject(api, ProjectBodyInPhase("p", "Terminated", "n1"));
        HttpResponse r = api.Delete(ProjectPath("p"));
        CHECK_THAT(r, HasStatus(202));
        CHECK(r.body.empty());
        json p = MustGet(api, ProjectPath("p"));
        CHECK(p["status"]["phase"] == "Terminated");
        CHECK(p["status"]["nodeRef"] == "n1");
      }
      SECTION("a second DELETE of a project it moved is idempotent") {
        MustCreateProject(api, ProjectBodyInPhase("p", "Running", "n1"));
        CHECK_THAT(api.Delete(ProjectPath("p")), HasStatus(202));
        json first = MustGet(api, ProjectPath("p"));
        CHECK_THAT(api.Delete(ProjectPath("p")), HasStatus(202));
        CHECK(MustGet(api, ProjectPath("p")) == first);
      }
    }
  }
}

TEST_CASE("DELETE /api/v1/projects/{name}?force=true removes any project", "[project][delete]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      const std::vector<std::string> phases = {"Pending", "Scheduled",   "Running",
                                               "Failed",  "Terminating", "Terminated"};
      for (const std::string& phase : phases) {
        INFO("phase " << phase);
        std::string name = "p-" + phase;
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        MustCreateProject(api, ProjectBodyInPhase(name, phase, phase == "Pending" ? "" : "n1"));
        HttpResponse r = api.Delete(ProjectPath(name) + "?force=true");
        CHECK_THAT(r, HasStatus(204));
        CHECK(r.body.empty());
        CHECK_THAT(api.Get(ProjectPath(name)), HasStatus(404));
      }
      CHECK(ListNames(api, kProjects).empty());
      CHECK_THAT(api.Delete(ProjectPath("ghost") + "?force=true"),
                 IsProblem(404, "project not found: ghost: resource not found"));
    }
  }
}

TEST_CASE("DELETE /api/v1/projects/{name} honours force only for the exact value true",
          "[project][delete]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      int i = 0;
      for (const std::string query : {"?force=TRUE", "?force=1", "?force=yes", "?force=", "?force",
                                      "?Force=true", "?force=false"}) {
        INFO("query " << query);
        const std::string name = "p" + std::to_string(i++);
        MustCreateProject(api, ProjectBodyInPhase(name, "Running", "n1"));
        CHECK_THAT(api.Delete(ProjectPath(name) + query), HasStatus(202));
        CHECK(MustGet(api, ProjectPath(name))["status"]["phase"] == "Terminating");
      }
      MustCreateProject(api, ProjectBody("pending"));
      CHECK_THAT(api.Delete(ProjectPath("pending") + "?force=false"), HasStatus(204));
    }
  }
}

// ---- PATCH /api/v1/projects/{name}/status ----------------------------------------------

TEST_CASE("PATCH /api/v1/projects/{name}/status validates before it looks the project up",
          "[project][patch][validation]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      const std::string invalid_suffix =
          ": must be one of Pending, Scheduled, Running, Failed, Terminating, Terminated";
      for (const std::string name : {"ghost", "p"}) {
        INFO("project " << name);
        if (name == "p") MustCreateProject(api, ProjectBody("p"));
        CHECK_THAT(api.Patch(StatusPath(name), ""), IsProblem(400, "invalid request body: EOF"));
        CHECK_THAT(api.Patch(StatusPath(name), "{\"phase\""),
                   IsProblemStartingWith(400, "invalid request body: "));
        CHECK_THAT(api.PatchJson(StatusPath(name), json::object()),
                   IsProblem(400, "phase is required"));
        CHECK_THAT(api.PatchJson(StatusPath(name), {{"phase", ""}, {"reason", "R"}}),
                   IsProblem(400, "phase is required"));
        CHECK_THAT(api.PatchJson(StatusPath(name), {{"phase", "X"}}),
                   IsProblem(400, "invalid phase X" + invalid_suffix));
        CHECK_THAT(api.PatchJson(StatusPath(name), {{"phase", "running"}}),
                   IsProblem(400, "invalid phase running" + invalid_suffix));
        CHECK_THAT(
            api.PatchJson(StatusPath(name), {{"phase", "Running"}, {"observedGeneration", "1"}}),
            IsProblemWithAnyDetail(400));
      }
      CHECK_THAT(api.PatchJson(StatusPath("ghost"), {{"phase", "Running"}}),
                 IsProblem(404, "project not found: ghost: resource not found"));
      json p = MustGet(api, ProjectPath("p"));
      CHECK(p["status"] == json({{"phase", "Pending"}}));
      CHECK(Generation(p) == 1);
    }
  }
}

TEST_CASE("PATCH /api/v1/projects/{name}/status sets the phase and keeps the rest",
          "[project][patch]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      const json marker = {{"type", "NotReadyAt"},
                           {"status", "True"},
                           {"lastTransitionTime", "2025-01-01T12:00:00Z"},
                           {"reason", "NodeNotReady"},
                           {"message",
                            "Node went NotReady while project was Running; running "
                            "grace period clock started"}};
      json body = ProjectBodyInPhase("p", "Scheduled", "n1");
      body["status"]["conditions"] = json::array({marker});
      json created = MustCreateProject(api, body);

      // No reason or message: only the phase changes.
      HttpResponse r = api.PatchJson(StatusPath("p"), {{"phase", "Running"}});
      CHECK_THAT(r, HasStatus(204));
      CHECK(r.body.empty());
      json p = MustGet(api, ProjectPath("p"));
      CHECK(p["status"] ==
            json({{"phase", "Running"}, {"nodeRef", "n1"}, {"conditions", json::array({marker})}}));
      CHECK(ResourceVersion(p) != ResourceVersion(created));
      CHECK(Generation(p) == 1);
      CHECK(p["spec"] == created["spec"]);

      // A reason appends the Phase condition.
      REQUIRE_THAT(
          api.PatchJson(StatusPath("p"), {{"phase", "Failed"}, {"reason", "ContainerExited"}}),
          HasStatus(204));
      p = MustGet(api, ProjectPath("p"));
      CHECK(p["status"]["phase"] == "Failed");
      REQUIRE(p["status"]["conditions"].size() == 2);
      CHECK(p["status"]["conditions"][0] == marker);
      json phase = p["status"]["conditions"][1];
      CHECK(phase["type"] == "Phase");
      CHECK(phase["status"] == "True");
      CHECK(phase["reason"] == "ContainerExited");
      CHECK_FALSE(phase.contains("message"));
      CHECK(ParseTime(phase["lastTransitionTime"]) > ParseTime("2024-01-01T00:00:00Z"));

      // A message alone replaces the Phase condition wholesale.
      REQUIRE_THAT(api.PatchJson(StatusPath("p"), {{"phase", "Running"}, {"message", "back up"}}),
                   HasStatus(204));
      p = MustGet(api, ProjectPath("p"));
      REQUIRE(p["status"]["conditions"].size() == 2);
      phase = FindCondition(p, "Phase");
      CHECK(phase["status"] == "True");
      CHECK(phase["message"] == "back up");
      CHECK_FALSE(phase.contains("reason"));

      // Pending keeps the nodeRef.
      REQUIRE_THAT(api.PatchJson(StatusPath("p"), {{"phase", "Pending"}}), HasStatus(204));
      p = MustGet(api, ProjectPath("p"));
      CHECK(p["status"]["phase"] == "Pending");
      CHECK(p["status"]["nodeRef"] == "n1");
      CHECK(FindCondition(p, "Phase")["message"] == "back up");
    }
  }
}

// Any transition, as the original allowed, except out of Terminating: a
// deletion is left only for Terminated or a failed teardown (RemoveError),
// so a late report cannot undo it (docs/differences.md).
TEST_CASE("PATCH /api/v1/projects/{name}/status allows any transition but undoing a deletion",
          "[project][patch]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      MustCreateProject(api, ProjectBody("p"));
      for (const std::string phase :
           {"Terminated", "Running", "Pending", "Failed", "Scheduled", "Terminating"}) {
        INFO("to " << phase);
        CHECK_THAT(api.PatchJson(StatusPath("p"), {{"phase", phase}}), HasStatus(204));
        CHECK(MustGet(api, ProjectPath("p"))["status"]["phase"] == phase);
      }
      for (const std::string phase : {"Running", "Scheduled", "Pending", "Failed"}) {
        INFO("late " << phase << " while Terminating");
        CHECK_THAT(api.PatchJson(StatusPath("p"), {{"phase", phase}, {"reason", "Late"}}),
                   HasStatus(204));
        CHECK(MustGet(api, ProjectPath("p"))["status"]["phase"] == "Terminating");
      }
      CHECK_THAT(api.PatchJson(StatusPath("p"), {{"phase", "Failed"}, {"reason", "RemoveError"}}),
                 HasStatus(204));
      CHECK(MustGet(api, ProjectPath("p"))["status"]["phase"] == "Failed");
      CHECK_THAT(api.PatchJson(StatusPath("p"), {{"phase", "Terminating"}}), HasStatus(204));
      CHECK_THAT(api.PatchJson(StatusPath("p"), {{"phase", "Terminated"}}), HasStatus(204));
      CHECK(MustGet(api, ProjectPath("p"))["status"]["phase"] == "Terminated");
    }
  }
}

TEST_CASE("status.observedGeneration is set by the status PATCH only",
          "[project][patch][generation]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      json created = MustCreateProject(api, ProjectBodyInPhase("p", "Scheduled", "n1"));
      CHECK(At(created, "/status/observedGeneration").is_null());

      REQUIRE_THAT(api.PatchJson(StatusPath("p"), {{"phase", "Running"},
                                                   {"reason", "ContainersRunning"},
                                                   {"message", "All containers running"},
                                                   {"observedGeneration", 1}}),
                   HasStatus(204));
      json p = MustGet(api, ProjectPath("p"));
      CHECK(p["status"]["observedGeneration"] == 1);
      CHECK(p["status"]["phase"] == "Running");

      // A PATCH without it keeps it.
      REQUIRE_THAT(api.PatchJson(StatusPath("p"), {{"phase", "Running"}, {"reason", "X"}}),
                   HasStatus(204));
      CHECK(MustGet(api, ProjectPath("p"))["status"]["observedGeneration"] == 1);

      // A spec change bumps generation but not observedGeneration; a PUT body cannot set it.
      json put = ProjectBody("p", "nginx:2");
      put["status"] = {{"phase", "Running"}, {"observedGeneration", 2}};
      HttpResponse r = api.PutJson(ProjectPath("p"), put);
      if (r.status == 200) {
        CHECK(Generation(r.json) == 2);
        CHECK(r.json["status"]["observedGeneration"] == 1);
      } else {
        CHECK_THAT(r, IsProblemWithAnyDetail(400));
        REQUIRE_THAT(api.PutJson(ProjectPath("p"), ProjectBody("p", "nginx:2")), HasStatus(200));
      }
      p = MustGet(api, ProjectPath("p"));
      CHECK(Generation(p) == 2);
      CHECK(p["status"]["observedGeneration"] == 1);

      REQUIRE_THAT(
          api.PatchJson(StatusPath("p"), {{"phase", "Running"}, {"observedGeneration", 2}}),
          HasStatus(204));
      p = MustGet(api, ProjectPath("p"));
      CHECK(p["status"]["observedGeneration"] == 2);
      CHECK(Generation(p) == 2);
    }
  }
}

}  // namespace
}  // namespace cara::testing
