// JSON encoding and decoding of Node and Project: key order, what is left
// out, round trips, and how foreign input (Go zero times, nulls) is read.
#include "api/codec.h"
#include "api/service_codec.h"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "common/time_format.h"

namespace cara::api {
namespace {

using json = nlohmann::json;

Timestamp T(const char* text) { return *ParseRfc3339(text); }

Node FullNode() {
  Node n;
  n.metadata = {"node-1",
                {{"zone", "a"}},
                {{"note", "x"}},
                T("2025-01-01T12:00:00.123456Z"),
                T("2025-01-01T12:00:30.5Z"),
                "17",
                2};
  n.spec = {"node-1", true};
  n.status.state = kNodeReady;
  n.status.network = {
      "10.0.0.5", "n1.lan", "Direct", 9090, {"1Gbps", "100Mbps", T("2025-01-01T11:00:00Z")}};
  n.status.capacity = {{"cpu", "4000m"}, {"memory", "7953Mi"}};
  n.status.allocatable = {{"cpu", "3500m"}, {"memory", "7441Mi"}};
  n.status.info = {"6.1.0", "Debian GNU/Linux 12", "0.1.0"};
  n.status.last_heartbeat = T("2025-01-01T12:00:30.5Z");
  n.status.conditions = {{"Ready", "True", std::nullopt, T("2025-01-01T12:00:30Z"), "AgentReady",
                          "Agent is healthy and posting heartbeats"}};
  return n;
}

Project FullProject() {
  Project p;
  p.metadata = {"shop", {{"app", "shop"}}, {}, T("2025-01-01T12:00:00Z"), std::nullopt, "3", 1};
  p.spec.services = {{"web",
                      "nginx:alpine",
                      {{"A", "1", std::nullopt}, {"B", std::nullopt, std::nullopt}},
                      {{"data", "/data"}},
                      {"nginx", "-g", "daemon off;"},
                      "Always",
                      {},
                      std::nullopt,
                      "",
                      {},
                      {}},
                     {"db", "postgres:16", {}, {}, {}, "", {}, std::nullopt, "", {}, {}}};
  p.spec.volumes = {{"data", "Ephemeral"}};
  p.spec.ingress = {{"web", "shop.local", "web", 80, "Internal"}, {"admin", "", "web", 8080, ""}};
  p.spec.expire_at = T("2030-01-01T00:00:00Z");
  p.spec.resources = {"500m", "256Mi"};
  p.status = {kPhaseRunning,
              "node-1",
              {{"Phase", "True", std::nullopt, T("2025-01-01T12:01:00Z"), "ContainersRunning",
                "All containers running"}},
              1,
              {}};
  return p;
}

TEST_CASE("node keys come out in the reference order", "[codec]") {
  CHECK(
      EncodeNode(FullNode()) ==
      R"({"apiVersion":"caravanserai/v1","kind":"Node",)"
      R"("metadata":{"name":"node-1","labels":{"zone":"a"},"annotations":{"note":"x"},)"
      R"("createdAt":"2025-01-01T12:00:00.123456Z","updatedAt":"2025-01-01T12:00:30.5Z",)"
      R"("resourceVersion":"17","generation":2},)"
      R"("spec":{"hostname":"node-1","unschedulable":true},)"
      R"("status":{"state":"Ready","network":{"ip":"10.0.0.5","dnsName":"n1.lan","mode":"Direct",)"
      R"("agentPort":9090,"throughput":{"download":"1Gbps","upload":"100Mbps",)"
      R"("lastTestTime":"2025-01-01T11:00:00Z"}},)"
      R"("capacity":{"cpu":"4000m","memory":"7953Mi"},)"
      R"("allocatable":{"cpu":"3500m","memory":"7441Mi"},)"
      R"("info":{"kernelVersion":"6.1.0","osImage":"Debian GNU/Linux 12",)"
      R"("agentVersion":"0.1.0"},"lastHeartbeat":"2025-01-01T12:00:30.5Z",)"
      R"("conditions":[{"type":"Ready","status":"True",)"
      R"("lastTransitionTime":"2025-01-01T12:00:30Z","reason":"AgentReady",)"
      R"("message":"Agent is healthy and posting heartbeats"}]}})");
}

TEST_CASE("project keys come out in the reference order", "[codec]") {
  CHECK(EncodeProject(FullProject()) ==
        R"({"apiVersion":"caravanserai/v1","kind":"Project",)"
        R"("metadata":{"name":"shop","labels":{"app":"shop"},"createdAt":"2025-01-01T12:00:00Z",)"
        R"("resourceVersion":"3","generation":1},)"
        R"("spec":{"services":[{"name":"web","image":"nginx:alpine",)"
        R"("env":[{"name":"A","value":"1"},{"name":"B"}],)"
        R"("volumeMounts":[{"name":"data","mountPath":"/data"}],)"
        R"("command":["nginx","-g","daemon off;"],"imagePullPolicy":"Always"},)"
        R"({"name":"db","image":"postgres:16"}],)"
        R"("volumes":[{"name":"data","type":"Ephemeral"}],)"
        R"("ingress":[{"name":"web","host":"shop.local","target":{"service":"web","port":80},)"
        R"("access":{"scope":"Internal"}},)"
        R"({"name":"admin","target":{"service":"web","port":8080},"access":{"scope":""}}],)"
        R"("expireAt":"2030-01-01T00:00:00Z","resources":{"cpu":"500m","memory":"256Mi"}},)"
        R"("status":{"phase":"Running","nodeRef":"node-1","conditions":[{"type":"Phase",)"
        R"("status":"True","lastTransitionTime":"2025-01-01T12:01:00Z",)"
        R"("reason":"ContainersRunning","message":"All containers running"}],)"
        R"("observedGeneration":1}})");
}

TEST_CASE("empty and unset fields are left out", "[codec]") {
  Node n;
  n.metadata.name = "n";
  CHECK(
      EncodeNode(n) ==
      R"({"apiVersion":"caravanserai/v1","kind":"Node","metadata":{"name":"n"},"spec":{},"status":{}})");
  Project p;
  p.metadata.name = "p";
  // services is always written, as an array, never null.
  CHECK(EncodeProject(p) ==
        R"({"apiVersion":"caravanserai/v1","kind":"Project","metadata":{"name":"p"},)"
        R"("spec":{"services":[]},"status":{}})");
  // An empty env value is left out (Go's omitempty).
  p.spec.services = {
      {"web", "img", {{"A", "", std::nullopt}}, {}, {}, "", {}, std::nullopt, "", {}, {}}};
  CHECK(ToJson(p.spec).dump() ==
        R"({"services":[{"name":"web","image":"img","env":[{"name":"A"}]}]})");
  // A network with only a port keeps just that.
  n.status.network.agent_port = 9090;
  CHECK(ToJson(n)["status"].dump() == R"({"network":{"agentPort":9090}})");
}

TEST_CASE("lists", "[codec]") {
  CHECK(EncodeNodeList({}) == R"({"apiVersion":"caravanserai/v1","kind":"NodeList","items":[]})");
  Project a, b;
  a.metadata.name = "a";
  b.metadata.name = "b";
  json list = json::parse(EncodeProjectList({a, b}));
  CHECK(list["kind"] == "ProjectList");
  REQUIRE(list["items"].size() == 2);
  CHECK(list["items"][0]["metadata"]["name"] == "a");
  CHECK(list["items"][1]["kind"] == "Project");
}

TEST_CASE("node and project round-trip", "[codec]") {
  Node n = FullNode();
  auto decoded_node = ParseNode(EncodeNode(n));
  REQUIRE(decoded_node.ok());
  CHECK(*decoded_node == n);

  Project p = FullProject();
  auto decoded_project = ParseProject(EncodeProject(p));
  REQUIRE(decoded_project.ok());
  CHECK(*decoded_project == p);
}

TEST_CASE("the Go zero time reads as unset", "[codec]") {
  auto n = ParseNode(R"({
    "apiVersion": "caravanserai/v1", "kind": "Node",
    "metadata": {"name": "node-1", "createdAt": "0001-01-01T00:00:00Z",
                 "updatedAt": "0001-01-01T00:00:00Z"},
    "spec": {"hostname": "node-1"},
    "status": {"network": {"throughput": {"lastTestTime": "0001-01-01T00:00:00Z"}},
               "info": {}, "lastHeartbeat": "0001-01-01T00:00:00Z",
               "conditions": [{"type": "Ready", "status": "False",
                               "lastHeartbeatTime": "0001-01-01T00:00:00Z",
                               "lastTransitionTime": "2025-01-01T12:00:00Z"}]}
  })");
  REQUIRE(n.ok());
  CHECK_FALSE(n->metadata.created_at);
  CHECK_FALSE(n->metadata.updated_at);
  CHECK_FALSE(n->status.last_heartbeat);
  CHECK(n->status.network.throughput.empty());
  REQUIRE(n->status.conditions.size() == 1);
  CHECK_FALSE(n->status.conditions[0].last_heartbeat_time);
  CHECK(n->status.conditions[0].last_transition_time == T("2025-01-01T12:00:00Z"));
  // ...and is therefore not written back.
  CHECK(EncodeNode(*n) ==
        R"({"apiVersion":"caravanserai/v1","kind":"Node","metadata":{"name":"node-1"},)"
        R"("spec":{"hostname":"node-1"},"status":{"conditions":[{"type":"Ready","status":"False",)"
        R"("lastTransitionTime":"2025-01-01T12:00:00Z"}]}})");
}

TEST_CASE("decoding reads offsets, nulls and ignores unknown keys", "[codec]") {
  auto p = ParseProject(R"({
    "kind": "Project", "metadata": {"name": "x", "labels": null, "createdAt": "2025-01-01T14:00:00+02:00"},
    "spec": {"services": [{"name": "web", "image": "img", "env": null, "future": 1}],
             "expireAt": null, "resources": {"cpu": "1"}},
    "status": null, "extra": true
  })");
  REQUIRE(p.ok());
  CHECK(p->metadata.created_at == T("2025-01-01T12:00:00Z"));
  CHECK(p->metadata.labels.empty());
  REQUIRE(p->spec.services.size() == 1);
  CHECK(p->spec.services[0].env.empty());
  CHECK_FALSE(p->spec.expire_at);
  CHECK(p->spec.resources.cpu == "1");
  CHECK(p->spec.resources.memory.empty());
  CHECK(p->status.phase.empty());
}

