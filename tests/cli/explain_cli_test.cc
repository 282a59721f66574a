// caractrl explain: the real binary, offline (an unreachable server and an
// unreadable config file change nothing), printing kubectl's layout from the
// embedded schemas, and docs/manifest-reference.md kept equal to what
// `explain -o markdown` generates.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/file_contents.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace cara::testing {
namespace {

// caractrl ARGS with nowhere to connect to and a config file that is not
// one: explain must not look at either.
ProcessResult Explain(std::vector<std::string> args) {
  static TempDir dir;
  const std::string config = dir.path() + "/broken-config.yaml";
  std::ofstream(config) << "{ this is: [not a config\n";
  args.insert(args.begin(), BuiltBinary("caractrl"));
  return RunProcess(
      args, {{"CARA_SERVER", "https://127.0.0.1:1"}, {"CARA_CONFIG", config}, {"CARA_TOKEN", ""}});
}

std::string OutputOf(std::vector<std::string> args) {
  ProcessResult r = Explain(std::move(args));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  return r.out;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The first line where `a` and `b` differ, as "line N: A | B".
std::string FirstDifference(const std::string& a, const std::string& b) {
  std::istringstream sa(a), sb(b);
  std::string la, lb;
  for (int n = 1;; ++n) {
    bool more_a = static_cast<bool>(std::getline(sa, la));
    bool more_b = static_cast<bool>(std::getline(sb, lb));
    if (!more_a && !more_b) return "";
    if (!more_a || !more_b || la != lb) {
      return "line " + std::to_string(n) + ":\n  committed: " + (more_a ? la : "<end>") +
             "\n  generated: " + (more_b ? lb : "<end>");
    }
  }
}

}  // namespace

TEST_CASE("explain prints a field in kubectl's layout without a server", "[cli][explain]") {
  const std::string out = OutputOf({"explain", "project.spec.services"});
  CHECK(out.rfind("KIND:       Project\n"
                  "VERSION:    caravanserai/v1\n"
                  "\n"
                  "FIELD: services <[]ServiceDef> -required-\n"
                  "\n"
                  "DESCRIPTION:\n"
                  "    The containers of the project, at least one;",
                  0) == 0);
  CHECK(Contains(out, "\nFIELDS:\n  name\t<string> -required-\n    Service name: 1 to 63"));
  CHECK(Contains(out, "\n  image\t<string> -required-\n"));
  CHECK(Contains(out, "\n  ports\t<[]PortMapping>\n    Ports the container listens on;"));
  CHECK(Contains(out, "\n  healthcheck\t<HealthCheck>\n"));
  // Descriptions are wrapped to 80 columns.
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    INFO(line);
    CHECK(line.size() <= 80);
  }
}

TEST_CASE("explain takes the resource words get takes, and the kind", "[cli][explain]") {
  const std::string project = OutputOf({"explain", "project.spec"});
  CHECK(OutputOf({"explain", "projects.spec"}) == project);
  CHECK(OutputOf({"explain", "Project.spec"}) == project);
  CHECK(OutputOf({"explain", "nodes.spec"}) == OutputOf({"explain", "node.spec"}));
  CHECK(OutputOf({"explain", "secrets"}).rfind("KIND:       Secret\n", 0) == 0);
  CHECK(OutputOf({"explain", "events"}) == OutputOf({"explain", "event"}));
  CHECK(Contains(OutputOf({"explain", "event"}), "KIND:       Event\n"));
}

TEST_CASE("explain of a kind lists its fields, of a leaf its allowed values", "[cli][explain]") {
  const std::string kind = OutputOf({"explain", "node"});
  CHECK(kind.rfind("KIND:       Node\nVERSION:    caravanserai/v1\n\nDESCRIPTION:\n    A machine",
                   0) == 0);
  CHECK_FALSE(Contains(kind, "FIELD: "));
  CHECK(Contains(kind, "\nFIELDS:\n  apiVersion\t<string> -required-\n"));
  CHECK(Contains(kind, "\n  status\t<NodeStatus>\n"));

  const std::string leaf = OutputOf({"explain", "project.spec.services.imagePullPolicy"});
  CHECK(Contains(leaf, "\nFIELD: imagePullPolicy <string>\n"));
  CHECK(Contains(leaf, "\n    Allowed values: Always, IfNotPresent, Never.\n"));
  CHECK_FALSE(Contains(leaf, "FIELDS:"));
}

