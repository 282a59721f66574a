// Black-box tests of the Node routes of cara-server (the original's behaviour
// plus our differences: resourceVersion/generation, spec-driven drain,
// the Ready condition on heartbeats, schema validation). Every test runs on
// every store backend.
#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "api_test_util.h"

namespace cara::testing {
namespace {

using namespace std::chrono_literals;

const std::string kInvalidNameSuffix =
    " is invalid: must consist of lowercase alphanumeric characters, hyphens (-) or dots (.), "
    "and must start and end with an alphanumeric character";

// ---- POST /api/v1/nodes --------------------------------------------------------

TEST_CASE("POST /api/v1/nodes creates a node and returns it as stored", "[node][create]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      HttpResponse r = api.PostJson(kNodes, NodeBody("n1"));
      REQUIRE_THAT(r, HasStatus(201));
      CHECK_THAT(r.content_type(), Catch::StartsWith("application/json"));
      REQUIRE(r.has_json);
      const json& node = r.json;
      CHECK(node["apiVersion"] == "caravanserai/v1");
      CHECK(node["kind"] == "Node");
      CHECK(node["metadata"]["name"] == "n1");
      CHECK(node["spec"]["hostname"] == "n1");
      CHECK(node["status"]["state"] == "NotReady");
      CHECK(Generation(node) == 1);
      CHECK_FALSE(ResourceVersion(node).empty());
      CHECK(ParseTime(node["metadata"]["createdAt"]) > ParseTime("2024-01-01T00:00:00Z"));
      CHECK(node["metadata"].contains("updatedAt"));
      // A fresh node has never posted a heartbeat.
      CHECK(At(node, "/status/lastHeartbeat").is_null());

      // Envelope key order: apiVersion, kind, metadata, spec, status.
      auto ordered = nlohmann::ordered_json::parse(r.body);
      std::vector<std::string> keys;
      for (auto it = ordered.begin(); it != ordered.end(); ++it) keys.push_back(it.key());
      CHECK(keys == std::vector<std::string>{"apiVersion", "kind", "metadata", "spec", "status"});

      // The stored object is what was returned.
      CHECK(MustGet(api, NodePath("n1")) == node);
    }
  }
}

TEST_CASE("POST /api/v1/nodes fills in a missing apiVersion and kind", "[node][create]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      json node = MustCreateNode(api, {{"metadata", {{"name", "bare"}}}});
      CHECK(node["apiVersion"] == "caravanserai/v1");
      CHECK(node["kind"] == "Node");
      CHECK(node["status"]["state"] == "NotReady");
    }
  }
}

TEST_CASE("POST /api/v1/nodes rejects a body of another kind", "[node][create][schema]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      json body = NodeBody("n1");
      body["kind"] = "Project";
      HttpResponse r = api.PostJson(kNodes, body);
      CHECK_THAT(r, IsProblemContaining(400, "kind"));
      CHECK_THAT(api.Get(NodePath("n1")), HasStatus(404));
    }
  }
}

TEST_CASE("POST /api/v1/nodes overwrites client timestamps and keeps the supplied status",
          "[node][create]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      const json status = {
          {"state", "Ready"},
          {"network",
           {{"ip", "10.0.0.5"},
            {"dnsName", "n1.example.org"},
            {"mode", "Direct"},
            {"agentPort", 9090}}},
          {"capacity", {{"cpu", "4000m"}, {"memory", "8192Mi"}}},
          {"allocatable", {{"cpu", "3500m"}, {"memory", "7680Mi"}}},
          {"info",
           {{"kernelVersion", "Linux 6.1.0"},
            {"osImage", "Debian GNU/Linux 12 (bookworm)"},
            {"agentVersion", "0.1.0"}}},
          {"lastHeartbeat", "2025-01-01T12:00:30Z"},
          {"conditions", json::array({{{"type", "Ready"},
                                       {"status", "True"},
                                       {"lastTransitionTime", "2025-01-01T12:00:00Z"},
                                       {"reason", "AgentReady"},
                                       {"message", "Agent is healthy and posting heartbeats"}}})}};
      json body = NodeBodyWithStatus("n1", status);
      body["metadata"]["createdAt"] = "2001-02-03T04:05:06Z";
      body["metadata"]["updatedAt"] = "2001-02-03T04:05:06Z";

      json node = MustCreateNode(api, body);
      CHECK(node["metadata"]["createdAt"] != "2001-02-03T04:05:06Z");
      CHECK(ParseTime(node["metadata"]["createdAt"]) > ParseTime("2024-01-01T00:00:00Z"));
      CHECK(ParseTime(node["metadata"]["updatedAt"]) > ParseTime("2024-01-01T00:00:00Z"));
      CHECK(node["status"] == status);
      CHECK(MustGet(api, NodePath("n1"))["status"] == status);
    }
  }
}

TEST_CASE("POST /api/v1/nodes defaults an empty state to NotReady", "[node][create]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      json node = MustCreateNode(
          api, NodeBodyWithStatus("n1", {{"network", {{"ip", "10.0.0.7"}, {"agentPort", 9090}}}}));
      CHECK(node["status"]["state"] == "NotReady");
      CHECK(node["status"]["network"]["ip"] == "10.0.0.7");
      CHECK(node["status"]["network"]["agentPort"] == 9090);
    }
  }
}

TEST_CASE("POST /api/v1/nodes answers 409 for a taken name and keeps the original",
          "[node][create]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      json original = MustCreateNode(api, NodeBody("n1"));
      json again = NodeBody("n1");
      again["spec"]["hostname"] = "other";
      CHECK_THAT(api.PostJson(kNodes, again),
                 IsProblem(409, "node already exists: n1: resource already exists"));
      CHECK(MustGet(api, NodePath("n1")) == original);
    }
  }
}

