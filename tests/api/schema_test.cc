// The JSON Schemas in schemas/: valid JSON Schema themselves, in agreement with
// the examples, with what the original agent and CLI send and with our own
// encoder, and precise about what is wrong with a bad document.
#include "api/schema.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "api/codec.h"
#include "api/manifest.h"
#include "api/semantic_rules.h"
#include "common/time_format.h"

namespace cara::api {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const fs::path kSourceDir = CARA_SOURCE_DIR;

// Every error as "pointer: message", one per line, for readable failures.
std::string Describe(const std::vector<SchemaError>& errors) {
  std::string out;
  for (const auto& e : errors)
    out += (e.pointer.empty() ? "<root>" : e.pointer) + ": " + e.message + "\n";
  return out;
}

bool HasError(const std::vector<SchemaError>& errors, const std::string& pointer,
              const std::string& message) {
  for (const auto& e : errors) {
    if (e.pointer == pointer && e.message == message) return true;
  }
  return false;
}

std::vector<SchemaError> ValidateByKind(const json& doc) {
  const std::string kind = doc.value("kind", "");
  if (kind == "Node") return ValidateNodeDocument(doc);
  if (kind == "Secret") return ValidateSecretDocument(doc);
  return ValidateProjectDocument(doc);
}

// A valid project with most optional fields filled in; tests break one thing.
json GoodProject() {
  return json::parse(R"({
    "apiVersion": "caravanserai/v1",
    "kind": "Project",
    "metadata": {"name": "shop", "labels": {"caravanserai.io/preview": "true"}},
    "spec": {
      "services": [
        {"name": "web", "image": "cara/busybox:test", "imagePullPolicy": "Never",
         "command": ["httpd", "-f", "-p", "80", "-h", "/www"],
         "env": [{"name": "MODE", "value": "demo"}],
         "volumeMounts": [{"name": "data", "mountPath": "/data"}]},
        {"name": "db", "image": "cara/busybox:test"}
      ],
      "volumes": [{"name": "data", "type": "Ephemeral"}],
      "ingress": [{"name": "web", "host": "shop.example.internal",
                   "target": {"service": "web", "port": 80}, "access": {"scope": "Internal"}}],
      "expireAt": "2030-01-01T00:00:00Z",
      "resources": {"cpu": "500m", "memory": "256Mi"}
    }
  })");
}

// ---- (a) the schemas are valid JSON Schema --------------------------------------------

// Validates `doc` against the draft-07 meta-schema with valijson.
std::vector<std::string> MetaSchemaErrors(const json& doc) {
  static const json meta =
      json::parse(ReadFile(kSourceDir / "tests/api/testdata/draft-07-schema.json"));
  valijson::Schema schema;
  valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
  valijson::adapters::NlohmannJsonAdapter meta_adapter(meta);
  parser.populateSchema(meta_adapter, schema);
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter adapter(doc);
  validator.validate(schema, adapter, &results);
  std::vector<std::string> errors;
  for (const auto& e : results) {
    std::string path;
    for (const auto& c : e.context) path += c;
    errors.push_back(path + ": " + e.description);
  }
  return errors;
}

TEST_CASE("schemas are valid draft-07 JSON Schema", "[schema]") {
  for (auto text : {NodeSchemaText(), ProjectSchemaText(), SecretSchemaText(), EventSchemaText()}) {
    json schema = json::parse(text);
    INFO(schema.value("title", ""));
    CHECK(schema["$schema"] == "http://json-schema.org/draft-07/schema#");
    auto errors = MetaSchemaErrors(schema);
    INFO(errors.size() << " errors, first: " << (errors.empty() ? "" : errors[0]));
    CHECK(errors.empty());
  }
}

TEST_CASE("meta-schema validation catches a broken schema", "[schema]") {
  // Proves the check above can fail.
  CHECK_FALSE(MetaSchemaErrors(json::parse(R"({"type": "strnig"})")).empty());
  CHECK_FALSE(MetaSchemaErrors(json::parse(R"({"required": "name"})")).empty());
  CHECK_FALSE(MetaSchemaErrors(json::parse(R"({"properties": {"a": {"minimum": "1"}}})")).empty());
}

