// Authentication and authorization over real HTTP: every route, method and
// role against a server with tokens required (401 vs 403 vs allowed), the
// preview and node restrictions, revocation and expiry.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>

#include "api_test_util.h"
#include "auth_test_util.h"
#include "server/token_issuer.h"
#include "support/eventually.h"
#include "support/fake_clock.h"

namespace cara::testing {
namespace {

using namespace std::chrono_literals;

// Tokens of each role on `server`: admin, deployer, viewer, preview
// (prefix "pr-", maxTTL 72h) and node (bound to n1).
std::map<std::string, std::string> RoleTokens(TestServer& server) {
  std::map<std::string, std::string> tokens;
  tokens["admin"] = server.admin_token();
  tokens["deployer"] = CreateToken(server, {{"role", "deployer"}, {"description", "cd"}});
  tokens["viewer"] = CreateToken(server, {{"role", "viewer"}});
  tokens["preview"] =
      CreateToken(server, {{"role", "preview"}, {"namePrefix", "pr-"}, {"maxTTL", "72h"}});
  auto node = server::IssueNodeToken(server.store(), "n1", SystemClock::Default()->Now());
  REQUIRE(node.ok());
  tokens["node"] = node->token;
  return tokens;
}

// Nodes n1 and n2, project "web" on n2 and "mine" on n1.
void Populate(TestServer& server) {
  TokenClient admin(server.url(), server.admin_token());
  REQUIRE_THAT(admin.Post(kNodes, NodeBody("n1")), HasStatus(201));
  REQUIRE_THAT(admin.Post(kNodes, NodeBody("n2")), HasStatus(201));
  REQUIRE_THAT(admin.Post(kProjects, ProjectBodyInPhase("web", "Scheduled", "n2")), HasStatus(201));
  REQUIRE_THAT(admin.Post(kProjects, ProjectBodyInPhase("mine", "Scheduled", "n1")),
               HasStatus(201));
}

struct RouteCase {
  std::string method;
  std::string path;
  std::string body;
  std::string allowed;  // the roles that get past authorization, space-separated
};

const std::string kAll = "admin deployer viewer preview node";

std::vector<RouteCase> RouteCases() {
  const std::string patch = json{{"phase", "Running"}}.dump();
  return {
      {"GET", kNodes, "", "admin deployer viewer"},
      {"GET", NodePath("n1"), "", "admin deployer viewer node"},
      {"GET", NodePath("n2"), "", "admin deployer viewer"},
      {"POST", kNodes, NodeBody("n1").dump(), "admin node"},  // 409 for both: exists
      {"POST", kNodes, NodeBody("n3").dump(), "admin"},
      {"PUT", NodePath("n2"), NodeBody("n2").dump(), "admin deployer"},
      {"POST", HeartbeatPath("n1"), "{}", "admin node"},
      {"POST", HeartbeatPath("n2"), "{}", "admin"},
      {"DELETE", NodePath("ghost"), "", "admin"},
      {"GET", kProjects, "", kAll},
      {"GET", ProjectPath("web"), "", "admin deployer viewer"},
      {"GET", ProjectPath("mine"), "", "admin deployer viewer node"},
      {"POST", kProjects, ProjectBody("x").dump(), "admin deployer"},
      {"PUT", ProjectPath("ghost"), ProjectBody("ghost").dump(), "admin deployer"},
      {"DELETE", ProjectPath("ghost"), "", "admin deployer"},
      {"PATCH", StatusPath("web"), patch, "admin"},
      {"PATCH", StatusPath("mine"), patch, "admin node"},
      {"GET", "/api/v1/tokens", "", "admin"},
      {"POST", "/api/v1/tokens", json{{"role", "viewer"}}.dump(), "admin"},
      {"DELETE", "/api/v1/tokens/000000000000", "", "admin"},
      {"GET", "/api/v1/audit", "", "admin"},
      {"GET", "/metrics", "", kAll},
      // Reaching into containers: a node not even for its own projects, a
      // viewer reads logs but opens no tunnel. (Without service= or an
      // upgrade, allowed callers get a 400 before any agent is called.)
      {"GET", "/api/v1/projects/web/logs", "", "admin deployer viewer"},
      {"GET", "/api/v1/projects/mine/logs", "", "admin deployer viewer"},
      {"GET", "/api/v1/projects/pr-x/logs", "", "admin deployer viewer preview"},
      {"GET", "/api/v1/projects/web/portforward", "", "admin deployer"},
      {"GET", "/api/v1/projects/mine/portforward", "", "admin deployer"},
      {"GET", "/api/v1/projects/pr-x/portforward", "", "admin deployer preview"},
  };
}

bool Allowed(const RouteCase& c, const std::string& role) {
  return (" " + c.allowed + " ").find(" " + role + " ") != std::string::npos;
}

TEST_CASE("Every route answers 401 without a valid token, 403 to a role it refuses",
          "[auth][api]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend, AuthOn());
      Populate(server);
      auto tokens = RoleTokens(server);
      const std::string unknown = "cara_000000000000_" + std::string(64, '0');
      for (const RouteCase& c : RouteCases()) {
        for (const std::string& bad : {std::string(), unknown, std::string("not-a-token")}) {
          INFO(c.method << " " << c.path << " with token '" << bad << "'");
          HttpResponse r = TokenClient(server.url(), bad).Call(c.method, c.path, c.body);
          CHECK_THAT(r, IsProblemStartingWith(401, "authentication required"));
          CHECK(r.header("WWW-Authenticate") == "Bearer");
          CHECK(r.body.find(bad.empty() ? "\x01" : bad) == std::string::npos);
        }
        for (const auto& [role, token] : tokens) {
          INFO(role << " " << c.method << " " << c.path);
          HttpResponse r = TokenClient(server.url(), token).Call(c.method, c.path, c.body);
          if (Allowed(c, role)) {
            CHECK(r.status != 401);
            CHECK(r.status != 403);
          } else {
            CHECK_THAT(r, IsProblemStartingWith(403, "forbidden: role " + role + " may not "));
          }
          CHECK(r.body.find(token) == std::string::npos);
        }
      }
    }
  }
}