TEST_CASE("POST /api/v1/nodes rejects undecodable bodies", "[node][create][validation]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      CHECK_THAT(api.Post(kNodes, ""), IsProblem(400, "invalid request body: EOF"));
      CHECK_THAT(api.Post(kNodes, "  \n"), IsProblem(400, "invalid request body: EOF"));
      CHECK_THAT(api.Post(kNodes, "{\"metadata\":"),
                 IsProblemStartingWith(400, "invalid request body: "));
      CHECK_THAT(api.Post(kNodes, "not json"),
                 IsProblemStartingWith(400, "invalid request body: "));
      CHECK_THAT(api.Post(kNodes, "[1,2]"), IsProblemWithAnyDetail(400));
      CHECK(ListNames(api, kNodes).empty());
    }
  }
}

TEST_CASE("POST /api/v1/nodes validates metadata.name", "[node][create][validation]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      SECTION("a missing or empty name") {
        CHECK_THAT(api.PostJson(kNodes, json::object()),
                   IsProblem(400, "metadata.name is required"));
        CHECK_THAT(api.PostJson(kNodes, {{"metadata", json::object()}}),
                   IsProblem(400, "metadata.name is required"));
        CHECK_THAT(api.PostJson(kNodes, NodeBody("")), IsProblem(400, "metadata.name is required"));
      }
      SECTION("a name longer than 253 bytes: first 20 characters quoted") {
        CHECK_THAT(api.PostJson(kNodes, NodeBody(std::string(254, 'a'))),
                   IsProblem(400,
                             "name \"aaaaaaaaaaaaaaaaaaaa...\" is 254 characters long: "
                             "must be no more than 253 characters"));
        // The length check comes before the pattern check.
        CHECK_THAT(
            api.PostJson(kNodes, NodeBody("ABCDEFGHIJKLMNOPQRSTUVWXYZ" + std::string(300, 'x'))),
            IsProblem(400,
                      "name \"ABCDEFGHIJKLMNOPQRST...\" is 326 characters long: "
                      "must be no more than 253 characters"));
      }
      SECTION("a name of exactly 253 bytes is accepted") {
        std::string name = std::string(252, 'a') + "z";
        CHECK(MustCreateNode(api, NodeBody(name))["metadata"]["name"] == name);
      }
      SECTION("names that do not match the pattern, quoted like Go's %q") {
        const std::vector<std::pair<std::string, std::string>> cases = {
            {"Node1", "\"Node1\""},
            {"-abc", "\"-abc\""},
            {"abc-", "\"abc-\""},
            {".abc", "\".abc\""},
            {"abc.", "\"abc.\""},
            {"a_b", "\"a_b\""},
            {"a b", "\"a b\""},
            {"a\"b", "\"a\\\"b\""},
            {"a\\b", "\"a\\\\b\""},
            {"a\tb", "\"a\\tb\""},
            {"a\nb", "\"a\\nb\""},
            {"a\x01z", "\"a\\x01z\""},
            // Exactly 40 characters: shown whole.
            {"X" + std::string(39, 'b'), "\"X" + std::string(39, 'b') + "\""},
            // Longer than 40: the first 40 then "...".
            {"X" + std::string(44, 'b'), "\"X" + std::string(39, 'b') + "...\""},
        };
        for (const auto& [name, quoted] : cases) {
          INFO("name " << json(name).dump());
          CHECK_THAT(api.PostJson(kNodes, NodeBody(name)),
                     IsProblem(400, "name " + quoted + kInvalidNameSuffix));
        }
        CHECK(ListNames(api, kNodes).empty());
      }
      SECTION("single characters and dots anywhere in the middle are valid") {
        for (const std::string name : {"a", "7", "a..b", "a.-b", "1.2.3", "x-y.z"}) {
          INFO("name " << name);
          CHECK_THAT(api.PostJson(kNodes, NodeBody(name)), HasStatus(201));
        }
        CHECK(ListNames(api, kNodes) ==
              std::vector<std::string>{"a", "7", "a..b", "a.-b", "1.2.3", "x-y.z"});
      }
    }
  }
}

TEST_CASE("POST /api/v1/nodes validates the body against the Node schema",
          "[node][create][schema]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      SECTION("an unknown field in spec") {
        json body = NodeBody("n1");
        body["spec"]["unschedulabel"] = true;
        CHECK_THAT(api.PostJson(kNodes, body), IsSchemaProblem("/spec/unschedulabel"));
      }
      SECTION("an unknown top-level field") {
        json body = NodeBody("n1");
        body["extra"] = 1;
        CHECK_THAT(api.PostJson(kNodes, body), IsSchemaProblem("/extra"));
      }
      SECTION("a capacity that is no quantity") {
        json body = NodeBody("n1");
        body["status"]["capacity"] = {{"cpu", "99999999999999999999"}};
        CHECK_THAT(api.PostJson(kNodes, body), IsSchemaProblem("/status/capacity/cpu"));
        CHECK_THAT(api.Get(NodePath("n1")), HasStatus(404));
      }
      SECTION("a wrong type") {
        json body = NodeBody("n1");
        body["spec"]["unschedulable"] = "yes";
        CHECK_THAT(api.PostJson(kNodes, body), IsSchemaProblem("/spec/unschedulable"));
      }
      SECTION("a non-string resource quantity") {
        json body = NodeBodyWithStatus("n1", {{"capacity", {{"cpu", 4}}}});
        CHECK_THAT(api.PostJson(kNodes, body), IsSchemaProblem("/status/capacity/cpu"));
      }
      SECTION("a bad state enum") {
        CHECK_THAT(api.PostJson(kNodes, NodeBodyWithStatus("n1", {{"state", "Bogus"}})),
                   IsSchemaProblem("/status/state"));
      }
      SECTION("a bad network mode enum") {
        json body = NodeBodyWithStatus("n1", {{"network", {{"mode", "Tunnel"}}}});
        CHECK_THAT(api.PostJson(kNodes, body), IsSchemaProblem("/status/network/mode"));
      }
      SECTION("a bad timestamp") {
        CHECK_THAT(api.PostJson(kNodes, NodeBodyWithStatus("n1", {{"lastHeartbeat", "yesterday"}})),
                   IsSchemaProblem("/status/lastHeartbeat"));
      }
      SECTION("several violations are all listed") {
        json body = NodeBody("n1");
        body["spec"]["foo"] = 1;
        body["status"] = {{"state", "Bogus"}};
        HttpResponse r = api.PostJson(kNodes, body);
        CHECK_THAT(r, IsSchemaProblem("/spec/foo"));
        CHECK_THAT(r, IsSchemaProblem("/status/state"));
      }
      SECTION("the reference's name checks come first") {
        json body = NodeBody("Bad_Name");
        body["spec"]["foo"] = 1;
        CHECK_THAT(api.PostJson(kNodes, body),
                   IsProblem(400, "name \"Bad_Name\"" + kInvalidNameSuffix));
      }
      CHECK(ListNames(api, kNodes).empty());
    }
  }
}