TEST_CASE("explain --recursive prints the tree of fields", "[cli][explain]") {
  const std::string out = OutputOf({"explain", "project.spec", "--recursive"});
  CHECK(Contains(out,
                 "\nFIELDS:\n  services\t<[]ServiceDef> -required-\n"
                 "    name\t<string> -required-\n"
                 "    image\t<string> -required-\n"));
  CHECK(Contains(out,
                 "\n    ports\t<[]PortMapping>\n"
                 "      containerPort\t<integer> -required-\n"));
  CHECK(Contains(out,
                 "\n        secretKeyRef\t<Object> -required-\n"
                 "          name\t<string> -required-\n"));
  CHECK_FALSE(Contains(out, "Service name:"));  // names and types only
}

TEST_CASE("explain of an unknown field exits 2 naming the closest field", "[cli][explain]") {
  ProcessResult typo = Explain({"explain", "project.spec.servces"});
  CHECK(typo.exit_code == 2);
  CHECK(typo.out.empty());
  CHECK(typo.err ==
        "Error: field \"servces\" does not exist in project.spec: did you mean \"services\"? "
        "(project.spec has services, volumes, ingress, expireAt, resources, nodeSelector, "
        "imagePullSecrets)\n");

  ProcessResult leaf = Explain({"explain", "node.spec.hostname.x"});
  CHECK(leaf.exit_code == 2);
  CHECK(leaf.err == "Error: node.spec.hostname has no fields (it is of type string)\n");

  ProcessResult resource = Explain({"explain", "pods.spec"});
  CHECK(resource.exit_code == 2);
  CHECK(resource.err ==
        "Error: unknown resource type \"pods\": expected project, node, secret or event\n");

  CHECK(Explain({"explain", "project..spec"}).exit_code == 2);
  CHECK(Explain({"explain"}).exit_code == 2);
  CHECK(Explain({"explain", "project", "-o", "name"}).exit_code == 2);
}

TEST_CASE("explain -o json and -o yaml carry the same documentation", "[cli][explain]") {
  const auto doc =
      nlohmann::json::parse(OutputOf({"explain", "project.spec.services", "-o", "json"}));
  CHECK(doc["kind"] == "Project");
  CHECK(doc["apiVersion"] == "caravanserai/v1");
  CHECK(doc["path"] == "project.spec.services");
  CHECK(doc["field"]["type"] == "[]ServiceDef");
  CHECK(doc["field"]["required"] == true);
  const auto& fields = doc["field"]["fields"];
  REQUIRE(fields.size() >= 2);
  CHECK(fields[0]["name"] == "name");
  CHECK(fields[0]["required"] == true);
  CHECK_FALSE(fields[0]["description"].get<std::string>().empty());
  for (const auto& f : fields) CHECK_FALSE(f.contains("fields"));  // one level only

  const auto tree = nlohmann::json::parse(
      OutputOf({"explain", "project.spec.services", "-o", "json", "--recursive"}));
  bool ports_have_fields = false;
  for (const auto& f : tree["field"]["fields"]) {
    if (f["name"] == "ports") ports_have_fields = f["fields"].size() == 4;
  }
  CHECK(ports_have_fields);
  const std::string yaml =
      OutputOf({"explain", "project.spec.services.ports.protocol", "-o", "yaml"});
  CHECK(yaml.rfind("kind: Project\napiVersion: caravanserai/v1\n", 0) == 0);
  CHECK(Contains(yaml, "path: project.spec.services.ports.protocol\n"));
  CHECK(Contains(yaml, "- tcp\n"));
  CHECK(Contains(yaml, "- udp\n"));
}

TEST_CASE("docs/manifest-reference.md is what `explain -o markdown` generates", "[cli][explain]") {
  const std::string committed =
      ReadAll(std::string(CARA_SOURCE_DIR) + "/docs/manifest-reference.md");
  const std::string generated = OutputOf({"explain", "-o", "markdown"});
  if (committed != generated) {
    FAIL("docs/manifest-reference.md differs from what the schemas generate, at "
         << FirstDifference(committed, generated)
         << "\nRegenerate it with `cmake --build build --target manifest-reference` (or "
            "`build/src/caractrl explain -o markdown > docs/manifest-reference.md`) and "
            "commit it with the schema change.");
  }
  CHECK(Contains(generated, "\n## Project\n"));
  CHECK(Contains(generated, "\n| `spec.services[].ports[].containerPort` | `integer` | yes | "));
  CHECK(Contains(generated, "on the project's bridge network cara-&lt;project&gt;"));
  // One kind's section alone.
  const std::string node = OutputOf({"explain", "node", "-o", "markdown"});
  CHECK(node.rfind("## Node\n", 0) == 0);
  CHECK(Contains(generated, node));
}

TEST_CASE("explain --help documents its exit codes", "[cli][explain]") {
  ProcessResult help = Explain({"explain", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(Contains(help.out, "Exit codes:\n  0  printed\n  2  unknown resource type or field"));
}

}  // namespace cara::testing
