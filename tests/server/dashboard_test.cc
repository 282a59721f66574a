// The dashboard's files as cara-server serves them (HTTPS, tokens on): open
// without a token, typed, cached by ETag, locked down by a CSP, complete
// (every module a page imports is embedded), small; and GET /api/v1/whoami,
// which the page asks after sign-in, for each role.
#include <catch2/catch.hpp>

#include <regex>
#include <set>
#include <string>

#include "auth_test_util.h"
#include "server/dashboard_assets.h"

namespace cara::testing {
namespace {

using json = nlohmann::json;

std::string Header(const HttpResponse& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? "" : it->second;
}

TEST_CASE("dashboard: the page and its files load without a token, typed and locked down",
          "[dashboard]") {
  TestServer server("sqlite", AuthOn());
  TokenClient anonymous(server.url(), "");

  HttpResponse index = anonymous.Get("/ui/");
  REQUIRE_THAT(index, HasStatus(200));
  CHECK(Header(index, "Content-Type") == "text/html; charset=utf-8");
  CHECK(index.body.find("<script type=\"module\" src=\"app.js\">") != std::string::npos);
  const std::string csp = Header(index, "Content-Security-Policy");
  CHECK(csp.find("default-src 'none'") != std::string::npos);
  CHECK(csp.find("connect-src 'self'") != std::string::npos);
  CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(Header(index, "X-Content-Type-Options") == "nosniff");

  HttpResponse script = anonymous.Get("/ui/app.js");
  REQUIRE_THAT(script, HasStatus(200));
  CHECK(Header(script, "Content-Type") == "text/javascript; charset=utf-8");
  CHECK(Header(anonymous.Get("/ui/app.css"), "Content-Type") == "text/css; charset=utf-8");

  HttpResponse bare = anonymous.Get("/ui");
  CHECK_THAT(bare, HasStatus(301));
  CHECK(Header(bare, "Location") == "/ui/");

  CHECK_THAT(anonymous.Get("/ui/missing.js"), HasStatus(404));
  CHECK_THAT(anonymous.Get("/ui/..%2F..%2Fetc%2Fpasswd"), HasStatus(404));
  // The API stays closed.
  CHECK_THAT(anonymous.Get("/api/v1/projects"), HasStatus(401));
}

TEST_CASE("dashboard: an unchanged file is revalidated with its ETag for no body", "[dashboard]") {
  TestServer server("sqlite", AuthOn());
  HttpClient http(server.url());
  HttpResponse first = http.Get("/ui/app.js");
  REQUIRE_THAT(first, HasStatus(200));
  const std::string etag = Header(first, "ETag");
  REQUIRE(etag.size() == 18);  // a quoted 16-hex digest
  CHECK(Header(first, "Cache-Control") == "no-cache");

  HttpResponse again = http.Send("GET", "/ui/app.js", "", "", {{"If-None-Match", etag}});
  CHECK_THAT(again, HasStatus(304));
  CHECK(again.body.empty());
  HttpResponse stale = http.Send("GET", "/ui/app.js", "", "", {{"If-None-Match", "\"0\""}});
  CHECK_THAT(stale, HasStatus(200));
  CHECK(stale.body == first.body);
}

// Every `from "./x.js"` and every href/src in index.html names an embedded
// file, and all of them together stay far below the 300 KB first load.
TEST_CASE("dashboard: every file a page refers to is embedded, and all are small", "[dashboard]") {
  std::set<std::string> embedded;
  size_t total = 0;
  for (const server::DashboardAsset& asset : server::DashboardAssets()) {
    embedded.insert(asset.name);
    total += asset.body.size();
  }
  REQUIRE(embedded.count("index.html") == 1);
  REQUIRE(embedded.count("app.js") == 1);
  // `from "./x.js"`, `href="x.css"` or `src="x.js"`: group 1 is the file.
  const std::string pattern = R"re((?:from\s+"\./|(?:href|src)="))re"
                              R"re(([A-Za-z0-9_.-]+\.(?:js|css)))re";
  const std::regex reference(pattern);
  size_t references = 0;
  for (const server::DashboardAsset& asset : server::DashboardAssets()) {
    std::string body(asset.body);
    for (std::sregex_iterator it(body.begin(), body.end(), reference), end; it != end; ++it) {
      INFO(asset.name << " refers to " << (*it)[1]);
      CHECK(embedded.count((*it)[1]) == 1);
      ++references;
    }
  }
  CHECK(references >= embedded.size() - 1);  // each file but index.html is referred to
  CHECK(total < 150 * 1024);
}

TEST_CASE("whoami: each caller learns its own role, and nobody without a valid token",
          "[dashboard][auth]") {
  TestServer server("sqlite", AuthOn());
  TokenClient admin(server.url(), server.admin_token());
  json me = admin.Get("/api/v1/whoami").json;
  CHECK(me["kind"] == "WhoAmI");
  CHECK(me["role"] == "admin");
  CHECK_FALSE(me.contains("namePrefix"));

  TokenClient viewer(server.url(),
                     CreateToken(server, {{"role", "viewer"}, {"description", "wall"}}));
  me = viewer.Get("/api/v1/whoami").json;
  CHECK(me["role"] == "viewer");
  CHECK(me["description"] == "wall");
  CHECK(me["tokenId"].get<std::string>().size() == 12);

  TokenClient preview(
      server.url(),
      CreateToken(server, {{"role", "preview"}, {"namePrefix", "pr-"}, {"maxTTL", "72h"}}));
  me = preview.Get("/api/v1/whoami").json;
  CHECK(me["role"] == "preview");
  CHECK(me["namePrefix"] == "pr-");
  CHECK(me["maxTTL"] == "72h0m0s");

  HttpResponse nobody = TokenClient(server.url(), "").Get("/api/v1/whoami");
  CHECK_THAT(nobody, HasStatus(401));
  HttpResponse wrong = TokenClient(server.url(), "not-a-real-token").Get("/api/v1/whoami");
  CHECK_THAT(wrong, HasStatus(401));
  CHECK(wrong.json["detail"].get<std::string>().find("token") != std::string::npos);
}

}  // namespace
}  // namespace cara::testing