// ---- GET ----------------------------------------------------------------------------

TEST_CASE("GET /api/v1/nodes lists nodes in creation order", "[node][list]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      HttpResponse empty = api.Get(kNodes);
      REQUIRE_THAT(empty, HasStatus(200));
      CHECK_THAT(empty.content_type(), Catch::StartsWith("application/json"));
      // The list's resourceVersion, to watch from (see watch_api_test.cc).
      REQUIRE(empty.json["metadata"]["resourceVersion"].is_string());
      CHECK(empty.json == json({{"apiVersion", "caravanserai/v1"},
                                {"kind", "NodeList"},
                                {"metadata", empty.json["metadata"]},
                                {"items", json::array()}}));

      for (const std::string name : {"zeta", "alpha", "mid"}) MustCreateNode(api, NodeBody(name));
      // An update must not move a node in the list.
      json changed = NodeBody("zeta");
      changed["spec"]["hostname"] = "zeta-2";
      REQUIRE_THAT(api.PutJson(NodePath("zeta"), changed), HasStatus(200));
      REQUIRE_THAT(api.Post(HeartbeatPath("zeta"), ""), HasStatus(204));

      HttpResponse list = api.Get(kNodes);
      REQUIRE_THAT(list, HasStatus(200));
      CHECK(list.json["apiVersion"] == "caravanserai/v1");
      CHECK(list.json["kind"] == "NodeList");
      CHECK(ItemNames(list) == std::vector<std::string>{"zeta", "alpha", "mid"});
      // Items are whole objects, as GET returns them.
      CHECK(list.json["items"][0] == MustGet(api, NodePath("zeta")));
    }
  }
}

TEST_CASE("GET /api/v1/nodes/{name} answers 404 for an unknown node", "[node][get]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      CHECK_THAT(api.Get(NodePath("n1")), IsProblem(404, "node not found: n1: resource not found"));
      MustCreateNode(api, NodeBody("n1"));
      CHECK_THAT(api.Get(NodePath("n2")), IsProblem(404, "node not found: n2: resource not found"));
    }
  }
}

// ---- PUT /api/v1/nodes/{name} ----------------------------------------------------------

TEST_CASE("PUT /api/v1/nodes/{name} replaces spec, labels and annotations, not status",
          "[node][put]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      json body = NodeBodyWithStatus("n1", {{"network", {{"ip", "10.0.0.5"}}}});
      body["metadata"]["labels"] = {{"zone", "a"}};
      body["metadata"]["annotations"] = {{"note", "x"}};
      json created = MustCreateNode(api, body);

      json put = {{"metadata", {{"name", "n1"}, {"labels", {{"rack", "r2"}}}}},
                  {"spec", {{"hostname", "host-2"}}},
                  {"status", {{"state", "Ready"}, {"network", {{"ip", "10.9.9.9"}}}}}};
      HttpResponse r = api.PutJson(NodePath("n1"), put);
      REQUIRE_THAT(r, HasStatus(200));
      CHECK_THAT(r.content_type(), Catch::StartsWith("application/json"));
      const json& node = r.json;
      CHECK(node["apiVersion"] == "caravanserai/v1");
      CHECK(node["kind"] == "Node");
      CHECK(node["spec"] == json({{"hostname", "host-2"}}));
      CHECK(node["metadata"]["labels"] == json({{"rack", "r2"}}));
      CHECK(At(node, "/metadata/annotations").is_null());
      CHECK(node["metadata"]["createdAt"] == created["metadata"]["createdAt"]);
      // The body's status is ignored.
      CHECK(node["status"] == created["status"]);
      CHECK(ResourceVersion(node) != ResourceVersion(created));
      CHECK(MustGet(api, NodePath("n1")) == node);
    }
  }
}

TEST_CASE("PUT /api/v1/nodes/{name} takes the name from the path", "[node][put]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      MustCreateNode(api, NodeBody("n1"));

      SECTION("a body with an empty name") {
        HttpResponse r = api.PutJson(NodePath("n1"),
                                     {{"metadata", {{"name", ""}}}, {"spec", {{"hostname", "h"}}}});
        REQUIRE_THAT(r, HasStatus(200));
        CHECK(r.json["metadata"]["name"] == "n1");
        CHECK(r.json["spec"]["hostname"] == "h");
      }
      SECTION("a body without metadata") {
        HttpResponse r = api.PutJson(NodePath("n1"), {{"spec", {{"hostname", "h"}}}});
        REQUIRE_THAT(r, HasStatus(200));
        CHECK(r.json["metadata"]["name"] == "n1");
        CHECK(r.json["spec"]["hostname"] == "h");
      }
      SECTION("a body naming another node") {
        json body = NodeBody("x");
        CHECK_THAT(api.PutJson(NodePath("n1"), body),
                   IsProblem(400, "metadata.name \"x\" does not match URL path \"n1\""));
        CHECK(MustGet(api, NodePath("n1"))["spec"]["hostname"] == "n1");
      }
      SECTION("the path name is not re-validated") {
        CHECK_THAT(api.PutJson(NodePath("Bad_Name"), NodeBody("Bad_Name")),
                   IsProblem(404, "node not found: Bad_Name: resource not found"));
      }
    }
  }
}

