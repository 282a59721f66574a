// The event routes over HTTPS with tokens: what each role may post and
// see, folding through the API, bad bodies and filters, and the events the
// controllers write -- on transitions only -- as the routes serve them.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "api_test_util.h"
#include "auth_test_util.h"
#include "server/token_issuer.h"
#include "support/eventually.h"
#include "support/fake_clock.h"

namespace cara::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

const std::string kEvents = "/api/v1/events";

json EventBody(const std::string& kind, const std::string& name, const std::string& node,
               const std::string& reason = "Pulled") {
  return {{"involvedObject", {{"kind", kind}, {"name", name}}},
          {"reason", reason},
          {"message", "web: pulled image a:1"},
          {"type", "Normal"},
          {"source", {{"component", "cara-agent"}, {"node", node}}}};
}

std::string NodeToken(TestServer& server, const std::string& node) {
  auto issued = server::IssueNodeToken(server.store(), node, SystemClock::Default()->Now());
  REQUIRE(issued.ok());
  return issued->token;
}

// "Reason object" of each listed event, in list order.
std::vector<std::string> Listed(TokenClient& client, const std::string& query = "") {
  HttpResponse r = client.Get(kEvents + query);
  REQUIRE_THAT(r, HasStatus(200));
  REQUIRE(r.json["kind"] == "EventList");
  std::vector<std::string> out;
  for (const json& e : r.json["items"]) {
    out.push_back(e["reason"].get<std::string>() + " " +
                  e["involvedObject"]["name"].get<std::string>());
  }
  return out;
}

TEST_CASE("A node posts events about itself and its projects only, and repeats fold",
          "[events][api]") {
  TestServer server("sqlite", AuthOn());
  TokenClient admin(server.url(), server.admin_token());
  REQUIRE_THAT(admin.Post(kNodes, NodeBody("n1")), HasStatus(201));
  REQUIRE_THAT(admin.Post(kProjects, ProjectBodyInPhase("mine", "Scheduled", "n1")),
               HasStatus(201));
  REQUIRE_THAT(admin.Post(kProjects, ProjectBodyInPhase("theirs", "Scheduled", "n2")),
               HasStatus(201));
  TokenClient node(server.url(), NodeToken(server, "n1"));

  HttpResponse first = node.Post(kEvents, EventBody("Project", "mine", "n1"));
  REQUIRE_THAT(first, HasStatus(201));
  CHECK(first.json["count"] == 1);
  CHECK(first.json["metadata"]["name"].get<std::string>().rfind("project.mine.", 0) == 0);
  HttpResponse again = node.Post(kEvents, EventBody("Project", "mine", "n1"));
  REQUIRE_THAT(again, HasStatus(200));
  CHECK(again.json["count"] == 2);
  CHECK(again.json["metadata"]["name"] == first.json["metadata"]["name"]);
  CHECK_THAT(node.Post(kEvents, EventBody("Node", "n1", "n1", "NodeReady")), HasStatus(201));

  CHECK_THAT(node.Post(kEvents, EventBody("Project", "theirs", "n1")),
             IsProblemContaining(403, "reports only on node n1"));
  CHECK_THAT(node.Post(kEvents, EventBody("Node", "n2", "n1")),
             IsProblemContaining(403, "reports only on node n1"));
  CHECK_THAT(node.Post(kEvents, EventBody("Project", "mine", "n2")),
             IsProblemContaining(403, "source.node must be n1"));
  CHECK_THAT(node.Get(kEvents), HasStatus(403));
  TokenClient deployer(server.url(), CreateToken(server, {{"role", "deployer"}}));
  CHECK_THAT(deployer.Post(kEvents, EventBody("Project", "mine", "n1")), HasStatus(403));

  json bad = EventBody("Project", "mine", "n1", "pulled image");
  bad["type"] = "Error";
  HttpResponse rejected = admin.Post(kEvents, bad);
  REQUIRE_THAT(rejected, IsProblemStartingWith(400, "invalid request body: "));
  std::vector<std::string> pointers;
  for (const json& e : rejected.json["errors"]) pointers.push_back(e["pointer"]);
  CHECK(pointers == std::vector<std::string>{"/reason", "/type"});

  CHECK(Listed(admin) == std::vector<std::string>{"Pulled mine", "NodeReady n1"});
  CHECK(Listed(admin, "?involvedObject=node/n1") == std::vector<std::string>{"NodeReady n1"});
  CHECK_THAT(admin.Get(kEvents + "?involvedObject=secret/x"),
             IsProblemContaining(400, "invalid involvedObject: expected project/NAME"));
}

TEST_CASE("A preview token sees only the events of projects under its prefix", "[events][api]") {
  TestServer server("sqlite", AuthOn());
  TokenClient admin(server.url(), server.admin_token());
  for (const auto& [kind, name] : std::vector<std::pair<std::string, std::string>>{
           {"Project", "pr-1"}, {"Project", "prod"}, {"Node", "pr-node"}}) {
    REQUIRE_THAT(admin.Post(kEvents, EventBody(kind, name, "n1")), HasStatus(201));
  }
  TokenClient preview(
      server.url(),
      CreateToken(server, {{"role", "preview"}, {"namePrefix", "pr-"}, {"maxTTL", "72h"}}));
  CHECK(Listed(preview) == std::vector<std::string>{"Pulled pr-1"});
  // Asking for another object does not widen the view.
  CHECK(Listed(preview, "?involvedObject=project/prod").empty());
  TokenClient viewer(server.url(), CreateToken(server, {{"role", "viewer"}}));
  CHECK(Listed(viewer).size() == 3);
  CHECK_THAT(viewer.Post(kEvents, EventBody("Project", "prod", "n1")), HasStatus(403));
  CHECK_THAT(preview.Post(kEvents, EventBody("Project", "pr-1", "n1")), HasStatus(403));
}

