// caractrl's manifest validation, run as the real binary: every error of
// every file at once, as file:line:col: /pointer: message, with the server's
// semantic rules (api/semantic_rules.h), and nothing applied.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "support/caractrl.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace cara::testing {
namespace {

ProcessResult Caractrl(const TestServer& server, std::vector<std::string> args) {
  args.insert(args.begin(), BuiltBinary("caractrl"));
  return RunProcess(args, CaractrlEnv(server.url()));
}

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

const char kGood[] = R"(apiVersion: caravanserai/v1
kind: Project
metadata:
  name: good
spec:
  services:
    - name: web
      image: cara/busybox:test
)";

// A schema error (an unknown field) and semantic errors in one document.
const char kSchemaAndRules[] = R"(apiVersion: caravanserai/v1
kind: Project
metadata:
  name: both
spec:
  services:
    - name: web
      image: nginx
      imagePullPolcy: Always
      volumeMounts:
        - name: data
          mountPath: data
    - name: web
      image: nginx
  volumes:
    - name: data
      type: Ephemeral
)";

// Semantic errors only, several of them.
const char kRulesOnly[] = R"(apiVersion: caravanserai/v1
kind: Project
metadata:
  name: rules
  labels:
    ../x y: web
spec:
  services:
    - name: web
      image: nginx
      env:
        - name: MODE
        - name: MODE
  ingress:
    - name: http
      target: {service: api, port: 80}
  resources:
    cpu: "99999999999999999999"
)";

// A type error: the rules cannot run on this document, the schema speaks.
const char kTypeError[] = R"(apiVersion: caravanserai/v1
kind: Node
metadata:
  name: n1
spec:
  unschedulable: "no"
)";

// The workload fields: schema and rule errors, each at its position.
const char kWorkload[] = R"(apiVersion: caravanserai/v1
kind: Project
metadata:
  name: shop
spec:
  nodeSelector:
    zone: eu 1
  services:
    - name: web
      image: nginx
      ports:
        - containerPort: 80
          hostPort: 8080
          hostIP: eth0
      dependsOn:
        - service: db
          condition: Healthy
      resources:
        limits: {cpu: "0", memory: 64Mi}
    - name: db
      image: nginx
      ports:
        - {containerPort: 5432, hostPort: 8080}
      healthcheck:
        command: [pg_isready]
        interval: "5"
      dependsOn:
        - service: web
      restartPolicy: Sometimes
)";

// Each of `lines` is in `text`, in this order.
void CheckInOrder(const std::string& text, const std::vector<std::string>& lines) {
  size_t last = 0;
  for (const std::string& line : lines) {
    INFO(line);
    size_t at = text.find(line);
    CHECK(at != std::string::npos);
    if (at != std::string::npos) {
      CHECK(at >= last);
      last = at;
    }
  }
}

void CheckNothingApplied(TestServer& server) {
  auto projects = server.store().ListProjects();
  REQUIRE(projects.ok());
  CHECK(projects->empty());
  auto nodes = server.store().ListNodes();
  REQUIRE(nodes.ok());
  CHECK(nodes->empty());
}

}  // namespace

TEST_CASE("apply reports every semantic violation of a document at its position", "[cli]") {
  TestServer server("sqlite");
  TempDir dir;
  const std::string d = dir.path() + "/";
  WriteFile(d + "a-good.yaml", kGood);
  WriteFile(d + "c-rules.yaml", kRulesOnly);

  auto r = Caractrl(server, {"apply", "-f", dir.path()});
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CheckInOrder(r.err,
               {d + "c-rules.yaml:6:13: /metadata/labels/..~1x y: key \"../x y\" is invalid",
                d + "c-rules.yaml:13:17: /spec/services/0/env/1/name: service web: duplicate env "
                    "name: MODE",
                d + "c-rules.yaml:16:25: /spec/ingress/0/target/service: ingress http: target "
                    "service api does not exist in spec.services",
                d + "c-rules.yaml:18:10: /spec/resources/cpu: quantity "
                    "\"99999999999999999999\" is out of range",
                "Error: 4 error(s) in manifests; nothing was applied"});
  CheckNothingApplied(server);
}