TEST_CASE("PUT /api/v1/nodes/{name} error paths", "[node][put][validation]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      CHECK_THAT(api.PutJson(NodePath("ghost"), NodeBody("ghost")),
                 IsProblem(404, "node not found: ghost: resource not found"));
      // Body checks come before the existence check.
      CHECK_THAT(api.Put(NodePath("ghost"), ""), IsProblem(400, "invalid request body: EOF"));
      CHECK_THAT(api.PutJson(NodePath("ghost"), NodeBody("x")),
                 IsProblem(400, "metadata.name \"x\" does not match URL path \"ghost\""));
      MustCreateNode(api, NodeBody("n1"));
      CHECK_THAT(api.Put(NodePath("n1"), ""), IsProblem(400, "invalid request body: EOF"));
      CHECK_THAT(api.Put(NodePath("n1"), "{\"spec\": {"),
                 IsProblemStartingWith(400, "invalid request body: "));
      json unknown = NodeBody("n1");
      unknown["spec"]["drain"] = true;
      CHECK_THAT(api.PutJson(NodePath("n1"), unknown), IsSchemaProblem("/spec/drain"));
      json wrong_type = NodeBody("n1");
      wrong_type["spec"]["hostname"] = 42;
      CHECK_THAT(api.PutJson(NodePath("n1"), wrong_type), IsSchemaProblem("/spec/hostname"));
      // The mismatch check comes before the schema.
      json mismatch = NodeBody("other");
      mismatch["spec"]["drain"] = true;
      CHECK_THAT(api.PutJson(NodePath("n1"), mismatch),
                 IsProblem(400, "metadata.name \"other\" does not match URL path \"n1\""));
      CHECK(MustGet(api, NodePath("n1"))["metadata"]["generation"] == 1);
    }
  }
}

TEST_CASE("PUT /api/v1/nodes/{name} honours metadata.resourceVersion", "[node][put][rv]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      json created = MustCreateNode(api, NodeBody("n1"));
      const std::string rv1 = ResourceVersion(created);

      // Without a resourceVersion the PUT is unconditional.
      json first = NodeBody("n1");
      first["spec"]["hostname"] = "h2";
      HttpResponse r2 = api.PutJson(NodePath("n1"), first);
      REQUIRE_THAT(r2, HasStatus(200));
      const std::string rv2 = ResourceVersion(r2.json);
      CHECK(rv2 != rv1);

      // A stale resourceVersion conflicts and changes nothing.
      json stale = NodeBody("n1");
      stale["metadata"]["resourceVersion"] = rv1;
      stale["spec"]["hostname"] = "h3";
      HttpResponse conflict = api.PutJson(NodePath("n1"), stale);
      CHECK_THAT(conflict,
                 IsProblemStartingWith(409, "operation conflicts with current resource state: "));
      CHECK_THAT(conflict, IsProblemContaining(409, rv1));
      CHECK_THAT(conflict, IsProblemContaining(409, rv2));
      json after = MustGet(api, NodePath("n1"));
      CHECK(after["spec"]["hostname"] == "h2");
      CHECK(ResourceVersion(after) == rv2);

      // The current resourceVersion is accepted.
      json current = NodeBody("n1");
      current["metadata"]["resourceVersion"] = rv2;
      current["spec"]["hostname"] = "h4";
      HttpResponse r3 = api.PutJson(NodePath("n1"), current);
      REQUIRE_THAT(r3, HasStatus(200));
      CHECK(r3.json["spec"]["hostname"] == "h4");
      CHECK(ResourceVersion(r3.json) != rv2);

      // A heartbeat is a write too: the version read before it is now stale.
      const std::string rv3 = ResourceVersion(r3.json);
      REQUIRE_THAT(api.Post(HeartbeatPath("n1"), ""), HasStatus(204));
      const std::string rv4 = ResourceVersion(MustGet(api, NodePath("n1")));
      CHECK(rv4 != rv3);
      current["metadata"]["resourceVersion"] = rv3;
      current["spec"]["hostname"] = "h5";
      CHECK_THAT(api.PutJson(NodePath("n1"), current),
                 IsProblemStartingWith(409, "operation conflicts with current resource state: "));
    }
  }
}

TEST_CASE("Node metadata.generation counts spec changes only", "[node][generation]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      json body = NodeBody("n1");
      CHECK(Generation(MustCreateNode(api, body)) == 1);

      // Heartbeats change status only.
      REQUIRE_THAT(api.PostJson(HeartbeatPath("n1"), {{"state", "Ready"}}), HasStatus(204));
      CHECK(Generation(MustGet(api, NodePath("n1"))) == 1);

      // An identical spec keeps the generation.
      HttpResponse same = api.PutJson(NodePath("n1"), body);
      REQUIRE_THAT(same, HasStatus(200));
      CHECK(Generation(same.json) == 1);

      // Labels are metadata, not spec.
      json labelled = body;
      labelled["metadata"]["labels"] = {{"team", "infra"}};
      HttpResponse lab = api.PutJson(NodePath("n1"), labelled);
      REQUIRE_THAT(lab, HasStatus(200));
      CHECK(Generation(lab.json) == 1);

      json changed = labelled;
      changed["spec"]["hostname"] = "h2";
      HttpResponse r = api.PutJson(NodePath("n1"), changed);
      REQUIRE_THAT(r, HasStatus(200));
      CHECK(Generation(r.json) == 2);

      changed["spec"]["unschedulable"] = true;
      r = api.PutJson(NodePath("n1"), changed);
      REQUIRE_THAT(r, HasStatus(200));
      CHECK(Generation(r.json) == 3);
      CHECK(Generation(MustGet(api, NodePath("n1"))) == 3);
    }
  }
}