TEST_CASE("embedded schema texts are the files in schemas/", "[schema]") {
  CHECK(json::parse(NodeSchemaText()) == json::parse(ReadFile(kSourceDir / "schemas/node.json")));
  CHECK(json::parse(ProjectSchemaText()) ==
        json::parse(ReadFile(kSourceDir / "schemas/project.json")));
  CHECK(json::parse(SecretSchemaText()) ==
        json::parse(ReadFile(kSourceDir / "schemas/secret.json")));
  CHECK(json::parse(EventSchemaText()) == json::parse(ReadFile(kSourceDir / "schemas/event.json")));
}

TEST_CASE("schema headers and shared definitions agree", "[schema]") {
  json node = json::parse(NodeSchemaText());
  json project = json::parse(ProjectSchemaText());
  CHECK(node["$id"] == "node.json");
  CHECK(project["$id"] == "project.json");
  CHECK(node["title"] == "Node");
  CHECK(project["title"] == "Project");
  CHECK(node["$ref"] == "#/definitions/Node");
  CHECK(project["$ref"] == "#/definitions/Project");
  // Each file stands alone, so the shared parts are written twice.
  for (const char* def : {"ObjectMeta", "Name", "StringMap", "Condition"}) {
    INFO(def);
    CHECK(node["definitions"][def] == project["definitions"][def]);
  }
  const json secret = json::parse(SecretSchemaText());
  for (const char* def : {"ObjectMeta", "Name", "StringMap"}) {
    INFO(def);
    CHECK(secret["definitions"][def] == project["definitions"][def]);
  }
}

// Every object in a schema must reject unknown fields, and every property
// needs a description (the schemas are user documentation).
void CheckStrictAndDocumented(const json& schema, const std::string& where) {
  if (!schema.is_object()) return;
  if (schema.contains("properties")) {
    INFO(where);
    CHECK(schema.value("additionalProperties", json(true)) == json(false));
    for (const auto& [name, sub] : schema["properties"].items()) {
      INFO(where + "/" + name);
      CHECK(sub.contains("description"));
      CheckStrictAndDocumented(sub, where + "/properties/" + name);
    }
  }
  if (schema.contains("items")) CheckStrictAndDocumented(schema["items"], where + "/items");
  if (schema.contains("definitions")) {
    for (const auto& [name, sub] : schema["definitions"].items()) {
      CheckStrictAndDocumented(sub, where + "/definitions/" + name);
    }
  }
}

TEST_CASE("every schema object is closed and every field documented", "[schema]") {
  CheckStrictAndDocumented(json::parse(NodeSchemaText()), "node.json#");
  CheckStrictAndDocumented(json::parse(ProjectSchemaText()), "project.json#");
  CheckStrictAndDocumented(json::parse(SecretSchemaText()), "secret.json#");
  CheckStrictAndDocumented(json::parse(EventSchemaText()), "event.json#");
}

// ---- (b) the examples validate ------------------------------------------------------------

TEST_CASE("every example manifest validates", "[schema][examples]") {
  int nodes = 0, projects = 0, previews = 0, secrets = 0;
  const fs::path root = kSourceDir / "examples/manifests";
  REQUIRE(fs::is_directory(root));
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    auto ext = entry.path().extension();
    if (!entry.is_regular_file() || (ext != ".yaml" && ext != ".yml" && ext != ".json")) continue;
    const std::string file = fs::relative(entry.path(), root).string();
    auto docs = LoadManifests(ReadFile(entry.path()), file);
    INFO(file);
    REQUIRE(docs.ok());
    for (const auto& doc : *docs) {
      auto errors = ValidateByKind(doc.value());
      std::string report;
      for (const auto& e : errors) report += FormatManifestError(doc, e) + "\n";
      INFO(report);
      CHECK(errors.empty());
      // The semantic rules the server applies hold too.
      if (doc.value()["kind"] == "Node") {
        ++nodes;
        auto node = DecodeNode(doc.value());
        REQUIRE(node.ok());
        CHECK(CheckNode(*node).empty());
      } else if (doc.value()["kind"] == "Secret") {
        ++secrets;
        auto secret = DecodeSecret(doc.value());
        REQUIRE(secret.ok());
        CHECK(CheckSecret(*secret).empty());
        // Safe to commit: every value is sealed.
        CHECK(secret->string_data.empty());
        CHECK_FALSE(secret->sealed_data.empty());
      } else {
        ++projects;
        auto project = DecodeProject(doc.value());
        REQUIRE(project.ok());
        for (const auto& v : CheckProject(*project)) FAIL_CHECK(v.pointer << ": " << v.message);
        if (file.rfind("previews/", 0) == 0) {
          ++previews;
          CHECK(project->spec.expire_at.has_value());
          CHECK(project->metadata.labels["caravanserai.io/preview"] == "true");
        }
      }
    }
  }
  CHECK(nodes >= 2);
  CHECK(projects >= 3);
  CHECK(previews >= 1);
  CHECK(secrets >= 1);
}