TEST_CASE("apply reports every error of every file at once and applies nothing", "[cli]") {
  TestServer server("sqlite");
  TempDir dir;
  const std::string d = dir.path() + "/";
  WriteFile(d + "a-good.yaml", kGood);
  WriteFile(d + "b-both.yaml", kSchemaAndRules);
  WriteFile(d + "c-rules.yaml", kRulesOnly);
  WriteFile(d + "d-types.yaml", kTypeError);

  auto r = Caractrl(server, {"apply", "-f", dir.path()});
  INFO(r.err);
  CHECK(r.exit_code == 2);
  const std::vector<std::string> expected = {
      d + "b-both.yaml:9:23: /spec/services/0/imagePullPolcy: unknown field \"imagePullPolcy\"",
      d + "b-both.yaml:12:22: /spec/services/0/volumeMounts/0/mountPath: service web: mountPath "
          "\"data\" must be an absolute path",
      d + "b-both.yaml:13:13: /spec/services/1/name: duplicate service name: web",
      d + "c-rules.yaml:6:13: /metadata/labels/..~1x y: key \"../x y\" is invalid: the prefix "
          "\"..\" must be a DNS subdomain",
      d + "c-rules.yaml:13:17: /spec/services/0/env/1/name: service web: duplicate env name: "
          "MODE",
      d + "c-rules.yaml:16:25: /spec/ingress/0/target/service: ingress http: target service api "
          "does not exist in spec.services",
      d + "c-rules.yaml:18:10: /spec/resources/cpu: quantity \"99999999999999999999\" is out of "
          "range",
      d + "d-types.yaml:6:18: /spec/unschedulable: expected boolean, got string",
      "Error: 8 error(s) in manifests; nothing was applied",
  };
  CheckInOrder(r.err, expected);  // files in order, each file's errors by position
  CheckNothingApplied(server);
}

TEST_CASE("apply reports the workload fields' errors at their positions", "[cli][workload]") {
  TestServer server("sqlite");
  TempDir dir;
  const std::string file = dir.path() + "/shop.yaml";
  WriteFile(file, kWorkload);

  auto r = Caractrl(server, {"apply", "-f", file});
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CheckInOrder(
      r.err,
      {file + ":7:11: /spec/nodeSelector/zone: nodeSelector value \"eu 1\" is invalid",
       file + ":14:19: /spec/services/0/ports/0/hostIP: service web: hostIP \"eth0\" must be an "
              "IPv4 or IPv6 address",
       file + ":19:23: /spec/services/0/resources/limits/cpu: service web: cpu limit \"0\" must "
              "be greater than 0",
       file + ":23:43: /spec/services/1/ports/0/hostPort: service db: host port 8080:5432/tcp is "
              "already published by service web (eth0:8080:80/tcp)",
       file + ":26:19: /spec/services/1/healthcheck/interval: service db: healthcheck interval "
              "\"5\" must be a duration such as \"10s\" or \"1m30s\"",
       file + ":28:20: /spec/services/1/dependsOn/0/service: dependency cycle: web -> db -> web",
       file + ":29:22: /spec/services/1/restartPolicy: must be one of: Never, OnFailure, Always",
       "Error: 7 error(s) in manifests; nothing was applied"});
  CheckNothingApplied(server);
}

TEST_CASE("apply enforces the metadata limits at their position", "[cli]") {
  TestServer server("sqlite");
  TempDir dir;
  const std::string file = dir.path() + "/many.yaml";
  std::string yaml = "apiVersion: caravanserai/v1\nkind: Node\nmetadata:\n  name: n1\n  labels:\n";
  for (int i = 0; i < 257; ++i) yaml += "    k" + std::to_string(i) + ": v\n";
  yaml += "  annotations:\n    big: \"" + std::string(300 * 1024, 'x') + "\"\n";
  WriteFile(file, yaml);

  auto r = Caractrl(server, {"apply", "-f", file});
  INFO(r.err.substr(0, 2000));
  CHECK(r.exit_code == 2);
  CheckInOrder(r.err, {file + ":4:3: /metadata: labels and annotations take 308378 bytes: must be "
                              "no more than 262144 bytes (256 KiB) together",
                       file + ":6:5: /metadata/labels: has 257 entries: must have no more than "
                              "256 labels",
                       "Error: 2 error(s) in manifests; nothing was applied"});
  CheckNothingApplied(server);
}

}  // namespace cara::testing