// ---- drain ---------------------------------------------------------------------------

TEST_CASE("Creating a node with spec.unschedulable makes it Draining", "[node][drain]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      json plain = NodeBody("n1");
      plain["spec"]["unschedulable"] = true;
      CHECK(MustCreateNode(api, plain)["status"]["state"] == "Draining");

      json ready = NodeBodyWithStatus(
          "n2", {{"state", "Ready"}, {"lastHeartbeat", TimeFromNow(-std::chrono::seconds(5))}});
      ready["spec"]["unschedulable"] = true;
      CHECK(MustCreateNode(api, ready)["status"]["state"] == "Draining");
      CHECK(MustGet(api, NodePath("n2"))["status"]["state"] == "Draining");
    }
  }
}

TEST_CASE("PUT spec.unschedulable drains a node at once and clearing it restores the state",
          "[node][drain]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      SECTION("fresh heartbeat: back to Ready") {
        TestServer server(backend);
        HttpClient api(server.url());
        MustCreateNode(api, NodeBodyWithStatus(
                                "n1", {{"state", "Ready"}, {"lastHeartbeat", TimeFromNow(-10s)}}));
        json drain = NodeBody("n1");
        drain["spec"]["unschedulable"] = true;
        HttpResponse r = api.PutJson(NodePath("n1"), drain);
        REQUIRE_THAT(r, HasStatus(200));
        CHECK(r.json["status"]["state"] == "Draining");
        CHECK(MustGet(api, NodePath("n1"))["status"]["state"] == "Draining");

        json undrain = NodeBody("n1");
        undrain["spec"]["unschedulable"] = false;
        r = api.PutJson(NodePath("n1"), undrain);
        REQUIRE_THAT(r, HasStatus(200));
        CHECK(r.json["status"]["state"] == "Ready");
        CHECK(MustGet(api, NodePath("n1"))["status"]["state"] == "Ready");
      }
      SECTION("a heartbeat posted while draining counts as fresh") {
        TestServer server(backend);
        HttpClient api(server.url());
        json drain = NodeBody("n1");
        drain["spec"]["unschedulable"] = true;
        MustCreateNode(api, drain);
        REQUIRE_THAT(api.PostJson(HeartbeatPath("n1"), {{"state", "Ready"}}), HasStatus(204));
        HttpResponse r = api.PutJson(NodePath("n1"), NodeBody("n1"));  // unschedulable omitted
        REQUIRE_THAT(r, HasStatus(200));
        CHECK(r.json["status"]["state"] == "Ready");
      }
      SECTION("stale heartbeat: NotReady") {
        TestServer server(backend);
        HttpClient api(server.url());
        json drain = NodeBodyWithStatus(
            "n1", {{"state", "Ready"}, {"lastHeartbeat", TimeFromNow(-std::chrono::hours(2))}});
        drain["spec"]["unschedulable"] = true;
        CHECK(MustCreateNode(api, drain)["status"]["state"] == "Draining");
        HttpResponse r = api.PutJson(NodePath("n1"), NodeBody("n1"));
        REQUIRE_THAT(r, HasStatus(200));
        CHECK(r.json["status"]["state"] == "NotReady");
      }
      SECTION("never heartbeated: NotReady") {
        TestServer server(backend);
        HttpClient api(server.url());
        json drain = NodeBody("n1");
        drain["spec"]["unschedulable"] = true;
        MustCreateNode(api, drain);
        HttpResponse r = api.PutJson(NodePath("n1"), NodeBody("n1"));
        REQUIRE_THAT(r, HasStatus(200));
        CHECK(r.json["status"]["state"] == "NotReady");
      }
      SECTION("ServerOptions.node_heartbeat_timeout decides what is fresh") {
        server::ServerOptions options;
        options.node_heartbeat_timeout = std::chrono::hours(24);
        TestServer server(backend, options);
        HttpClient api(server.url());
        json drain = NodeBodyWithStatus(
            "n1", {{"state", "NotReady"}, {"lastHeartbeat", TimeFromNow(-std::chrono::hours(2))}});
        drain["spec"]["unschedulable"] = true;
        MustCreateNode(api, drain);
        HttpResponse r = api.PutJson(NodePath("n1"), NodeBody("n1"));
        REQUIRE_THAT(r, HasStatus(200));
        CHECK(r.json["status"]["state"] == "Ready");
      }
    }
  }
}

TEST_CASE("A PUT that leaves spec.unschedulable alone does not change the state", "[node][drain]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      MustCreateNode(api, NodeBodyWithStatus(
                              "ready", {{"state", "Ready"}, {"lastHeartbeat", TimeFromNow(-2h)}}));
      MustCreateNode(api, NodeBody("down"));
      json put = NodeBody("ready");
      put["spec"]["hostname"] = "renamed";
      HttpResponse r = api.PutJson(NodePath("ready"), put);
      REQUIRE_THAT(r, HasStatus(200));
      CHECK(r.json["status"]["state"] == "Ready");
      put = NodeBody("down");
      put["spec"]["hostname"] = "renamed";
      r = api.PutJson(NodePath("down"), put);
      REQUIRE_THAT(r, HasStatus(200));
      CHECK(r.json["status"]["state"] == "NotReady");
    }
  }
}

// ---- heartbeat -------------------------------------------------------------------------

TEST_CASE("POST /api/v1/nodes/{name}/heartbeat checks existence before the body",
          "[node][heartbeat]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      const std::string missing = "node not found: ghost: resource not found";
      CHECK_THAT(api.Post(HeartbeatPath("ghost"), ""), IsProblem(404, missing));
      CHECK_THAT(api.Post(HeartbeatPath("ghost"), "{"), IsProblem(404, missing));
      CHECK_THAT(api.PostJson(HeartbeatPath("ghost"), {{"state", "Bogus"}}),
                 IsProblem(404, missing));
      CHECK_THAT(api.PostJson(HeartbeatPath("ghost"), {{"bogus", 1}}), IsProblem(404, missing));
      CHECK(ListNames(api, kNodes).empty());
    }
  }
}

