// The token API and the audit trail over real HTTP, and the real
// cara-server binary's admin token: generated once (0600), kept across
// restarts, and never in a log line.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

#include "api_test_util.h"
#include "auth_test_util.h"
#include "security/token.h"
#include "server/token_issuer.h"
#include "support/cara_server_binary.h"
#include "support/eventually.h"
#include "support/file_contents.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace cara::testing {
namespace {

const std::string kTokens = "/api/v1/tokens";

TEST_CASE("Token create shows the token once: list shows neither tokens nor hashes",
          "[auth][tokens]") {
  TestServer server("sqlite", AuthOn());
  TokenClient admin(server.url(), server.admin_token());
  // The server's own: the admin token and the join token.
  const size_t own = admin.Get(kTokens).json["items"].size();
  REQUIRE(own == 2);
  HttpResponse created = admin.Post(kTokens, {{"role", "preview"},
                                              {"description", "ci previews"},
                                              {"ttl", "30d"},
                                              {"namePrefix", "pr-"},
                                              {"maxTTL", "72h"}});
  REQUIRE_THAT(created, HasStatus(201));
  const std::string token = created.json["token"];
  CHECK(security::TokenId(token).ok());
  CHECK(created.json["id"] == token.substr(5, 12));
  CHECK(created.json["role"] == "preview");
  CHECK(created.json["maxTTL"] == "72h0m0s");
  CHECK(ParseTime(created.json["expiresAt"]) - ParseTime(created.json["createdAt"]) ==
        std::chrono::hours(24 * 30));

  HttpResponse listed = admin.Get(kTokens);
  REQUIRE_THAT(listed, HasStatus(200));
  CHECK(listed.json["kind"] == "TokenList");
  REQUIRE(listed.json["items"].size() == own + 1);
  CHECK(listed.body.find(token) == std::string::npos);
  CHECK(listed.body.find(security::TokenSha256(token)) == std::string::npos);
  CHECK(listed.body.find("sha256") == std::string::npos);
  const json& newest = listed.json["items"][own];
  CHECK(newest["id"] == created.json["id"]);
  CHECK(newest["namePrefix"] == "pr-");
  CHECK(newest["description"] == "ci previews");

  CHECK_THAT(admin.Delete(kTokens + "/" + created.json["id"].get<std::string>()), HasStatus(204));
  CHECK_THAT(admin.Delete(kTokens + "/" + created.json["id"].get<std::string>()),
             IsProblemStartingWith(404, "token not found"));
  CHECK(admin.Get(kTokens).json["items"].size() == own);
}

TEST_CASE("Token create refuses bad fields with their JSON pointers, storing nothing",
          "[auth][tokens]") {
  TestServer server("sqlite", AuthOn());
  TokenClient admin(server.url(), server.admin_token());
  const size_t own = admin.Get(kTokens).json["items"].size();
  struct BadRequest {
    json body;
    std::vector<std::string> pointers;
  } cases[] = {
      {{{"role", "preview"}}, {"/namePrefix", "/maxTTL"}},
      {{{"role", "preview"}, {"namePrefix", "PR_"}, {"maxTTL", "1h"}}, {"/namePrefix"}},
      {{{"role", "node"}}, {"/role"}},
      {{{"role", "root"}}, {"/role"}},
      {json::object(), {"/role"}},
      {{{"role", "viewer"}, {"ttl", "forever"}}, {"/ttl"}},
      {{{"role", "viewer"}, {"ttl", "-1h"}}, {"/ttl"}},
      {{{"role", "deployer"}, {"namePrefix", "pr-"}}, {"/namePrefix"}},
      {{{"role", "viewer"}, {"description", 7}}, {"/description"}},
  };
  for (const auto& c : cases) {
    INFO(c.body.dump());
    HttpResponse r = admin.Post(kTokens, c.body);
    CHECK_THAT(r, IsProblemStartingWith(400, "invalid token request"));
    CHECK(ProblemErrorPointers(r) == c.pointers);
  }
  CHECK_THAT(admin.Call("POST", kTokens, "[1"), HasStatus(400));
  CHECK(admin.Get(kTokens).json["items"].size() == own);
}

TEST_CASE("Every successful write leaves an audit record naming its token: heartbeats do not",
          "[auth][audit]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      server::ServerOptions options = AuthOn();
      options.audit_retention = 4;
      TestServer server(backend, options);
      TokenClient admin(server.url(), server.admin_token());
      HttpResponse made = admin.Post(kTokens, {{"role", "deployer"}, {"description", "cd bot"}});
      REQUIRE_THAT(made, HasStatus(201));
      TokenClient deployer(server.url(), made.json["token"].get<std::string>());
      REQUIRE_THAT(admin.Post(kNodes, NodeBody("n1")), HasStatus(201));
      auto node = server::IssueNodeToken(server.store(), "n1", SystemClock::Default()->Now());
      REQUIRE(node.ok());
      TokenClient agent(server.url(), node->token);
      REQUIRE_THAT(agent.Post(HeartbeatPath("n1"), json::object()), HasStatus(204));
      REQUIRE_THAT(deployer.Post(kProjects, ProjectBody("web")), HasStatus(201));
      REQUIRE_THAT(deployer.Post(kProjects, ProjectBody("web")), HasStatus(409));  // failed
      REQUIRE_THAT(deployer.Delete(ProjectPath("web")), HasStatus(204));

      HttpResponse audit = admin.Get("/api/v1/audit");
      REQUIRE_THAT(audit, HasStatus(200));
      const json& items = audit.json["items"];
      REQUIRE(items.size() == 4);
      CHECK(items[0]["path"] == kTokens);
      CHECK(items[0]["name"] == made.json["id"]);
      CHECK(items[1]["path"] == kNodes);
      CHECK(items[2]["method"] == "POST");
      CHECK(items[2]["kind"] == "projects");
      CHECK(items[2]["name"] == "web");
      CHECK(items[2]["status"] == 201);
      CHECK(items[2]["tokenId"] == made.json["id"]);
      CHECK(items[2]["description"] == "cd bot");
      CHECK(items[2]["role"] == "deployer");
      CHECK(items[3]["method"] == "DELETE");
      CHECK(audit.body.find(made.json["token"].get<std::string>()) == std::string::npos);
      CHECK(admin.Get("/api/v1/audit?limit=1").json["items"].size() == 1);
      CHECK_THAT(admin.Get("/api/v1/audit?limit=0"), HasStatus(400));

      // The bound: older records go as new ones come.
      REQUIRE_THAT(deployer.Post(kProjects, ProjectBody("api")), HasStatus(201));
      const json kept = admin.Get("/api/v1/audit").json["items"];
      REQUIRE(kept.size() == 4);
      CHECK(kept[0]["path"] == kNodes);
      CHECK(kept[3]["name"] == "api");
    }
  }
}