TEST_CASE("decoding errors name the JSON path", "[codec]") {
  auto bad = [](const char* text) {
    auto p = ParseProject(text);
    REQUIRE_FALSE(p.ok());
    CHECK(p.status().code() == Code::kInvalid);
    return p.status().message();
  };
  CHECK(bad(R"({"spec": {"services": [{"name": "web", "image": 5}]}})") ==
        "spec.services[0].image: expected a string");
  CHECK(bad(R"({"spec": {"ingress": [{"name": "w", "target": {"port": "80"}}]}})") ==
        "spec.ingress[0].target.port: expected an integer");
  CHECK(bad(R"({"spec": {"services": [{"name": "w", "command": ["a", 1]}]}})") ==
        "spec.services[0].command[1]: expected a string");
  CHECK(bad(R"({"metadata": {"labels": {"a": 1}}})") == "metadata.labels.a: expected a string");
  CHECK(bad(R"({"spec": {"expireAt": "soon"}})") ==
        "spec.expireAt: invalid RFC 3339 timestamp \"soon\"");
  CHECK(bad(R"({"spec": []})") == "spec: expected an object");
  CHECK(bad(R"({"spec": {"services": {}}})") == "spec.services: expected an array");
  CHECK(bad("[]") == "expected a JSON object");
  auto n = ParseNode(R"({"spec": {"unschedulable": "yes"}})");
  REQUIRE_FALSE(n.ok());
  CHECK(n.status().message() == "spec.unschedulable: expected a boolean");
}