TEST_CASE("POST /api/v1/nodes/{name}/heartbeat with an empty body refreshes the timestamp",
          "[node][heartbeat]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      json created = MustCreateNode(
          api, NodeBodyWithStatus("n1", {{"lastHeartbeat", "2020-01-01T00:00:00Z"}}));
      HttpResponse r = api.Post(HeartbeatPath("n1"), "");
      REQUIRE_THAT(r, HasStatus(204));
      CHECK(r.body.empty());

      json node = MustGet(api, NodePath("n1"));
      CHECK(node["status"]["state"] == "NotReady");
      CHECK(ParseTime(node["status"]["lastHeartbeat"]) > ParseTime("2024-01-01T00:00:00Z"));
      CHECK(ResourceVersion(node) != ResourceVersion(created));
      CHECK(Generation(node) == 1);
      CHECK(node["spec"] == created["spec"]);

      // The first heartbeat after a silence is written at once; one that
      // then changes nothing but the time is a lease (store/node_leases.h):
      // no new resourceVersion, and lastHeartbeat, which never goes
      // backwards, shows it once flushed (within a second).
      REQUIRE_THAT(api.PostJson(HeartbeatPath("n1"), json::object()), HasStatus(204));
      json again = MustGet(api, NodePath("n1"));
      CHECK(ParseTime(again["status"]["lastHeartbeat"]) >=
            ParseTime(node["status"]["lastHeartbeat"]));
      CHECK(ResourceVersion(again) == ResourceVersion(node));
    }
  }
}

TEST_CASE("POST /api/v1/nodes/{name}/heartbeat rejects bad bodies and persists nothing",
          "[node][heartbeat][validation]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      json created = MustCreateNode(api, NodeBody("n1"));

      SECTION("malformed JSON") {
        CHECK_THAT(api.Post(HeartbeatPath("n1"), "{\"state\":"),
                   IsProblemStartingWith(400, "invalid request body: "));
      }
      SECTION("a number too large for a double") {
        CHECK_THAT(api.Post(HeartbeatPath("n1"), "{\"state\": \"Ready\", \"x\": 1e400}"),
                   IsProblemStartingWith(400, "invalid request body: number overflow"));
      }
      SECTION("an invalid state") {
        CHECK_THAT(api.PostJson(HeartbeatPath("n1"), {{"state", "Bogus"}}),
                   IsProblem(400, "invalid state Bogus: must be one of Ready, NotReady, Draining"));
        CHECK_THAT(api.PostJson(HeartbeatPath("n1"), {{"state", "ready"}}),
                   IsProblem(400, "invalid state ready: must be one of Ready, NotReady, Draining"));
      }
      SECTION("an invalid state with a network update") {
        CHECK_THAT(
            api.PostJson(HeartbeatPath("n1"), {{"state", "Up"}, {"network", {{"ip", "10.1.1.1"}}}}),
            IsProblem(400, "invalid state Up: must be one of Ready, NotReady, Draining"));
      }
      // Pointers name the place in the heartbeat body itself.
      SECTION("an unknown field") {
        CHECK_THAT(api.PostJson(HeartbeatPath("n1"), {{"state", "Ready"}, {"statee", "Ready"}}),
                   IsSchemaProblem("/statee"));
      }
      SECTION("an unknown nested field") {
        CHECK_THAT(api.PostJson(HeartbeatPath("n1"), {{"network", {{"address", "10.1.1.1"}}}}),
                   IsSchemaProblem("/network/address"));
      }
      SECTION("a wrong type") {
        CHECK_THAT(api.PostJson(HeartbeatPath("n1"), {{"network", {{"agentPort", "9090"}}}}),
                   IsSchemaProblem("/network/agentPort"));
        CHECK_THAT(api.PostJson(HeartbeatPath("n1"), {{"capacity", {{"cpu", 4000}}}}),
                   IsSchemaProblem("/capacity/cpu"));
        CHECK_THAT(api.PostJson(HeartbeatPath("n1"), {{"state", 1}}), IsSchemaProblem("/state"));
      }
      SECTION("a quantity out of range or negative") {
        CHECK_THAT(
            api.PostJson(HeartbeatPath("n1"),
                         {{"state", "Ready"}, {"capacity", {{"cpu", "99999999999999999999"}}}}),
            IsSchemaProblem("/capacity/cpu"));
        CHECK_THAT(api.PostJson(HeartbeatPath("n1"), {{"allocatable", {{"memory", "-1Gi"}}}}),
                   IsSchemaProblem("/allocatable/memory"));
      }
      json node = MustGet(api, NodePath("n1"));
      CHECK(node == created);
      CHECK(At(node, "/status/lastHeartbeat").is_null());
    }
  }
}