// ---- the real binary ----------------------------------------------------------

// cara-server on SQLite in `data_dir`, without controllers, logging at debug
// level (so every request line is there to be searched for secrets).
struct Server : CaraServerBinary {
  Server(const std::string& data_dir, std::vector<std::string> flags,
         const std::map<std::string, std::string>& env, const std::string& log)
      : CaraServerBinary(data_dir, WithDebug(std::move(flags)), env, log) {}
  static std::vector<std::string> WithDebug(std::vector<std::string> flags) {
    flags.insert(flags.begin(), {"--debug", "--no-controllers"});
    return flags;
  }
};

TEST_CASE("cara-server writes an admin token once, keeps it across restarts, logs no token",
          "[auth][process]") {
  TempDir tmp;
  const std::string data = tmp.path() + "/data";
  const std::map<std::string, std::string> env = {{"DATABASE_URL", ""}, {"CARA_ADMIN_TOKEN", ""}};
  const std::string first_log = TestLogPath("cara-server-first");
  const std::string second_log = TestLogPath("cara-server-second");
  std::string admin_token, viewer_token;
  {
    Server server(data, {}, env, first_log);
    CHECK(ModeOf(data) == 0700);
    CHECK(ModeOf(data + "/admin.token") == 0600);
    admin_token = ReadAll(data + "/admin.token");
    while (!admin_token.empty() && admin_token.back() == '\n') admin_token.pop_back();
    REQUIRE(security::TokenId(admin_token).ok());
    CHECK_THAT(TokenClient(server.url(), "").Get(kNodes), HasStatus(401));
    TokenClient admin(server.url(), admin_token);
    CHECK_THAT(admin.Get(kNodes), HasStatus(200));
    HttpResponse made = admin.Post(kTokens, {{"role", "viewer"}});
    REQUIRE_THAT(made, HasStatus(201));
    viewer_token = made.json["token"];
  }
  {
    Server server(data, {}, env, second_log);
    CHECK(ReadAll(data + "/admin.token") == admin_token + "\n");
    CHECK_THAT(TokenClient(server.url(), admin_token).Get(kNodes), HasStatus(200));
    CHECK_THAT(TokenClient(server.url(), viewer_token).Get(kNodes), HasStatus(200));
    CHECK_THAT(TokenClient(server.url(), viewer_token).Get(kTokens), HasStatus(403));
  }
  for (const std::string& log : {first_log, second_log}) {
    const std::string text = ReadAll(log);
    INFO(text);
    CHECK(text.find("path=/api/v1/tokens") != std::string::npos);  // the requests were logged
    CHECK(text.find(admin_token) == std::string::npos);
    CHECK(text.find(viewer_token) == std::string::npos);
    CHECK(text.find(admin_token.substr(18)) == std::string::npos);  // nor the secret alone
  }
}

TEST_CASE("cara-server takes the admin token from CARA_ADMIN_TOKEN or --admin-token-file",
          "[auth][process]") {
  TempDir tmp;
  auto fresh = security::GenerateToken();
  REQUIRE(fresh.ok());
  const std::string env_log = TestLogPath("cara-server-env");
  const std::string file_log = TestLogPath("cara-server-file");
  const std::string open_log = TestLogPath("cara-server-open");
  {
    Server server(tmp.path() + "/a", {}, {{"DATABASE_URL", ""}, {"CARA_ADMIN_TOKEN", fresh->token}},
                  env_log);
    CHECK_THAT(TokenClient(server.url(), fresh->token).Get(kTokens), HasStatus(200));
    CHECK_FALSE(std::ifstream(tmp.path() + "/a/admin.token").good());
  }
  std::ofstream(tmp.path() + "/token") << fresh->token << "\n";
  {
    Server server(tmp.path() + "/b", {"--admin-token-file", tmp.path() + "/token"},
                  {{"DATABASE_URL", ""}, {"CARA_ADMIN_TOKEN", ""}}, file_log);
    CHECK_THAT(TokenClient(server.url(), fresh->token).Get(kTokens), HasStatus(200));
  }
  {
    Server server(tmp.path() + "/c", {"--no-auth"},
                  {{"DATABASE_URL", ""}, {"CARA_ADMIN_TOKEN", ""}}, open_log);
    CHECK_THAT(TokenClient(server.url(), "").Get(kTokens), HasStatus(200));
  }
  CHECK(ReadAll(open_log).find("authentication is off") != std::string::npos);
  CHECK(ReadAll(env_log).find(fresh->token.substr(18)) == std::string::npos);
}

}  // namespace
}  // namespace cara::testing
