// caractrl token create|list|revoke and caractrl audit, run as the real
// binary against a real cara-server in the secure default, as its admin.
#include <catch2/catch.hpp>

#include <regex>

#include <nlohmann/json.hpp>

#include "support/caractrl.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

TEST_CASE("token create prints the token once: list and revoke manage it", "[cli][token]") {
  TestServer server("sqlite");
  auto created =
      RunCaractrl(server, {"token", "create", "--role", "preview", "--ttl", "30d", "--name-prefix",
                           "pr-", "--max-ttl", "72h", "--description", "ci previews"});
  INFO(created.err);
  REQUIRE(created.exit_code == 0);
  std::smatch m;
  const std::regex token_line("cara_([0-9a-f]{12})_[0-9a-f]{64}\n");
  REQUIRE(std::regex_match(created.out, m, token_line));
  const std::string id = m[1];
  CHECK(created.err.find("not shown again") != std::string::npos);
  CHECK(created.err.find("caractrl token revoke " + id) != std::string::npos);

  auto table = RunCaractrl(server, {"token", "list"});
  INFO(table.out);
  REQUIRE(table.exit_code == 0);
  // The server's own tokens (its join and admin tokens), then the new one.
  CHECK(table.out.rfind("ID             ROLE      DESCRIPTION              PREFIX   MAX-TTL   "
                        "EXPIRES   AGE\n",
                        0) == 0);
  const std::string admin_id = server.admin_token().substr(5, 12);
  CHECK(table.out.find(admin_id + "   admin     admin token (start-up)   <none>   <none>    "
                                  "<never>") != std::string::npos);
  CHECK(table.out.find(id + "   preview   ci previews              pr-      72h0m0s   in 29d") !=
        std::string::npos);
  CHECK(table.out.find(created.out.substr(18, 64)) == std::string::npos);
  CHECK(table.out.find(server.admin_token().substr(18, 64)) == std::string::npos);

  auto json_out = RunCaractrl(server, {"token", "list", "-o", "json"});
  REQUIRE(json_out.exit_code == 0);
  auto list = nlohmann::json::parse(json_out.out);
  REQUIRE(list["items"].size() == 3);
  CHECK(list["items"][2]["id"] == id);
  CHECK(RunCaractrl(server, {"token", "list", "-o", "yaml"}).out.find("namePrefix: pr-") !=
        std::string::npos);

  auto revoked = RunCaractrl(server, {"token", "revoke", id});
  CHECK(revoked.exit_code == 0);
  CHECK(revoked.out == "token \"" + id + "\" revoked\n");
  auto again = RunCaractrl(server, {"token", "revoke", id});
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("token not found") != std::string::npos);
  auto after = RunCaractrl(server, {"token", "list", "-o", "name"});
  CHECK(after.out.rfind("token/", 0) == 0);
  CHECK(after.exit_code == 0);
  CHECK(after.out.find(id) == std::string::npos);
  CHECK(after.out.find(admin_id) != std::string::npos);
}

TEST_CASE("token create reports the server's refusal of bad fields", "[cli][token]") {
  TestServer server("sqlite");
  auto r = RunCaractrl(server, {"token", "create", "--role", "preview"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("/namePrefix") != std::string::npos);
  CHECK(RunCaractrl(server, {"token", "create"}).exit_code == 2);  // --role is required
}

TEST_CASE("audit shows the writes, newest last", "[cli][audit]") {
  TestServer server("sqlite");
  REQUIRE(RunCaractrl(server, {"token", "create", "--role", "viewer"}).exit_code == 0);
  auto table = RunCaractrl(server, {"audit"});
  INFO(table.err);
  INFO(table.out);
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.rfind("TIME", 0) == 0);
  CHECK(table.out.find(server.admin_token().substr(5, 12) +
                       "   admin   admin token (start-up)   POST     /api/v1/tokens   201") !=
        std::string::npos);
  auto json_out = RunCaractrl(server, {"audit", "-o", "json", "--limit", "1"});
  REQUIRE(json_out.exit_code == 0);
  CHECK(nlohmann::json::parse(json_out.out)["items"].size() == 1);
}

}  // namespace
}  // namespace cara::testing
