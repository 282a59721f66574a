// The sync history and source suspension routes on both databases: the
// server sets a run's id and who (the caller's token id), bad bodies get a
// pointer per violation, source ids with '/' and ':' work in the path, and
// each role gets what it may.
#include <catch2/catch.hpp>

#include <algorithm>

#include "auth_test_util.h"
#include "net/percent_encoding.h"
#include "security/token.h"
#include "support/http_client.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

using nlohmann::json;

const std::string kSource = "https://git.example.com/ops.git//prod";

std::string SourcePath(const std::string& id) {
  return "/api/v1/sources/" + net::PercentEncode(id);
}

json RunBody(const std::string& project, const std::string& source = kSource) {
  return {
      {"source", source},
      {"commit", "0123456789abcdef0123456789abcdef01234567"},
      {"ref", "main"},
      {"startedAt", "2026-12-07T01:00:00Z"},
      {"finishedAt", "2026-12-07T01:00:02Z"},
      {"actions",
       {{{"action", "create"}, {"kind", "Project"}, {"name", project}, {"outcome", "Succeeded"}}}},
      {"result", "Succeeded"},
      {"planHash", std::string(64, 'a')}};
}

std::string IdOf(const std::string& token) {
  auto id = security::TokenId(token);
  REQUIRE(id.ok());
  return *id;
}

bool HasPointer(const HttpResponse& r, const std::string& pointer) {
  if (!r.json.contains("errors")) return false;
  const json& errors = r.json["errors"];
  return std::any_of(errors.begin(), errors.end(),
                     [&](const json& e) { return e.value("pointer", "") == pointer; });
}

TEST_CASE("syncruns: recorded with the caller's token id, listed by source, newest last",
          "[syncruns]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      const std::string deployer = CreateToken(server, {{"role", "deployer"}});
      TokenClient client(server.url(), deployer);

      HttpResponse first = client.Post("/api/v1/syncruns", RunBody("web"));
      REQUIRE_THAT(first, HasStatus(201));
      CHECK(first.json["who"] == IdOf(deployer));
      const std::string id = first.json["id"];
      CHECK_FALSE(id.empty());
      REQUIRE_THAT(client.Post("/api/v1/syncruns", RunBody("api", "/srv/other")), HasStatus(201));
      HttpResponse second = client.Post("/api/v1/syncruns", RunBody("shop"));
      REQUIRE_THAT(second, HasStatus(201));

      HttpResponse list = client.Get("/api/v1/syncruns?source=" + net::PercentEncode(kSource));
      REQUIRE_THAT(list, HasStatus(200));
      CHECK(list.json["kind"] == "SyncRunList");
      REQUIRE(list.json["items"].size() == 2);
      CHECK(list.json["items"][0]["id"] == id);
      CHECK(list.json["items"][1]["id"] == second.json["id"]);
      CHECK(client.Get("/api/v1/syncruns").json["items"].size() == 3);

      HttpResponse one = client.Get("/api/v1/syncruns/" + id);
      REQUIRE_THAT(one, HasStatus(200));
      CHECK(one.json["actions"][0]["name"] == "web");
      CHECK(one.json["planHash"] == std::string(64, 'a'));
      CHECK_THAT(client.Get("/api/v1/syncruns/nope"), HasStatus(404));
    }
  }
}

TEST_CASE("syncruns: a caller cannot name itself, every violation has its pointer", "[syncruns]") {
  TestServer server("sqlite");
  HttpClient api(server.url());
  json body = RunBody("web");
  body["who"] = "somebody-else";
  body["result"] = "Great";
  body["actions"][0].erase("kind");
  HttpResponse r = api.PostJson("/api/v1/syncruns", body);
  CHECK_THAT(r, HasStatus(400));
  CHECK(HasPointer(r, "/who"));
  CHECK(HasPointer(r, "/result"));
  CHECK(HasPointer(r, "/actions/0/kind"));
  CHECK(api.Get("/api/v1/syncruns").json["items"].empty());  // nothing was stored
}

TEST_CASE("sources: suspended and resumed through an encoded id, by the caller", "[syncruns]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      const std::string deployer = CreateToken(server, {{"role", "deployer"}});
      TokenClient client(server.url(), deployer);
      HttpResponse fresh = client.Get(SourcePath(kSource));
      REQUIRE_THAT(fresh, HasStatus(200));
      CHECK(fresh.json["id"] == kSource);
      CHECK(fresh.json["suspended"] == false);

      HttpResponse suspended = client.Call(
          "PUT", SourcePath(kSource), json{{"suspended", true}, {"reason", "rollback"}}.dump());
      REQUIRE_THAT(suspended, HasStatus(200));
      CHECK(suspended.json["by"] == IdOf(deployer));
      CHECK(suspended.json.contains("suspendedAt"));
      HttpResponse read = client.Get(SourcePath(kSource));
      CHECK(read.json["suspended"] == true);
      CHECK(read.json["reason"] == "rollback");

      HttpResponse by =
          client.Call("PUT", SourcePath(kSource), json{{"suspended", false}, {"by", "me"}}.dump());
      CHECK_THAT(by, HasStatus(400));
      CHECK(HasPointer(by, "/by"));
      CHECK(client.Get(SourcePath(kSource)).json["suspended"] == true);
      REQUIRE_THAT(client.Call("PUT", SourcePath(kSource), json{{"suspended", false}}.dump()),
                   HasStatus(200));
      CHECK(client.Get(SourcePath(kSource)).json["suspended"] == false);
    }
  }
}

TEST_CASE("syncruns and sources: viewers read, previews stay within their prefix, nodes nothing",
          "[syncruns]") {
  TestServer server("sqlite");
  TokenClient viewer(server.url(), CreateToken(server, {{"role", "viewer"}}));
  TokenClient preview(
      server.url(),
      CreateToken(server, {{"role", "preview"}, {"namePrefix", "pr-"}, {"maxTTL", "72h"}}));
  TokenClient admin(server.url(), server.admin_token());
  REQUIRE_THAT(admin.Post("/api/v1/syncruns", RunBody("shop")), HasStatus(201));

  CHECK_THAT(viewer.Get("/api/v1/syncruns"), HasStatus(200));
  CHECK_THAT(viewer.Get(SourcePath(kSource)), HasStatus(200));
  CHECK_THAT(viewer.Post("/api/v1/syncruns", RunBody("shop")), HasStatus(403));
  CHECK_THAT(viewer.Call("PUT", SourcePath(kSource), json{{"suspended", true}}.dump()),
             HasStatus(403));
  CHECK(admin.Get(SourcePath(kSource)).json["suspended"] == false);

  HttpResponse mine = preview.Post("/api/v1/syncruns", RunBody("pr-7"));
  REQUIRE_THAT(mine, HasStatus(201));
  CHECK_THAT(preview.Post("/api/v1/syncruns", RunBody("shop")), HasStatus(403));
  HttpResponse seen = preview.Get("/api/v1/syncruns");
  REQUIRE_THAT(seen, HasStatus(200));
  REQUIRE(seen.json["items"].size() == 1);
  CHECK(seen.json["items"][0]["id"] == mine.json["id"]);
  CHECK_THAT(preview.Get(SourcePath(kSource)), HasStatus(200));
  CHECK_THAT(preview.Call("PUT", SourcePath(kSource), json{{"suspended", true}}.dump()),
             HasStatus(403));
}

}  // namespace
}  // namespace cara::testing