// ---- (c) what the original agent and CLI send ----------------------------------------------

TEST_CASE("original agent registration body validates", "[schema][compat]") {
  // Go's encoding/json of a Node with only name and hostname set: time.Time
  // fields are never left out and nested structs are always present.
  json body = json::parse(R"({
    "apiVersion": "caravanserai/v1", "kind": "Node",
    "metadata": {"name": "node-1", "createdAt": "0001-01-01T00:00:00Z",
                 "updatedAt": "0001-01-01T00:00:00Z"},
    "spec": {"hostname": "node-1"},
    "status": {"network": {"throughput": {"lastTestTime": "0001-01-01T00:00:00Z"}},
               "info": {}, "lastHeartbeat": "0001-01-01T00:00:00Z"}
  })");
  auto errors = ValidateNodeDocument(body);
  INFO(Describe(errors));
  CHECK(errors.empty());
}

TEST_CASE("nodes as the original server returns them validate", "[schema][compat]") {
  json ready = json::parse(R"({
    "apiVersion": "caravanserai/v1", "kind": "Node",
    "metadata": {"name": "node-1", "createdAt": "2025-01-01T12:00:00.123456Z",
                 "updatedAt": "2025-01-01T12:00:30.654321Z"},
    "spec": {"hostname": "node-1"},
    "status": {"state": "Ready",
               "network": {"ip": "10.0.0.5", "agentPort": 9090,
                           "throughput": {"lastTestTime": "0001-01-01T00:00:00Z"}},
               "info": {}, "lastHeartbeat": "2025-01-01T12:00:30.654321Z"}
  })");
  auto errors = ValidateNodeDocument(ready);
  INFO(Describe(errors));
  CHECK(errors.empty());

  json not_ready = ready;
  not_ready["status"]["state"] = "NotReady";
  not_ready["status"]["conditions"] = json::parse(R"([{
    "type": "Ready", "status": "False", "lastHeartbeatTime": "0001-01-01T00:00:00Z",
    "lastTransitionTime": "2025-01-01T12:02:00+02:00", "reason": "HeartbeatTimeout",
    "message": "Agent has not posted a heartbeat within the timeout window"}])");
  errors = ValidateNodeDocument(not_ready);
  INFO(Describe(errors));
  CHECK(errors.empty());

  // The agent's heartbeat body is a NodeStatus.
  json heartbeat = ready;
  heartbeat["status"] = json::parse(R"({"state": "Ready", "network": {"ip": "10.0.0.5",
      "agentPort": 9090, "throughput": {"lastTestTime": "0001-01-01T00:00:00Z"}}})");
  errors = ValidateNodeDocument(heartbeat);
  INFO(Describe(errors));
  CHECK(errors.empty());
}

