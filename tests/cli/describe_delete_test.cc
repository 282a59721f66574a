// caractrl describe / delete, run as a real binary against a real cara-server
// on loopback. Describe output is compared whole with golden text, after the
// parts that depend on the current time are normalised.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>

#include "api/types.h"
#include "cli/admin_connection.h"
#include "cli/api_client.h"
#include "common/time_format.h"
#include "support/caractrl.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Server-assigned times and versions, and every "(<age> ago)" / "(in <age>)".
std::string Normalise(const std::string& text) {
  std::string s = std::regex_replace(text, std::regex(R"((Created|Updated):\t\S+)"), "$1:\tTIME");
  s = std::regex_replace(s, std::regex(R"(Resource Version:\t\S+)"), "Resource Version:\tRV");
  s = std::regex_replace(s, std::regex(R"(\(\d+[smhd] ago\))"), "(AGE ago)");
  s = std::regex_replace(s, std::regex(R"(\(in \d+[smhd]\))"), "(in AGE)");
  return s;
}

Timestamp At(const std::string& rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  REQUIRE(t.ok());
  return *t;
}

const char kFullNode[] = R"({
  "apiVersion": "caravanserai/v1",
  "kind": "Node",
  "metadata": {
    "name": "node-full",
    "labels": {"zone": "eu-1", "node-role": "edge"},
    "annotations": {"note": "primary"}
  },
  "spec": {"hostname": "node-full.lan", "unschedulable": true},
  "status": {
    "state": "Ready",
    "network": {
      "ip": "100.64.0.7",
      "dnsName": "node-full.tailnet.ts.net",
      "mode": "Direct",
      "agentPort": 9090,
      "throughput": {"download": "940Mbps", "upload": "410Mbps",
                     "lastTestTime": "2025-01-02T03:00:00Z"}
    },
    "capacity": {"memory": "8Gi", "cpu": "4", "ephemeral-storage": "100Gi"},
    "allocatable": {"memory": "7Gi", "cpu": "3500m"},
    "info": {"kernelVersion": "6.1.0", "osImage": "Debian GNU/Linux 12",
             "agentVersion": "v0.3.0"},
    "lastHeartbeat": "2025-01-02T03:04:05Z",
    "conditions": [
      {"type": "Ready", "status": "True", "lastHeartbeatTime": "2025-01-02T03:04:05Z",
       "lastTransitionTime": "2025-01-01T00:00:00Z", "reason": "AgentHeartbeat",
       "message": "agent is posting heartbeats"},
      {"type": "DiskPressure", "status": "False",
       "lastTransitionTime": "2025-01-01T00:00:00Z"}
    ]
  }
})";

// unschedulable: true makes the server report the node as Draining.
const char kFullNodeGolden[] =
    "Name:\tnode-full\n"
    "Kind:\tNode\n"
    "Created:\tTIME (AGE ago)\n"
    "Labels:\tnode-role=edge, zone=eu-1\n"
    "Annotations:\tnote=primary\n"
    "Updated:\tTIME (AGE ago)\n"
    "Resource Version:\tRV\n"
    "Generation:\t1\n"
    "\n"
    "Spec:\n"
    "  Hostname:\tnode-full.lan\n"
    "  Unschedulable:\ttrue\n"
    "\n"
    "Status:\n"
    "  State:\tDraining\n"
    "  Last Heartbeat:\t2025-01-02T03:04:05Z (AGE ago)\n"
    "\n"
    "Info:\n"
    "  Kernel Version:\t6.1.0\n"
    "  OS Image:\tDebian GNU/Linux 12\n"
    "  Agent Version:\tv0.3.0\n"
    "\n"
    "Network:\n"
    "  IP:\t100.64.0.7\n"
    "  DNS Name:\tnode-full.tailnet.ts.net\n"
    "  Mode:\tDirect\n"
    "  Agent Port:\t9090\n"
    "  Throughput:\n"
    "    Download:\t940Mbps\n"
    "    Upload:\t410Mbps\n"
    "    Last Test:\t2025-01-02T03:00:00Z\n"
    "\n"
    "Capacity:\n"
    "  cpu:\t4\n"
    "  ephemeral-storage:\t100Gi\n"
    "  memory:\t8Gi\n"
    "Allocatable:\n"
    "  cpu:\t3500m\n"
    "  memory:\t7Gi\n"
    "\n"
    "Conditions:\n"
    "  TYPE           STATUS   LAST HEARTBEAT         LAST TRANSITION        REASON           "
    "MESSAGE\n"
    "  ----           ------   --------------         ---------------        ------           "
    "-------\n"
    "  Ready          True     2025-01-02T03:04:05Z   2025-01-01T00:00:00Z   AgentHeartbeat   "
    "agent is posting heartbeats\n"
    "  DiskPressure   False    <none>                 2025-01-01T00:00:00Z   <none>           "
    "<none>\n"
    "\n"
    "Events:  <none>\n";