TEST_CASE("A Ready heartbeat sets the state and the Ready condition", "[node][heartbeat]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      const json timeout = {
          {"type", "Ready"},
          {"status", "False"},
          {"lastTransitionTime", "2025-01-01T00:00:00Z"},
          {"reason", "HeartbeatTimeout"},
          {"message", "Agent has not posted a heartbeat within the timeout window"}};
      const json disk = {{"type", "DiskPressure"},
                         {"status", "False"},
                         {"lastTransitionTime", "2025-01-01T00:00:00Z"},
                         {"reason", "NoPressure"}};
      json created = MustCreateNode(
          api, NodeBodyWithStatus(
                   "n1", {{"state", "NotReady"}, {"conditions", json::array({timeout, disk})}}));

      // Heartbeats without a state leave the conditions alone.
      REQUIRE_THAT(api.Post(HeartbeatPath("n1"), ""), HasStatus(204));
      REQUIRE_THAT(api.PostJson(HeartbeatPath("n1"), {{"network", {{"ip", "10.0.0.9"}}}}),
                   HasStatus(204));
      json node = MustGet(api, NodePath("n1"));
      CHECK(node["status"]["state"] == "NotReady");
      CHECK(node["status"]["conditions"] == created["status"]["conditions"]);

      REQUIRE_THAT(api.PostJson(HeartbeatPath("n1"), {{"state", "Ready"}}), HasStatus(204));
      node = MustGet(api, NodePath("n1"));
      CHECK(node["status"]["state"] == "Ready");
      REQUIRE(node["status"]["conditions"].size() == 2);
      const json ready = node["status"]["conditions"][0];
      CHECK(ready["type"] == "Ready");
      CHECK(ready["status"] == "True");
      CHECK(ready["reason"] == "AgentReady");
      CHECK(ready["message"] == "Agent is healthy and posting heartbeats");
      CHECK(ParseTime(ready["lastTransitionTime"]) > ParseTime("2025-01-01T00:00:00Z"));
      CHECK(node["status"]["conditions"][1] == disk);
      CHECK(node["status"]["network"]["ip"] == "10.0.0.9");
    }
  }
}

TEST_CASE("A Ready heartbeat adds the Ready condition to a node without one", "[node][heartbeat]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      MustCreateNode(api, NodeBody("n1"));
      REQUIRE_THAT(api.PostJson(HeartbeatPath("n1"), {{"state", "Ready"}}), HasStatus(204));
      json node = MustGet(api, NodePath("n1"));
      CHECK(node["status"]["state"] == "Ready");
      REQUIRE(node["status"].contains("conditions"));
      REQUIRE(node["status"]["conditions"].size() == 1);
      json ready = FindCondition(node, "Ready");
      CHECK(ready["status"] == "True");
      CHECK(ready["reason"] == "AgentReady");
      CHECK(ready["message"] == "Agent is healthy and posting heartbeats");
      CHECK(ready.contains("lastTransitionTime"));
    }
  }
}

TEST_CASE("A heartbeat can set the NotReady state", "[node][heartbeat]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      MustCreateNode(api, NodeBody("n1"));
      REQUIRE_THAT(api.PostJson(HeartbeatPath("n1"), {{"state", "Ready"}}), HasStatus(204));
      REQUIRE_THAT(api.PostJson(HeartbeatPath("n1"), {{"state", "NotReady"}}), HasStatus(204));
      CHECK(MustGet(api, NodePath("n1"))["status"]["state"] == "NotReady");
      // An empty state leaves it alone.
      REQUIRE_THAT(api.PostJson(HeartbeatPath("n1"), {{"state", ""}}), HasStatus(204));
      CHECK(MustGet(api, NodePath("n1"))["status"]["state"] == "NotReady");
    }
  }
}

TEST_CASE("Heartbeats merge network, capacity, allocatable and info", "[node][heartbeat]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      MustCreateNode(api, NodeBodyWithStatus(
                              "n1", {{"network",
                                      {{"ip", "10.0.0.1"},
                                       {"dnsName", "n1.example.org"},
                                       {"mode", "Direct"},
                                       {"agentPort", 9090}}},
                                     {"capacity", {{"cpu", "4000m"}, {"memory", "8192Mi"}}},
                                     {"allocatable", {{"cpu", "3500m"}, {"memory", "7680Mi"}}}}));
      auto status = [&] { return MustGet(api, NodePath("n1"))["status"]; };

      SECTION("only non-empty network fields and a non-zero agentPort replace") {
        REQUIRE_THAT(api.PostJson(HeartbeatPath("n1"), {{"network", {{"ip", "10.0.0.2"}}}}),
                     HasStatus(204));
        json s = status();
        CHECK(s["network"] == json({{"ip", "10.0.0.2"},
                                    {"dnsName", "n1.example.org"},
                                    {"mode", "Direct"},
                                    {"agentPort", 9090}}));

        REQUIRE_THAT(api.PostJson(HeartbeatPath("n1"),
                                  {{"network",
                                    {{"ip", ""}, {"dnsName", ""}, {"mode", ""}, {"agentPort", 0}}},
                                   {"capacity", json::object()},
                                   {"allocatable", json::object()}}),
                     HasStatus(204));
        json unchanged = status();
        CHECK(unchanged["network"] == s["network"]);
        CHECK(unchanged["capacity"] == s["capacity"]);
        CHECK(unchanged["allocatable"] == s["allocatable"]);

        REQUIRE_THAT(
            api.PostJson(
                HeartbeatPath("n1"),
                {{"network", {{"dnsName", "n1.other"}, {"mode", "DERP"}, {"agentPort", 9191}}}}),
            HasStatus(204));
        CHECK(status()["network"] == json({{"ip", "10.0.0.2"},
                                           {"dnsName", "n1.other"},
                                           {"mode", "DERP"},
                                           {"agentPort", 9191}}));
      }
      SECTION("capacity and allocatable are replaced wholesale when non-empty") {
        REQUIRE_THAT(api.PostJson(HeartbeatPath("n1"), {{"capacity", {{"memory", "1024Mi"}}}}),
                     HasStatus(204));
        json s = status();
        CHECK(s["capacity"] == json({{"memory", "1024Mi"}}));
        CHECK(s["allocatable"] == json({{"cpu", "3500m"}, {"memory", "7680Mi"}}));

        REQUIRE_THAT(api.PostJson(HeartbeatPath("n1"),
                                  {{"allocatable", {{"cpu", "500m"}, {"disk", "10Gi"}}}}),
                     HasStatus(204));
        s = status();
        CHECK(s["capacity"] == json({{"memory", "1024Mi"}}));
        CHECK(s["allocatable"] == json({{"cpu", "500m"}, {"disk", "10Gi"}}));
      }
      SECTION("info is accepted") {
        const json info = {{"kernelVersion", "Linux 6.1.0-18-amd64"},
                           {"osImage", "Debian GNU/Linux 12 (bookworm)"},
                           {"agentVersion", "0.1.0"}};
        REQUIRE_THAT(api.PostJson(HeartbeatPath("n1"), {{"state", "Ready"}, {"info", info}}),
                     HasStatus(204));
        json s = status();
        CHECK(s["info"] == info);
        CHECK(s["state"] == "Ready");
        CHECK(s["network"]["ip"] == "10.0.0.1");
      }
      CHECK(status().contains("lastHeartbeat"));
    }
  }
}