TEST_CASE("projects as the original server and CLI send them validate", "[schema][compat]") {
  json running = json::parse(R"({
    "apiVersion": "caravanserai/v1", "kind": "Project",
    "metadata": {"name": "nginx-demo", "createdAt": "2025-01-01T12:00:00Z",
                 "updatedAt": "2025-01-01T12:00:05.5Z"},
    "spec": {"services": [{"name": "web", "image": "nginx:alpine"}]},
    "status": {"phase": "Running", "nodeRef": "node-1",
               "conditions": [{"type": "Phase", "status": "True",
                               "lastHeartbeatTime": "0001-01-01T00:00:00Z",
                               "lastTransitionTime": "2025-01-01T12:00:05Z",
                               "reason": "ContainersRunning",
                               "message": "All containers running"}]}
  })");
  auto errors = ValidateProjectDocument(running);
  INFO(Describe(errors));
  CHECK(errors.empty());

  // caractl apply: YAML decoded into the Go structs and encoded again, so the
  // zero times and an ingress access with an empty scope come along.
  json applied = json::parse(R"({
    "apiVersion": "caravanserai/v1", "kind": "Project",
    "metadata": {"name": "blog", "createdAt": "0001-01-01T00:00:00Z",
                 "updatedAt": "0001-01-01T00:00:00Z"},
    "spec": {"services": [{"name": "web", "image": "ghost:5",
                           "env": [{"name": "url", "value": "http://blog.local"}, {"name": "EMPTY"}],
                           "volumeMounts": [{"name": "content", "mountPath": "/var/lib/ghost"}]}],
             "volumes": [{"name": "content", "type": "Ephemeral"}],
             "ingress": [{"name": "web", "host": "blog.local",
                          "target": {"service": "web", "port": 2368}, "access": {"scope": ""}}]},
    "status": {}
  })");
  errors = ValidateProjectDocument(applied);
  INFO(Describe(errors));
  CHECK(errors.empty());
}

TEST_CASE("null stands for absent in optional fields", "[schema][compat]") {
  json node = json::parse(R"({
    "apiVersion": "caravanserai/v1", "kind": "Node",
    "metadata": {"name": "n1", "labels": null, "annotations": null, "createdAt": null,
                 "resourceVersion": null, "generation": null},
    "spec": null,
    "status": {"state": null, "network": {"ip": null, "mode": null, "throughput": null},
               "capacity": null, "allocatable": null, "info": null, "lastHeartbeat": null,
               "conditions": null}
  })");
  auto errors = ValidateNodeDocument(node);
  INFO(Describe(errors));
  CHECK(errors.empty());

  json project = GoodProject();
  project["spec"]["volumes"] = nullptr;
  project["spec"]["expireAt"] = nullptr;
  project["spec"]["resources"] = nullptr;
  project["spec"]["services"][0]["env"] = nullptr;
  project["spec"]["services"][0]["volumeMounts"] = nullptr;
  project["spec"]["services"][0]["command"] = nullptr;
  project["spec"]["services"][0]["imagePullPolicy"] = nullptr;
  project["spec"]["ingress"] = json::parse(
      R"([{"name": "web", "host": null, "target": {"service": "web", "port": 80}, "access": null}])");
  project["status"] = {
      {"phase", nullptr}, {"conditions", nullptr}, {"observedGeneration", nullptr}};
  errors = ValidateProjectDocument(project);
  INFO(Describe(errors));
  CHECK(errors.empty());
  project["spec"]["ingress"] = nullptr;
  CHECK(ValidateProjectDocument(project).empty());
}

TEST_CASE("everything our encoder writes validates", "[schema][codec]") {
  const Timestamp t = *ParseRfc3339("2025-03-04T05:06:07.5Z");
  Node n;
  n.metadata = {"node-1", {{"zone", "a"}}, {{"note", "x"}}, t, t, "42", 3};
  n.spec = {"node-1", true};
  n.status.state = kNodeDraining;
  n.status.network = {"10.0.0.5", "node-1.lan", "Direct", 9090, {"1Gbps", "100Mbps", t}};
  n.status.capacity = {{"cpu", "4000m"}, {"memory", "7953Mi"}, {"disk", "98Gi"}};
  n.status.allocatable = {{"cpu", "3500m"}, {"memory", "7441Mi"}};
  n.status.info = {"6.1.0-18-amd64", "Debian GNU/Linux 12 (bookworm)", "0.1.0"};
  n.status.last_heartbeat = t;
  n.status.conditions = {{"Ready", "True", t, t, "AgentReady", "ok"}};
  auto errors = ValidateNodeDocument(json::parse(EncodeNode(n)));
  INFO(Describe(errors));
  CHECK(errors.empty());

  Project p;
  p.metadata = {"shop", {{"app", "shop"}}, {}, t, t, "7", 2};
  ServiceDef web{"web",
                 "cara/busybox:test",
                 {{"A", "1", std::nullopt}, {"B", std::nullopt, std::nullopt}},
                 {{"data", "/data"}},
                 {"sh", "-c", "true"},
                 "Always",
                 {},
                 std::nullopt,
                 "",
                 {},
                 {}};
  p.spec.services = {web};
  p.spec.volumes = {{"data", "Ephemeral"}};
  p.spec.ingress = {{"web", "shop.local", "web", 80, "Internal"}};
  p.spec.expire_at = t;
  p.spec.resources = {"1.5", "1Gi"};
  p.status = {kPhaseRunning, "node-1", {{"Phase", "True", std::nullopt, t, "R", "m"}}, 2, {}};
  errors = ValidateProjectDocument(json::parse(EncodeProject(p)));
  INFO(Describe(errors));
  CHECK(errors.empty());
}