TEST_CASE("Health, readiness and version stay open", "[auth][api]") {
  TestServer server("sqlite", AuthOn());
  TokenClient anonymous(server.url(), "");
  CHECK_THAT(anonymous.Get("/api/healthz"), HasStatus(200));
  CHECK_THAT(anonymous.Get("/api/readyz"), HasStatus(200));
  CHECK_THAT(anonymous.Get("/api/version"), HasStatus(200));
}

TEST_CASE("A preview token runs nothing permanent and nothing outside its prefix", "[auth][api]") {
  TestServer server("sqlite", AuthOn());
  TokenClient admin(server.url(), server.admin_token());
  REQUIRE_THAT(admin.Post(kProjects, ProjectBody("web")), HasStatus(201));
  TokenClient preview(
      server.url(),
      CreateToken(server, {{"role", "preview"}, {"namePrefix", "pr-"}, {"maxTTL", "72h"}}));

  json forever = ProjectBody("pr-1");
  CHECK_THAT(preview.Post(kProjects, forever), IsProblemContaining(403, "spec.expireAt"));
  json too_long = ProjectBody("pr-1");
  too_long["spec"]["expireAt"] = TimeFromNow(73h);
  CHECK_THAT(preview.Post(kProjects, too_long), IsProblemContaining(403, "at most 72h0m0s"));
  json outside = ProjectBody("web-2");
  outside["spec"]["expireAt"] = TimeFromNow(1h);
  CHECK_THAT(preview.Post(kProjects, outside), IsProblemContaining(403, "\"pr-\""));
  // The cluster's Secrets in an image of its choice: refused, unless the
  // Secret is its own (under the prefix).
  json steal = ProjectBody("pr-1");
  steal["spec"]["expireAt"] = TimeFromNow(1h);
  steal["spec"]["services"][0]["env"] = json::array(
      {{{"name", "P"}, {"valueFrom", {{"secretKeyRef", {{"name", "db"}, {"key", "password"}}}}}}});
  CHECK_THAT(preview.Post(kProjects, steal),
             IsProblemContaining(403, "env may read only Secrets whose name starts with"));
  json ok = ProjectBody("pr-1");
  ok["spec"]["expireAt"] = TimeFromNow(71h);
  ok["spec"]["services"][0]["env"] = json::array(
      {{{"name", "P"}, {"valueFrom", {{"secretKeyRef", {{"name", "pr-1-db"}, {"key", "p"}}}}}}});
  CHECK_THAT(preview.Post(kProjects, ok), HasStatus(201));

  CHECK(ItemNames(preview.Get(kProjects)) == std::vector<std::string>{"pr-1"});
  CHECK(ItemNames(preview.Get(kProjects + "?namePrefix=w")) == std::vector<std::string>{"pr-1"});
  CHECK_THAT(preview.Get(ProjectPath("web")), HasStatus(403));
  CHECK_THAT(preview.Delete(ProjectPath("web")), HasStatus(403));
  CHECK_THAT(admin.Get(ProjectPath("web")), HasStatus(200));  // untouched
  CHECK_THAT(preview.Delete(ProjectPath("pr-1")), HasStatus(204));
}

