// ExecutePlan against a real cara-server: an update planned before a status
// write (a heartbeat) is retried; one planned before somebody's edit is not.
#include "gitops/plan_executor.h"

#include <catch2/catch.hpp>

#include "cli/admin_connection.h"
#include "cli/api_client.h"
#include "cli/api_cluster_client.h"
#include "gitops/live_state.h"
#include "support/http_client.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

using nlohmann::json;

gitops::DesiredObject NodeManifest(const std::string& name, const std::string& zone) {
  json doc = {{"apiVersion", "caravanserai/v1"},
              {"kind", "Node"},
              {"metadata", {{"name", name}, {"labels", {{"zone", zone}}}}},
              {"spec", {{"hostname", name}}}};
  return {"Node", name, doc, "nodes.yaml:1"};
}

gitops::Plan PlanFor(cli::ApiClient& api_client, const gitops::DesiredObject& d) {
  cli::ApiClusterClient client(api_client);
  auto live = gitops::ListLiveState(client);
  REQUIRE(live.ok());
  gitops::PlanOptions o;
  o.now = SystemClock::Default()->Now();
  o.source_id = "/test";
  return gitops::ComputePlan({d}, *live, o);
}

}  // namespace

TEST_CASE("an update that lost a race with a heartbeat is sent again", "[plan_executor]") {
  TestServer server("sqlite");
  cli::ApiClient client(AdminConnection(server));
  HttpClient api(server.url());
  auto first = PlanFor(client, NodeManifest("n1", "a"));
  REQUIRE(gitops::ExecutePlan(cli::ConnectTo(AdminConnection(server)), first, 1, nullptr)[0]->ok);

  gitops::Plan plan = PlanFor(client, NodeManifest("n1", "b"));
  REQUIRE(plan.actions[0].type == gitops::ActionType::kUpdate);
  REQUIRE(api.Post("/api/v1/nodes/n1/heartbeat", "").status == 204);  // a newer version

  auto outcomes = gitops::ExecutePlan(cli::ConnectTo(AdminConnection(server)), plan, 1, nullptr);
  REQUIRE(outcomes[0]);
  INFO(outcomes[0]->message);
  CHECK(outcomes[0]->ok);
  CHECK(api.Get("/api/v1/nodes/n1").json["metadata"]["labels"]["zone"] == "b");
}

TEST_CASE("an update planned before somebody else's edit fails as a conflict", "[plan_executor]") {
  TestServer server("sqlite");
  cli::ApiClient client(AdminConnection(server));
  HttpClient api(server.url());
  REQUIRE(gitops::ExecutePlan(cli::ConnectTo(AdminConnection(server)),
                              PlanFor(client, NodeManifest("n1", "a")), 1, nullptr)[0]
              ->ok);

  gitops::Plan plan = PlanFor(client, NodeManifest("n1", "b"));
  json edited = api.Get("/api/v1/nodes/n1").json;
  edited["metadata"]["labels"]["zone"] = "by-hand";
  REQUIRE(api.PutJson("/api/v1/nodes/n1", edited).status == 200);

  auto outcomes = gitops::ExecutePlan(cli::ConnectTo(AdminConnection(server)), plan, 1, nullptr);
  REQUIRE(outcomes[0]);
  CHECK_FALSE(outcomes[0]->ok);
  CHECK(outcomes[0]->message.find("edited since it was planned; sync again") != std::string::npos);
  CHECK(api.Get("/api/v1/nodes/n1").json["metadata"]["labels"]["zone"] == "by-hand");
}

TEST_CASE("a set stop flag starts no new action", "[plan_executor]") {
  TestServer server("sqlite");
  cli::ApiClient client(AdminConnection(server));
  std::atomic<bool> stop{true};
  auto outcomes = gitops::ExecutePlan(cli::ConnectTo(AdminConnection(server)),
                                      PlanFor(client, NodeManifest("n1", "a")), 4, nullptr, &stop);
  CHECK_FALSE(outcomes[0].has_value());
  CHECK(HttpClient(server.url()).Get("/api/v1/nodes/n1").status == 404);
}

}  // namespace cara::testing