TEST_CASE("malformed JSON is reported without library noise", "[codec]") {
  for (const char* text : {"", "{", "{\"a\": }", "[1, 2", "nul", "{\"cpu\": 1e400}"}) {
    auto j = ParseJson(text);
    INFO(text);
    REQUIRE_FALSE(j.ok());
    CHECK(j.status().code() == Code::kInvalid);
    CHECK_FALSE(j.status().message().empty());
    CHECK(j.status().message().find("json.exception") == std::string::npos);
  }
  CHECK_THAT(ParseJson("{\n  \"a\": }").status().message(), Catch::Contains("line 2, column 8"));
  CHECK(ParseJson(" {\"a\": [1, 2]} ").ok());
}

TEST_CASE("conditions", "[codec]") {
  Condition c{"Phase", "True", std::nullopt, T("2025-01-01T12:00:00Z"), "", "m"};
  CHECK(
      ToJson(c).dump() ==
      R"({"type":"Phase","status":"True","lastTransitionTime":"2025-01-01T12:00:00Z","message":"m"})");
  auto back = DecodeCondition(json::parse(ToJson(c).dump()));
  REQUIRE(back.ok());
  CHECK(*back == c);
}

TEST_CASE("workload fields round-trip in the wire layout and a port's protocol defaults to tcp",
          "[codec]") {
  auto p = ParseProject(R"({"metadata": {"name": "shop"}, "spec": {
    "nodeSelector": {"zone": "eu-1"},
    "services": [{"name": "web", "image": "img",
      "ports": [{"containerPort": 80, "hostPort": 8080}, {"containerPort": 53, "protocol": "udp",
                 "hostIP": "127.0.0.1"}],
      "healthcheck": {"command": ["true"], "interval": "10s", "timeout": "3s", "retries": 3,
                      "startPeriod": "5s"},
      "restartPolicy": "OnFailure",
      "dependsOn": [{"service": "db", "condition": "Healthy"}],
      "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}}}],
    "volumes": [{"name": "data", "type": "Persistent"}]},
    "status": {"services": [{"name": "web", "restartCount": 2}]}})");
  REQUIRE(p.ok());
  const ServiceDef& web = p->spec.services[0];
  REQUIRE(web.ports.size() == 2);
  CHECK(web.ports[0].protocol == "tcp");
  CHECK(web.ports[0].host_port == 8080);
  CHECK(web.ports[1].host_ip == "127.0.0.1");
  REQUIRE(web.healthcheck);
  CHECK(web.healthcheck->retries == 3);
  CHECK(web.healthcheck->start_period == "5s");
  CHECK(EffectiveRestartPolicy(web) == kRestartOnFailure);
  CHECK(web.depends_on == std::vector<ServiceDependency>{{"db", "Healthy"}});
  CHECK(web.resources.limits.memory == "256Mi");
  CHECK(p->spec.node_selector.at("zone") == "eu-1");
  CHECK(HasPersistentVolume(p->spec));
  CHECK(p->status.services == std::vector<ServiceStatus>{{"web", 2}});
  CHECK(ServiceToJson(web).dump() ==
        R"({"name":"web","image":"img","ports":[{"containerPort":80,"hostPort":8080,)"
        R"("protocol":"tcp"},{"containerPort":53,"protocol":"udp","hostIP":"127.0.0.1"}],)"
        R"("healthcheck":{"command":["true"],"interval":"10s","timeout":"3s","retries":3,)"
        R"("startPeriod":"5s"},"restartPolicy":"OnFailure","dependsOn":[{"service":"db",)"
        R"("condition":"Healthy"}],"resources":{"limits":{"cpu":"500m","memory":"256Mi"}}})");
  auto back = DecodeProject(json::parse(EncodeProject(*p)));
  REQUIRE(back.ok());
  CHECK(*back == *p);
  // None of it: nothing new in the output, and the defaults in force.
  ServiceDef plain;
  CHECK(EffectiveRestartPolicy(plain) == kRestartNever);
  CHECK_FALSE(HasPersistentVolume(ProjectSpec{}));
}

TEST_CASE("workload field type errors name their path", "[codec]") {
  CHECK(ParseProject(R"({"spec": {"services": [{"ports": [{"containerPort": "80"}]}]}})")
            .status()
            .message() == "spec.services[0].ports[0].containerPort: expected an integer");
  CHECK(ParseProject(R"({"spec": {"services": [{"healthcheck": {"command": "true"}}]}})")
            .status()
            .message() == "spec.services[0].healthcheck.command: expected an array of strings");
  CHECK(ParseProject(R"({"spec": {"nodeSelector": {"zone": 1}}})").status().message() ==
        "spec.nodeSelector.zone: expected a string");
}

}  // namespace
}  // namespace cara::api