const char kFullProject[] = R"(apiVersion: caravanserai/v1
kind: Project
metadata:
  name: shop
  labels:
    tier: web
    app: shop
  annotations:
    owner: team-a
spec:
  services:
    - name: api
      image: cara/busybox:test
      command: ["sh", "-c", "exec httpd -f -p 8080"]
      imagePullPolicy: IfNotPresent
      env:
        - name: DB_HOST
          value: db
        - name: EMPTY
          value: ""
      volumeMounts:
        - name: data
          mountPath: /data
      ports:
        - containerPort: 8080
          hostPort: 18080
        - containerPort: 53
          protocol: udp
          hostIP: 127.0.0.1
      restartPolicy: OnFailure
      dependsOn:
        - service: db
          condition: Healthy
        - service: cache
      resources:
        limits: {cpu: 500m, memory: 256Mi}
    - name: db
      image: cara/busybox:test
      healthcheck:
        command: ["wget", "-q", "-O-", "http://127.0.0.1/"]
        interval: 10s
        retries: 3
      volumeMounts:
        - name: state
          mountPath: /state
    - name: cache
      image: cara/busybox:test
      resources:
        limits: {memory: 64Mi}
  volumes:
    - name: data
      type: Ephemeral
    - name: state
      type: Persistent
  nodeSelector:
    zone: eu-1
    disk: ssd
  ingress:
    - name: api
      host: shop.example.internal
      target:
        service: api
        port: 8080
      access:
        scope: Internal
    - name: api-alt
      host: alt.example.internal
      target:
        service: api
        port: 8080
  expireAt: "2030-01-01T00:00:00Z"
  resources:
    cpu: 250m
    memory: 128Mi
)";

const char kFullProjectGolden[] =
    "Name:\tshop\n"
    "Kind:\tProject\n"
    "Created:\tTIME (AGE ago)\n"
    "Labels:\tapp=shop, tier=web\n"
    "Annotations:\towner=team-a\n"
    "Updated:\tTIME (AGE ago)\n"
    "Resource Version:\tRV\n"
    "Generation:\t1\n"
    "\n"
    "Spec:\n"
    "  Services:\n"
    "    - Name:    api\n"
    "      Image:   cara/busybox:test\n"
    "      Command: sh -c \"exec httpd -f -p 8080\"\n"
    "      Image Pull Policy: IfNotPresent\n"
    "      Env:\n"
    "        DB_HOST=db\n"
    "        EMPTY=\n"
    "      Volume Mounts:\n"
    "        data -> /data\n"
    "      Ports:\n"
    "        18080:8080/tcp\n"
    "        127.0.0.1:53/udp\n"
    "      Restart Policy: OnFailure\n"
    "      Depends On:\n"
    "        db (Healthy)\n"
    "        cache (Started)\n"
    "      Limits:  cpu=500m, memory=256Mi\n"
    "    - Name:    db\n"
    "      Image:   cara/busybox:test\n"
    "      Volume Mounts:\n"
    "        state -> /state\n"
    "      Healthcheck: wget -q -O- http://127.0.0.1/ (interval 10s, retries 3)\n"
    "    - Name:    cache\n"
    "      Image:   cara/busybox:test\n"
    "      Limits:  memory=64Mi\n"
    "\n"
    "  Volumes:\n"
    "    - Name:   data\n"
    "      Type:   Ephemeral\n"
    "    - Name:   state\n"
    "      Type:   Persistent\n"
    "\n"
    "  Ingress:\n"
    "    - Name:    api\n"
    "      Host:    shop.example.internal\n"
    "      Target:  api:8080\n"
    "      Scope:   Internal\n"
    "    - Name:    api-alt\n"
    "      Host:    alt.example.internal\n"
    "      Target:  api:8080\n"
    "      Scope:   <none>\n"
    "\n"
    "  Expire At:\t2030-01-01T00:00:00Z (in AGE)\n"
    "\n"
    "  Resources:\n"
    "    CPU:\t250m\n"
    "    Memory:\t128Mi\n"
    "\n"
    "  Node Selector:\tdisk=ssd, zone=eu-1\n"
    "\n"
    "Status:\n"
    "  Phase:\tRunning\n"
    "  Node:\tnode-1\n"
    "  Observed Generation:\t1\n"
    "  Restarts:\tapi=2, db=0, cache=0\n"
    "\n"
    "Conditions:\n"
    "  TYPE    STATUS   LAST HEARTBEAT   LAST TRANSITION        REASON    MESSAGE\n"
    "  ----    ------   --------------   ---------------        ------    -------\n"
    "  Phase   True     <none>           2025-01-02T03:04:05Z   Running   all services are "
    "running\n"
    "  Ready   False    <none>           <none>                 <none>    <none>\n"
    "\n"
    "Events:  <none>\n";