TEST_CASE("An events filter naming no possible object is a 400 on both stores, not a store error",
          "[events][api]") {
  for (const char* backend : {"sqlite", "postgres"}) {
    INFO(backend);
    TestServer server(backend, AuthOn());
    TokenClient admin(server.url(), server.admin_token());
    REQUIRE_THAT(admin.Post(kEvents, EventBody("Project", "pr-1", "n1")), HasStatus(201));
    // Not UTF-8: PostgreSQL would refuse it as a query parameter.
    CHECK_THAT(admin.Get(kEvents + "?involvedObject=node/%C3"),
               IsProblemContaining(400, "invalid involvedObject: name"));
    CHECK_THAT(admin.Get(kEvents + "?involvedObject=project/PR-1"),
               IsProblemContaining(400, "is invalid: must consist of lowercase"));
    CHECK_THAT(admin.Get(kEvents + "?namePrefix=%FF"),
               IsProblemContaining(400, "invalid namePrefix"));
    CHECK(Listed(admin, "?namePrefix=pr-") == std::vector<std::string>{"Pulled pr-1"});
    CHECK(Listed(admin, "?involvedObject=project/pr-1") == std::vector<std::string>{"Pulled pr-1"});
  }
}

// A server running its controllers on a fake clock, once they run (a
// transition written before would make no event).
struct WithControllers {
  WithControllers() {
    REQUIRE(Eventually([&] { return server.leading(); }));
  }
  static TestControllers On(Clock* clock) {
    TestControllers controllers;
    controllers.clock = clock;
    return controllers;
  }
  FakeClock clock{SystemClock::Default()->Now()};
  TestControllers controllers = On(&clock);
  TestServer server{"sqlite", AuthOn(), &controllers};
  TokenClient admin{server.url(), server.admin_token()};
};

TEST_CASE("An expired preview gets an Expired event, served by the events route",
          "[events][api][controllers]") {
  WithControllers c;
  FakeClock& clock = c.clock;
  TokenClient& admin = c.admin;
  json body = ProjectBody("pr-7");
  body["spec"]["expireAt"] = FormatRfc3339(clock.Now() + 10min);
  REQUIRE_THAT(admin.Post(kProjects, body), HasStatus(201));
  // No node: the scheduler says why, once.
  REQUIRE(Eventually([&] { return !Listed(admin, "?involvedObject=project/pr-7").empty(); }));
  clock.Advance(10min + 1s);
  REQUIRE(Eventually([&] { return admin.Get(ProjectPath("pr-7")).status == 404; }));
  REQUIRE(Eventually([&] {
    return Listed(admin, "?involvedObject=project/pr-7") ==
           std::vector<std::string>{"Unschedulable pr-7", "Expired pr-7"};
  }));
  HttpResponse r = admin.Get(kEvents + "?involvedObject=project/pr-7");
  const json& expired = r.json["items"][1];
  CHECK(expired["source"]["component"] == "cara-server");
  CHECK(expired["message"].get<std::string>().find("has passed") != std::string::npos);
  CHECK(expired["count"] == 1);
}

TEST_CASE("Heartbeats write no event, the state changes they cause do",
          "[events][api][controllers]") {
  WithControllers c;
  FakeClock& clock = c.clock;
  TestServer& server = c.server;
  TokenClient& admin = c.admin;
  REQUIRE_THAT(admin.Post(kNodes, NodeBody("n1")), HasStatus(201));
  TokenClient node(server.url(), NodeToken(server, "n1"));
  REQUIRE_THAT(node.Post(HeartbeatPath("n1"), {{"state", "Ready"}}), HasStatus(204));
  REQUIRE(Eventually([&] { return Listed(admin) == std::vector<std::string>{"NodeReady n1"}; }));
  for (int i = 0; i < 5; ++i) {
    clock.Advance(1s);
    REQUIRE_THAT(node.Post(HeartbeatPath("n1"), {{"state", "Ready"}}), HasStatus(204));
  }
  // A marker behind the heartbeats: once its event is in, any event the
  // heartbeats caused would be too.
  json drained = NodeBody("n1");
  drained["spec"] = {{"unschedulable", true}};
  REQUIRE_THAT(admin.Call("PUT", NodePath("n1"), drained.dump()), HasStatus(200));
  REQUIRE(Eventually([&] { return Listed(admin).size() >= 2; }));
  CHECK(Listed(admin) == std::vector<std::string>{"NodeReady n1", "Drained n1"});
  HttpResponse r = admin.Get(kEvents + "?involvedObject=node/n1");
  CHECK(r.json["items"][0]["count"] == 1);
}

}  // namespace
}  // namespace cara::testing