// ---- (d) precise errors ---------------------------------------------------------------------

TEST_CASE("a good project has no errors", "[schema]") {
  auto errors = ValidateProjectDocument(GoodProject());
  INFO(Describe(errors));
  CHECK(errors.empty());
}

struct Case {
  const char* what;
  const char* patch;  // JSON Patch applied to GoodProject()
  const char* pointer;
  const char* message;
};

TEST_CASE("each kind of mistake gets a pointer and a clear message", "[schema]") {
  const Case cases[] = {
      {"unknown field",
       R"([{"op":"add","path":"/spec/services/0/imagePullPolcy","value":"Always"}])",
       "/spec/services/0/imagePullPolcy", R"(unknown field "imagePullPolcy")"},
      {"unknown top-level field", R"([{"op":"add","path":"/specs","value":{}}])", "/specs",
       R"(unknown field "specs")"},
      {"wrong type", R"([{"op":"replace","path":"/spec/ingress/0/target/port","value":"80"}])",
       "/spec/ingress/0/target/port", "expected integer, got string"},
      {"float for integer",
       R"([{"op":"replace","path":"/spec/ingress/0/target/port","value":80.5}])",
       "/spec/ingress/0/target/port", "expected integer, got number"},
      {"number for string",
       R"([{"op":"replace","path":"/spec/services/0/env/0/value","value":8080}])",
       "/spec/services/0/env/0/value", "expected string, got integer"},
      {"object for array", R"([{"op":"replace","path":"/spec/services","value":{}}])",
       "/spec/services", "expected array, got object"},
      {"null services", R"([{"op":"replace","path":"/spec/services","value":null}])",
       "/spec/services", "expected array, got null"},
      {"bad enum",
       R"([{"op":"replace","path":"/spec/services/0/imagePullPolicy","value":"Sometimes"}])",
       "/spec/services/0/imagePullPolicy", "must be one of: Always, IfNotPresent, Never"},
      {"bad volume type", R"([{"op":"replace","path":"/spec/volumes/0/type","value":"HostPath"}])",
       "/spec/volumes/0/type", "must be one of: Ephemeral, Persistent"},
      {"bad restart policy",
       R"([{"op":"add","path":"/spec/services/0/restartPolicy","value":"Sometimes"}])",
       "/spec/services/0/restartPolicy", "must be one of: Never, OnFailure, Always"},
      {"bad protocol",
       R"([{"op":"add","path":"/spec/services/0/ports","value":[{"containerPort":80,"protocol":"sctp"}]}])",
       "/spec/services/0/ports/0/protocol", "must be one of: tcp, udp"},
      {"container port 0",
       R"([{"op":"add","path":"/spec/services/0/ports","value":[{"containerPort":0}]}])",
       "/spec/services/0/ports/0/containerPort", "must be at least 1"},
      {"host port too high",
       R"([{"op":"add","path":"/spec/services/0/ports","value":[{"containerPort":80,"hostPort":70000}]}])",
       "/spec/services/0/ports/0/hostPort", "must be at most 65535"},
      {"bad dependency condition",
       R"([{"op":"add","path":"/spec/services/0/dependsOn","value":[{"service":"db","condition":"Ready"}]}])",
       "/spec/services/0/dependsOn/0/condition", "must be one of: Started, Healthy"},
      {"healthcheck without command",
       R"([{"op":"add","path":"/spec/services/0/healthcheck","value":{"interval":"5s"}}])",
       "/spec/services/0/healthcheck", R"(missing required property "command")"},
      {"negative retries",
       R"([{"op":"add","path":"/spec/services/0/healthcheck","value":{"command":["true"],"retries":-1}}])",
       "/spec/services/0/healthcheck/retries", "must be at least 0"},
      {"nodeSelector value not a string",
       R"([{"op":"add","path":"/spec/nodeSelector","value":{"zone":1}}])",
       "/spec/nodeSelector/zone", "expected string, got integer"},
      {"bad scope", R"([{"op":"replace","path":"/spec/ingress/0/access/scope","value":"Public"}])",
       "/spec/ingress/0/access/scope", "must be one of: Internal"},
      {"bad phase", R"([{"op":"add","path":"/status","value":{"phase":"Runing"}}])",
       "/status/phase",
       "must be one of: Pending, Scheduled, Running, Failed, Terminating, Terminated"},
      {"bad date-time",
       R"([{"op":"replace","path":"/spec/expireAt","value":"2030-13-01T00:00:00Z"}])",
       "/spec/expireAt",
       R"(must be an RFC 3339 date-time such as "2030-01-01T00:00:00Z", got "2030-13-01T00:00:00Z")"},
      {"date without time", R"([{"op":"replace","path":"/spec/expireAt","value":"2030-01-01"}])",
       "/spec/expireAt",
       R"(must be an RFC 3339 date-time such as "2030-01-01T00:00:00Z", got "2030-01-01")"},
      {"bad condition time",
       R"([{"op":"add","path":"/status","value":{"conditions":[{"type":"Phase","status":"True","lastTransitionTime":"now"}]}}])",
       "/status/conditions/0/lastTransitionTime",
       R"(must be an RFC 3339 date-time such as "2030-01-01T00:00:00Z", got "now")"},
      {"missing required", R"([{"op":"remove","path":"/spec/services/0/image"}])",
       "/spec/services/0", R"(missing required property "image")"},
      {"missing spec", R"([{"op":"remove","path":"/spec"}])", "",
       R"(missing required property "spec")"},
      {"missing name", R"([{"op":"remove","path":"/metadata/name"}])", "/metadata",
       R"(missing required property "name")"},
      {"bad name", R"([{"op":"replace","path":"/metadata/name","value":"Shop_1"}])",
       "/metadata/name",
       "must consist of lowercase alphanumeric characters, '-' or '.', and must start and end "
       "with an alphanumeric character"},
      {"name ending in a dash", R"([{"op":"replace","path":"/metadata/name","value":"shop-"}])",
       "/metadata/name",
       "must consist of lowercase alphanumeric characters, '-' or '.', and must start and end "
       "with an alphanumeric character"},
      {"port 0", R"([{"op":"replace","path":"/spec/ingress/0/target/port","value":0}])",
       "/spec/ingress/0/target/port", "must be at least 1"},
      {"no services", R"([{"op":"replace","path":"/spec/services","value":[]}])", "/spec/services",
       "must contain at least 1 item(s)"},
      {"empty image", R"([{"op":"replace","path":"/spec/services/1/image","value":""}])",
       "/spec/services/1/image", "must not be empty"},
      {"bad quantity", R"([{"op":"replace","path":"/spec/resources/memory","value":"lots"}])",
       "/spec/resources/memory",
       R"(must be a quantity such as "500m", "2", "1.5", "256Mi" or "4Gi")"},
      {"bad label value", R"([{"op":"add","path":"/metadata/labels/tier","value":1}])",
       "/metadata/labels/tier", "expected string, got integer"},
      {"negative generation", R"([{"op":"add","path":"/metadata/generation","value":-1}])",
       "/metadata/generation", "must be at least 0"},
      {"bad command item", R"([{"op":"add","path":"/spec/services/0/command/-","value":80}])",
       "/spec/services/0/command/6", "expected string, got integer"},
      {"wrong kind", R"([{"op":"replace","path":"/kind","value":"Node"}])", "/kind",
       R"(must be "Project")"},
      {"wrong apiVersion", R"([{"op":"replace","path":"/apiVersion","value":"v1"}])", "/apiVersion",
       R"(must be "caravanserai/v1")"},
  };
  for (const Case& c : cases) {
    json doc = GoodProject().patch(json::parse(c.patch));
    auto errors = ValidateProjectDocument(doc);
    INFO(c.what << "\n" << Describe(errors));
    CHECK(HasError(errors, c.pointer, c.message));
    CHECK(errors.size() == 1);
  }
}