TEST_CASE("A node token acts on its own node and the projects placed on it only", "[auth][api]") {
  TestServer server("sqlite", AuthOn());
  Populate(server);
  auto issued = server::IssueNodeToken(server.store(), "n1", SystemClock::Default()->Now());
  REQUIRE(issued.ok());
  TokenClient node(server.url(), issued->token);
  TokenClient admin(server.url(), server.admin_token());

  CHECK_THAT(node.Post(HeartbeatPath("n1"), json::object()), HasStatus(204));
  CHECK_THAT(node.Post(HeartbeatPath("n2"), json::object()),
             IsProblemContaining(403, "acts only on node n1"));
  CHECK_THAT(node.Call("PUT", NodePath("n2"), NodeBody("n2").dump()), HasStatus(403));
  CHECK(ItemNames(node.Get(kProjects)) == std::vector<std::string>{"mine"});
  CHECK(ItemNames(node.Get(kProjects + "?nodeRef=n2")) == std::vector<std::string>{"mine"});
  CHECK_THAT(node.Get(ProjectPath("web")), IsProblemContaining(403, "not assigned to n1"));
  const std::string running = json{{"phase", "Running"}}.dump();
  CHECK_THAT(node.Call("PATCH", StatusPath("web"), running), HasStatus(403));
  CHECK_THAT(node.Call("PATCH", StatusPath("mine"), running), HasStatus(204));
  CHECK(admin.Get(ProjectPath("web")).json["status"]["phase"] == "Scheduled");
  CHECK(admin.Get(ProjectPath("mine")).json["status"]["phase"] == "Running");
}

TEST_CASE("A revoked token fails at once here and within a second on another replica",
          "[auth][api][postgres]") {
  TestServer first("postgres", AuthOn());
  server::ServerOptions same_admin = AuthOn();
  same_admin.admin_token = first.admin_token();
  TestServer second(first.database_url(), same_admin);
  HttpResponse created =
      TokenClient(first.url(), first.admin_token()).Post("/api/v1/tokens", {{"role", "viewer"}});
  REQUIRE_THAT(created, HasStatus(201));
  const std::string token = created.json["token"];
  const std::string id = created.json["id"];
  TokenClient on_first(first.url(), token), on_second(second.url(), token);
  REQUIRE(Eventually([&] { return on_second.Get(kNodes).status == 200; }, 1s));
  CHECK_THAT(on_first.Get(kNodes), HasStatus(200));

  REQUIRE_THAT(TokenClient(first.url(), first.admin_token()).Delete("/api/v1/tokens/" + id),
               HasStatus(204));
  CHECK_THAT(on_first.Get(kNodes), IsProblemStartingWith(401, "authentication required"));
  CHECK(Eventually([&] { return on_second.Get(kNodes).status == 401; }, 1s));
}

TEST_CASE("An expired token gets 401 the moment the clock passes its expiry", "[auth][api]") {
  FakeClock clock(SystemClock::Default()->Now());
  TestControllers controllers;
  controllers.clock = &clock;
  TestServer server("sqlite", AuthOn(), &controllers);
  TokenClient viewer(server.url(), CreateToken(server, {{"role", "viewer"}, {"ttl", "1h"}}));
  CHECK_THAT(viewer.Get(kNodes), HasStatus(200));
  clock.Advance(59min);
  CHECK_THAT(viewer.Get(kNodes), HasStatus(200));
  clock.Advance(1min);
  CHECK_THAT(viewer.Get(kNodes), IsProblemContaining(401, "has expired"));
}

}  // namespace
}  // namespace cara::testing
