// The CI example (contrib/ci/github-actions.yml) gives the runner a preview
// token: it can deploy and delete the pull request's expiring preview and
// nothing else.
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>

#include "support/caractrl.h"
#include "support/http_client.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

std::string RenderedPreview(const std::string& pr) {
  std::ifstream in(std::string(CARA_SOURCE_DIR) + "/contrib/ci/preview.yaml.tmpl");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  REQUIRE(!text.empty());
  // What envsubst does in the workflow.
  text = std::regex_replace(text, std::regex(R"(\$\{PR_NUMBER\})"), pr);
  return std::regex_replace(text, std::regex(R"(\$\{IMAGE\})"), "ghcr.io/acme/web:pr-" + pr);
}

TEST_CASE("the CI workflow's preview token deploys and deletes only expiring previews",
          "[ci][auth]") {
  TestServer server("sqlite");
  HttpClient admin(server.url());
  // As the workflow's comment says to make it.
  auto created = admin.PostJson("/api/v1/tokens", {{"role", "preview"},
                                                   {"namePrefix", "web-pr-"},
                                                   {"maxTTL", "72h"},
                                                   {"description", "github previews"}});
  REQUIRE(created.status == 201);
  net::ClientCredentials ci{created.json["token"].get<std::string>(), {}};
  ci.tls.ca_file = server.ca_file();

  TempDir dir;
  std::ofstream(dir.path() + "/preview.yaml") << RenderedPreview("17");
  auto apply = RunCaractrlWith(server, ci,
                               {"apply", "-f", dir.path() + "/preview.yaml", "--expire-in", "72h"});
  INFO(apply.out << apply.err);
  CHECK(apply.exit_code == 0);
  CHECK(apply.out == "project/web-pr-17 created\n");
  CHECK(RunCaractrlWith(server, ci, {"get", "project", "web-pr-17"}).exit_code == 0);

  // Without --expire-in the same manifest would run forever: refused.
  std::ofstream(dir.path() + "/forever.yaml") << RenderedPreview("18");
  auto forever = RunCaractrlWith(server, ci, {"apply", "-f", dir.path() + "/forever.yaml"});
  CHECK(forever.exit_code == 1);
  CHECK_THAT(forever.err, Catch::Contains("spec.expireAt is required"));
  // Nor may it outlive the token's max TTL, or leave its prefix.
  auto too_long = RunCaractrlWith(
      server, ci, {"apply", "-f", dir.path() + "/forever.yaml", "--expire-in", "4d"});
  CHECK(too_long.exit_code == 1);
  CHECK(RunCaractrlWith(server, ci, {"delete", "project", "web"}).exit_code == 1);
  CHECK(RunCaractrlWith(server, ci, {"get", "nodes"}).exit_code == 1);
  CHECK(admin.Get("/api/v1/projects/web-pr-18").status == 404);

  auto deleted = RunCaractrlWith(server, ci, {"delete", "project", "web-pr-17"});
  INFO(deleted.err);
  CHECK(deleted.exit_code == 0);
}

}  // namespace
}  // namespace cara::testing