TEST_CASE("label keys with '/' are escaped in pointers", "[schema]") {
  json doc = GoodProject();
  doc["metadata"]["labels"]["caravanserai.io/preview"] = true;
  auto errors = ValidateProjectDocument(doc);
  INFO(Describe(errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].pointer == "/metadata/labels/caravanserai.io~1preview");
  CHECK(errors[0].message == "expected string, got boolean");
}

TEST_CASE("an over-long name is reported", "[schema]") {
  json doc = GoodProject();
  doc["metadata"]["name"] = std::string(254, 'a');
  auto errors = ValidateProjectDocument(doc);
  INFO(Describe(errors));
  CHECK(HasError(errors, "/metadata/name", "must be at most 253 characters long"));
  doc["metadata"]["name"] = std::string(253, 'a');
  CHECK(ValidateProjectDocument(doc).empty());
  doc["metadata"]["name"] = "a";
  CHECK(ValidateProjectDocument(doc).empty());
  doc["metadata"]["name"] = "a..b-c.9";
  CHECK(ValidateProjectDocument(doc).empty());
}

TEST_CASE("a non-object document is reported at the root", "[schema]") {
  auto errors = ValidateProjectDocument(json::parse("[1, 2]"));
  INFO(Describe(errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].pointer == "");
  CHECK(errors[0].message == "expected object, got array");
  errors = ValidateNodeDocument(json("Node"));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "expected object, got string");
}