TEST_CASE("Heartbeats never overwrite Draining", "[node][heartbeat][drain]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      json body = NodeBody("n1");
      body["spec"]["unschedulable"] = true;
      json created = MustCreateNode(api, body);
      REQUIRE(created["status"]["state"] == "Draining");

      REQUIRE_THAT(api.PostJson(HeartbeatPath("n1"),
                                {{"state", "Ready"},
                                 {"network", {{"ip", "10.0.0.5"}, {"agentPort", 9090}}}}),
                   HasStatus(204));
      json node = MustGet(api, NodePath("n1"));
      CHECK(node["status"]["state"] == "Draining");
      CHECK(node["status"]["network"]["ip"] == "10.0.0.5");
      CHECK(node["status"]["network"]["agentPort"] == 9090);
      CHECK(ParseTime(node["status"]["lastHeartbeat"]) > ParseTime("2024-01-01T00:00:00Z"));

      REQUIRE_THAT(api.PostJson(HeartbeatPath("n1"), {{"state", "NotReady"}}), HasStatus(204));
      CHECK(MustGet(api, NodePath("n1"))["status"]["state"] == "Draining");
    }
  }
}

// ---- DELETE /api/v1/nodes/{name} --------------------------------------------------------

TEST_CASE("DELETE /api/v1/nodes/{name} removes the node", "[node][delete]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());

      MustCreateNode(api, NodeBody("n1"));
      MustCreateNode(api, NodeBody("n2"));
      HttpResponse r = api.Delete(NodePath("n1"));
      CHECK_THAT(r, HasStatus(204));
      CHECK(r.body.empty());
      CHECK_THAT(api.Get(NodePath("n1")), IsProblem(404, "node not found: n1: resource not found"));
      CHECK(ListNames(api, kNodes) == std::vector<std::string>{"n2"});
      CHECK_THAT(api.Delete(NodePath("n1")),
                 IsProblem(404, "node not found: n1: resource not found"));
      // The name can be used again; the new node lists after the older one.
      MustCreateNode(api, NodeBody("n1"));
      CHECK(ListNames(api, kNodes) == std::vector<std::string>{"n2", "n1"});
    }
  }
}

TEST_CASE("DELETE /api/v1/nodes/{name} refuses while live projects are assigned",
          "[node][delete]") {
  for (const std::string& backend : AllBackends()) {
    DYNAMIC_SECTION(backend) {
      TestServer server(backend);
      HttpClient api(server.url());
      MustCreateNode(api, NodeBody("n1"));
      MustCreateNode(api, NodeBody("n2"));

      SECTION("one Scheduled project") {
        MustCreateProject(api, ProjectBodyInPhase("p1", "Scheduled", "n1"));
        CHECK_THAT(api.Delete(NodePath("n1")),
                   IsProblem(409, "cannot delete node \"n1\": 1 project(s) still assigned"));
        MustGet(api, NodePath("n1"));
      }
      SECTION("Scheduled, Running and Terminating projects are counted") {
        MustCreateProject(api, ProjectBodyInPhase("p1", "Scheduled", "n1"));
        MustCreateProject(api, ProjectBodyInPhase("p2", "Running", "n1"));
        MustCreateProject(api, ProjectBodyInPhase("p3", "Terminating", "n1"));
        MustCreateProject(api, ProjectBodyInPhase("p4", "Running", "n2"));
        CHECK_THAT(api.Delete(NodePath("n1")),
                   IsProblem(409, "cannot delete node \"n1\": 3 project(s) still assigned"));
        CHECK_THAT(api.Delete(NodePath("n2")),
                   IsProblem(409, "cannot delete node \"n2\": 1 project(s) still assigned"));
      }
      SECTION("Pending, Failed and Terminated projects are not counted") {
        MustCreateProject(api, ProjectBodyInPhase("p1", "Pending", "n1"));
        MustCreateProject(api, ProjectBodyInPhase("p2", "Failed", "n1"));
        MustCreateProject(api, ProjectBodyInPhase("p3", "Terminated", "n1"));
        CHECK_THAT(api.Delete(NodePath("n1")), HasStatus(204));
        // Deleting a node leaves its projects alone.
        CHECK(ListNames(api, kProjects) == std::vector<std::string>{"p1", "p2", "p3"});
        CHECK(MustGet(api, ProjectPath("p2"))["status"]["nodeRef"] == "n1");
      }
      SECTION("the guard runs before the existence check") {
        MustCreateProject(api, ProjectBodyInPhase("p1", "Running", "ghost"));
        CHECK_THAT(api.Delete(NodePath("ghost")),
                   IsProblem(409, "cannot delete node \"ghost\": 1 project(s) still assigned"));
      }
      SECTION("the guard follows live phase changes") {
        MustCreateProject(api, ProjectBodyInPhase("p1", "Running", "n1"));
        CHECK_THAT(api.Delete(NodePath("n1")), HasStatus(409));
        REQUIRE_THAT(api.PatchJson(StatusPath("p1"), {{"phase", "Failed"}}), HasStatus(204));
        CHECK_THAT(api.Delete(NodePath("n1")), HasStatus(204));
      }
    }
  }
}

}  // namespace
}  // namespace cara::testing