const char kMinimalProject[] = R"(apiVersion: caravanserai/v1
kind: Project
metadata:
  name: %s
spec:
  services:
    - name: web
      image: cara/busybox:test
)";

std::string ProjectYaml(const std::string& name) {
  std::string s = kMinimalProject;
  return s.replace(s.find("%s"), 2, name);
}

std::string NodeYaml(const std::string& name) {
  return "apiVersion: caravanserai/v1\nkind: Node\nmetadata:\n  name: " + name +
         "\nspec:\n  hostname: " + name + "\n";
}

// Puts a project on a node as the scheduler would, without running controllers.
void Assign(TestServer& server, const std::string& project, const std::string& node) {
  auto updated = server.store().UpdateProject(project, [&](api::Project& p) {
    p.status.phase = api::kPhaseRunning;
    p.status.node_ref = node;
    return Status::Ok();
  });
  REQUIRE(updated.ok());
}

}  // namespace

TEST_CASE("describe node prints every field in the reference layout", "[cli]") {
  TestServer server("sqlite");
  cli::ApiClient client(AdminConnection(server));
  auto created = client.Post("/api/v1/nodes", kFullNode);
  REQUIRE(created.ok());
  INFO(created->body);
  REQUIRE(created->status == 201);

  auto r = RunCaractrl(server, {"describe", "node", "node-full"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK(Normalise(r.out) == kFullNodeGolden);
  // The created line is a real RFC 3339 UTC time with an age.
  CHECK(std::regex_search(
      r.out, std::regex(R"(\nCreated:\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(\d+s ago\)\n)")));

  // "nodes" is an alias; -o json prints the object as get does.
  auto alias = RunCaractrl(server, {"describe", "nodes", "node-full"});
  REQUIRE(alias.exit_code == 0);
  CHECK(Normalise(alias.out) == kFullNodeGolden);
  auto json = RunCaractrl(server, {"-o", "json", "describe", "nodes", "node-full"});
  REQUIRE(json.exit_code == 0);
  CHECK(json.out == RunCaractrl(server, {"-o", "json", "get", "node", "node-full"}).out);
}

TEST_CASE("describe node shows <none> for unset fields", "[cli]") {
  TestServer server("sqlite");
  REQUIRE(RunCaractrl(server, {"apply", "-f", "-"}, NodeYaml("bare")).exit_code == 0);
  auto r = RunCaractrl(server, {"describe", "node", "bare"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::string out = Normalise(r.out);
  CHECK(out.find("Labels:\t<none>\nAnnotations:\t<none>\n") != std::string::npos);
  CHECK(out.find("  Unschedulable:\tfalse\n") != std::string::npos);
  CHECK(out.find("  Last Heartbeat:\t<none>\n") != std::string::npos);
  CHECK(out.find("  Kernel Version:\t<none>\n") != std::string::npos);
  CHECK(out.find("  Agent Port:\t<none>\n") != std::string::npos);
  CHECK(out.find("    Last Test:\t<none>\n") != std::string::npos);
  CHECK(out.find("Capacity:\n  <none>\nAllocatable:\n  <none>\n") != std::string::npos);
}

TEST_CASE("describe project prints every field in the reference layout", "[cli]") {
  TestServer server("sqlite");
  auto applied = RunCaractrl(server, {"apply", "-f", "-"}, kFullProject);
  INFO(applied.err);
  REQUIRE(applied.exit_code == 0);
  auto updated = server.store().UpdateProject("shop", [](api::Project& p) {
    p.status.phase = api::kPhaseRunning;
    p.status.node_ref = "node-1";
    p.status.observed_generation = 1;
    api::Condition phase;
    phase.type = "Phase";
    phase.status = "True";
    phase.last_transition_time = At("2025-01-02T03:04:05Z");
    phase.reason = "Running";
    phase.message = "all services are running";
    api::Condition ready;
    ready.type = "Ready";
    ready.status = "False";
    p.status.conditions = {phase, ready};
    for (const char* name : {"api", "db", "cache"}) {
      api::ServiceStatus service;
      service.name = name;
      service.restart_count = std::string(name) == "api" ? 2 : 0;
      p.status.services.push_back(service);
    }
    return Status::Ok();
  });
  REQUIRE(updated.ok());

  auto r = RunCaractrl(server, {"describe", "project", "shop"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(Normalise(r.out) == kFullProjectGolden);
  auto alias = RunCaractrl(server, {"describe", "projects", "shop"});
  REQUIRE(alias.exit_code == 0);
  CHECK(Normalise(alias.out) == kFullProjectGolden);
}

TEST_CASE("describe project shows <none> for empty sections", "[cli]") {
  TestServer server("sqlite");
  REQUIRE(RunCaractrl(server, {"apply", "-f", "-"}, ProjectYaml("tiny")).exit_code == 0);
  auto r = RunCaractrl(server, {"describe", "project", "tiny"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::string out = Normalise(r.out);
  CHECK(out.find("  Services:\n    - Name:    web\n      Image:   cara/busybox:test\n\n") !=
        std::string::npos);
  CHECK(out.find("  Volumes:\n    <none>\n\n  Ingress:\n    <none>\n\n  Expire At:\t<none>\n\n"
                 "Status:\n  Phase:\tPending\n  Node:\t<none>\n  Observed Generation:\t0\n") !=
        std::string::npos);
  CHECK(out.find("Command:") == std::string::npos);
  CHECK(out.find("Image Pull Policy:") == std::string::npos);
  CHECK(out.find("Resources:") == std::string::npos);
  // The workload fields show only when set.
  for (const char* field : {"Ports:", "Healthcheck:", "Restart Policy:", "Depends On:", "Limits:",
                            "Node Selector:", "Restarts:"}) {
    CHECK(out.find(field) == std::string::npos);
  }
}

TEST_CASE("describe reports API errors and unknown resources", "[cli]") {
  TestServer server("sqlite");
  auto node = RunCaractrl(server, {"describe", "node", "nope"});
  CHECK(node.exit_code == 1);
  CHECK(node.out.empty());
  CHECK(node.err == "Error: node \"nope\" not found\n");
  auto project = RunCaractrl(server, {"describe", "project", "nope"});
  CHECK(project.exit_code == 1);
  CHECK(project.err == "Error: project \"nope\" not found\n");
  auto unknown = RunCaractrl(server, {"describe", "widget", "x"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("unknown resource type \"widget\"") != std::string::npos);
  auto down = RunProcess(
      {BuiltBinary("caractrl"), "--server", "http://127.0.0.1:1", "describe", "node", "x"});
  CHECK(down.exit_code == 1);
  CHECK(down.err.rfind("Error: describe node \"x\": request failed: ", 0) == 0);
}

TEST_CASE("delete prints the reference texts for 202, 204 and the node guard", "[cli]") {
  TestServer server("sqlite");
  REQUIRE(RunCaractrl(server, {"apply", "-f", "-"}, NodeYaml("n")).exit_code == 0);
  REQUIRE(RunCaractrl(server, {"apply", "-f", "-"}, ProjectYaml("p")).exit_code == 0);
  REQUIRE(RunCaractrl(server, {"apply", "-f", "-"}, ProjectYaml("pending")).exit_code == 0);
  Assign(server, "p", "n");

  auto guarded = RunCaractrl(server, {"delete", "node", "n"});
  CHECK(guarded.exit_code == 1);
  CHECK(guarded.out.empty());
  CHECK(guarded.err ==
        "Error: delete node \"n\": Conflict: cannot delete node \"n\": 1 project(s) still "
        "assigned\n");

  // A Pending project goes at once (204).
  auto pending = RunCaractrl(server, {"delete", "projects", "pending"});
  CHECK(pending.exit_code == 0);
  CHECK(pending.out == "project \"pending\" deleted\n");

  // A Running one starts terminating (202), --force removes it (204).
  auto graceful = RunCaractrl(server, {"delete", "project", "p"});
  CHECK(graceful.exit_code == 0);
  CHECK(graceful.out == "project \"p\" is being deleted\n");
  auto p = server.store().GetProject("p");
  REQUIRE(p.ok());
  CHECK(p->status.phase == api::kPhaseTerminating);
  auto forced = RunCaractrl(server, {"delete", "project", "p", "--force"});
  CHECK(forced.exit_code == 0);
  CHECK(forced.out == "project \"p\" deleted\n");
  CHECK(!server.store().GetProject("p").ok());

  auto node = RunCaractrl(server, {"delete", "nodes", "n"});
  CHECK(node.exit_code == 0);
  CHECK(node.out == "node \"n\" deleted\n");
  CHECK(!server.store().GetNode("n").ok());
}

TEST_CASE("delete reports missing objects and usage errors", "[cli]") {
  TestServer server("sqlite");
  auto node = RunCaractrl(server, {"delete", "node", "ghost"});
  CHECK(node.exit_code == 1);
  CHECK(node.err == "Error: node \"ghost\" not found\n");
  auto project = RunCaractrl(server, {"delete", "project", "ghost"});
  CHECK(project.exit_code == 1);
  CHECK(project.err == "Error: project \"ghost\" not found\n");
  auto unknown = RunCaractrl(server, {"delete", "widget", "x"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("unknown resource type \"widget\"") != std::string::npos);
  auto nothing = RunCaractrl(server, {"delete"});
  CHECK(nothing.exit_code != 1);  // help (0) or usage error (2), never an API failure
}

TEST_CASE("delete -f deletes every object the manifests name, projects first", "[cli]") {
  TestServer server("sqlite");
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/sub");
  WriteFile(dir.path() + "/a-nodes.yaml", NodeYaml("edge-1") + "---\n" + NodeYaml("edge-2"));
  WriteFile(dir.path() + "/b-shop.yaml", ProjectYaml("shop"));
  WriteFile(dir.path() + "/sub/c-blog.yml", ProjectYaml("blog"));
  auto applied = RunCaractrl(server, {"apply", "-f", dir.path()});
  INFO(applied.err);
  REQUIRE(applied.exit_code == 0);
  Assign(server, "shop", "edge-1");

  // Without --force the running project only starts terminating, so its node
  // refuses deletion; the others still go, and the run fails.
  auto first = RunCaractrl(server, {"delete", "-f", dir.path()});
  CHECK(first.exit_code == 1);
  CHECK(first.out ==
        "project \"shop\" is being deleted\n"
        "project \"blog\" deleted\n"
        "node \"edge-2\" deleted\n");
  CHECK(first.err ==
        "Error: delete node \"edge-1\": Conflict: cannot delete node \"edge-1\": 1 project(s) "
        "still assigned\n");

  // Again with --force: what is left goes; what is gone is reported, not fatal
  // to the rest.
  auto second = RunCaractrl(server, {"delete", "-f", dir.path(), "--force"});
  CHECK(second.exit_code == 1);
  CHECK(second.out == "project \"shop\" deleted\nnode \"edge-1\" deleted\n");
  CHECK(second.err == "Error: project \"blog\" not found\nError: node \"edge-2\" not found\n");
  auto nodes = server.store().ListNodes();
  REQUIRE(nodes.ok());
  CHECK(nodes->empty());
  auto projects = server.store().ListProjects();
  REQUIRE(projects.ok());
  CHECK(projects->empty());
}

TEST_CASE("delete -f validates every manifest first and deletes nothing on error", "[cli]") {
  TestServer server("sqlite");
  TempDir dir;
  WriteFile(dir.path() + "/a-good.yaml", ProjectYaml("keep"));
  WriteFile(dir.path() + "/b-bad.yaml", "apiVersion: caravanserai/v1\nkind: ConfigMap\n");
  REQUIRE(RunCaractrl(server, {"apply", "-f", "-"}, ProjectYaml("keep")).exit_code == 0);

  auto r = RunCaractrl(server, {"delete", "-f", dir.path()});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("unsupported kind \"ConfigMap\"") != std::string::npos);
  CHECK(r.err.find("nothing was deleted") != std::string::npos);
  CHECK(server.store().GetProject("keep").ok());

  auto missing = RunCaractrl(server, {"delete", "-f", dir.path() + "/no-such-file.yaml"});
  CHECK(missing.exit_code == 2);
  CHECK(server.store().GetProject("keep").ok());

  auto stdin_delete = RunCaractrl(server, {"delete", "-f", "-"}, ProjectYaml("keep"));
  CHECK(stdin_delete.exit_code == 0);
  CHECK(stdin_delete.out == "project \"keep\" deleted\n");
}

}  // namespace cara::testing