TEST_CASE("every error is reported, sorted by pointer", "[schema]") {
  json doc = GoodProject();
  doc["metadata"]["name"] = "Bad Name";
  doc["spec"]["services"][0]["imagePullPolcy"] = "Always";
  doc["spec"]["services"][0]["ports"] = json::array({80});
  doc["spec"]["services"][0]["restart"] = "always";
  doc["spec"]["services"][1].erase("image");
  doc["spec"]["ingress"][0]["target"]["port"] = 0;
  doc["spec"]["expireAt"] = "soon";
  doc["status"] = {{"phase", "Done"}};
  // Twelve services, so index 10 must sort after index 2.
  for (int i = 2; i < 12; ++i)
    doc["spec"]["services"].push_back({{"name", "s" + std::to_string(i)}});

  auto errors = ValidateProjectDocument(doc);
  INFO(Describe(errors));
  std::vector<std::string> pointers;
  for (const auto& e : errors) pointers.push_back(e.pointer);
  std::vector<std::string> expected = {
      "/metadata/name",
      "/spec/expireAt",
      "/spec/ingress/0/target/port",
      "/spec/services/0/imagePullPolcy",
      "/spec/services/0/ports/0",
      "/spec/services/0/restart",
      "/spec/services/1",
      "/spec/services/2",
      "/spec/services/3",
      "/spec/services/4",
      "/spec/services/5",
      "/spec/services/6",
      "/spec/services/7",
      "/spec/services/8",
      "/spec/services/9",
      "/spec/services/10",
      "/spec/services/11",
      "/status/phase",
  };
  CHECK(pointers == expected);
  CHECK(HasError(errors, "/spec/services/0/restart", R"(unknown field "restart")"));
  CHECK(HasError(errors, "/spec/services/0/ports/0", "expected object, got integer"));
  CHECK(HasError(errors, "/spec/services/11", R"(missing required property "image")"));
}

TEST_CASE("a type error hides the other complaints about the same value", "[schema]") {
  json doc = GoodProject();
  doc["spec"]["services"][0]["imagePullPolicy"] = 3;  // fails "type" and "enum"
  auto errors = ValidateProjectDocument(doc);
  INFO(Describe(errors));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "expected string, got integer");
}

TEST_CASE("node documents get the same treatment", "[schema]") {
  json doc = json::parse(R"({
    "apiVersion": "caravanserai/v1", "kind": "Node",
    "metadata": {"name": "node-1"},
    "spec": {"unschedulable": "yes", "drain": true},
    "status": {"state": "Up", "network": {"mode": "Tunnel", "agentPort": 70000},
               "lastHeartbeat": "2025-01-01 12:00:00", "capacity": {"cpu": 4},
               "conditions": [{"type": "Ready"}]}
  })");
  auto errors = ValidateNodeDocument(doc);
  INFO(Describe(errors));
  CHECK(HasError(errors, "/spec/unschedulable", "expected boolean, got string"));
  CHECK(HasError(errors, "/spec/drain", R"(unknown field "drain")"));
  CHECK(HasError(errors, "/status/state", "must be one of: Ready, NotReady, Draining"));
  CHECK(HasError(errors, "/status/network/mode", "must be one of: Direct, DERP"));
  CHECK(HasError(errors, "/status/network/agentPort", "must be at most 65535"));
  CHECK(HasError(
      errors, "/status/lastHeartbeat",
      R"(must be an RFC 3339 date-time such as "2030-01-01T00:00:00Z", got "2025-01-01 12:00:00")"));
  CHECK(HasError(errors, "/status/capacity/cpu", "expected string, got integer"));
  CHECK(HasError(errors, "/status/conditions/0", R"(missing required property "status")"));
  CHECK(errors.size() == 8);
}

TEST_CASE("date-times accept every RFC 3339 form", "[schema]") {
  for (const char* t :
       {"2030-01-01T00:00:00Z", "2030-01-01t00:00:00z", "2030-01-01T00:00:00.123456789Z",
        "2030-01-01T02:00:00+02:00", "2029-12-31T19:00:00-05:00", "0001-01-01T00:00:00Z",
        "2024-02-29T00:00:00Z"}) {
    json doc = GoodProject();
    doc["spec"]["expireAt"] = t;
    INFO(t);
    CHECK(ValidateProjectDocument(doc).empty());
  }
  json far = GoodProject();
  far["spec"]["expireAt"] = "9999-12-31T23:59:59Z";  // "never", as some would write it
  auto errors = ValidateProjectDocument(far);
  INFO(Describe(errors));
  CHECK(HasError(
      errors, "/spec/expireAt",
      R"(must be a date-time between the years 1678 and 2261, got "9999-12-31T23:59:59Z")"));
  for (const char* t : {"2023-02-29T00:00:00Z", "2030-01-01T24:00:00Z", "2030-01-01T00:00:00",
                        "2030-01-01T00:00:00+0200", "2030-1-1T00:00:00Z", ""}) {
    json doc = GoodProject();
    doc["spec"]["expireAt"] = t;
    INFO(t);
    CHECK(ValidateProjectDocument(doc).size() == 1);
  }
}

TEST_CASE("validators can be used from several threads", "[schema]") {
  json good = GoodProject();
  json bad = GoodProject();
  bad["spec"]["services"][0]["image"] = 1;
  std::atomic<int> failures{0};
  auto work = [&] {
    for (int i = 0; i < 200; ++i) {
      if (!ValidateProjectDocument(good).empty()) ++failures;
      if (ValidateProjectDocument(bad).size() != 1) ++failures;
    }
  };
  std::thread a(work), b(work);
  a.join();
  b.join();
  CHECK(failures == 0);
}

TEST_CASE("a SchemaValidator can be reused", "[schema]") {
  SchemaValidator validator(SchemaValidator::Kind::kProject);
  json bad = GoodProject();
  bad["metadata"]["name"] = "UPPER";
  for (int i = 0; i < 3; ++i) {
    CHECK(validator.Validate(GoodProject()).empty());
    CHECK(validator.Validate(bad).size() == 1);
  }
}

}  // namespace
}  // namespace cara::api
