// api/field_docs: the field tree of the schemas (types in kubectl's notation,
// required markers, descriptions), finding a field by path with a suggestion
// when it does not exist, and the rules that keep the schemas documented:
// every field has a description, and a description names each value its
// field allows.
#include "api/field_docs.h"

#include <catch2/catch.hpp>

#include "api/schema.h"

namespace cara::api {
namespace {

KindDoc Doc(std::string_view text) {
  auto doc = DocumentKind(text);
  INFO(doc.status().message());
  REQUIRE(doc.ok());
  return *doc;
}

const FieldDoc& At(const KindDoc& kind, const std::vector<std::string>& path) {
  auto field = FindField(kind.root, path, "x");
  INFO(field.status().message());
  REQUIRE(field.ok());
  return **field;
}

std::vector<KindDoc> EveryKind() {
  return {Doc(ProjectSchemaText()), Doc(NodeSchemaText()), Doc(SecretSchemaText()),
          Doc(EventSchemaText())};
}

std::vector<std::string> Names(const FieldDoc& field) {
  std::vector<std::string> names;
  for (const FieldDoc& f : field.fields) names.push_back(f.name);
  return names;
}

// "path: value" for each allowed value its field's description leaves out.
void CollectUnnamedValues(const std::string& path, const FieldDoc& parent,
                          std::vector<std::string>& out) {
  for (const FieldDoc& child : parent.fields) {
    const std::string child_path = FieldPath(path, parent, child);
    for (const std::string& value : child.values) {
      if (child.description.find(value) == std::string::npos) {
        out.push_back(child_path + ": " + value);
      }
    }
    CollectUnnamedValues(child_path, child, out);
  }
}

std::vector<std::string> UnnamedValues(const KindDoc& kind) {
  std::vector<std::string> out;
  CollectUnnamedValues("", kind.root, out);
  return out;
}

// A schema with one gap of each sort: in place, under an array's items,
// under a map's values and in a definition.
constexpr char kGappySchema[] = R"({
  "title": "Gappy",
  "description": "A test kind.",
  "$ref": "#/definitions/Gappy",
  "definitions": {
    "Gappy": {
      "type": "object",
      "properties": {
        "documented": {"description": "Has one.", "type": "string"},
        "bare": {"type": "string"},
        "list": {"description": "A list.", "type": "array",
                 "items": {"type": "object", "properties": {"inner": {"type": "integer"}}}},
        "map": {"description": "A map.", "type": "object",
                "additionalProperties": {"type": "object",
                                         "properties": {"value": {"type": "string"}}}},
        "ref": {"description": "A reference.", "$ref": "#/definitions/Part"},
        "mode": {"description": "Fast or Slow.", "enum": ["Fast", "Slow", "Careful", "", null]}
      }
    },
    "Part": {"type": "object", "description": "A part.",
             "properties": {"field": {"type": "boolean"}}}
  }
})";

}  // namespace

TEST_CASE("a kind's document names its kind, version and top-level fields", "[field_docs]") {
  const KindDoc project = Doc(ProjectSchemaText());
  CHECK(project.kind == "Project");
  CHECK(project.api_version == "caravanserai/v1");
  CHECK(project.root.type == "Project");
  CHECK(project.root.description.rfind("A set of containers deployed together", 0) == 0);
  CHECK(Names(project.root) ==
        std::vector<std::string>{"apiVersion", "kind", "metadata", "spec", "status"});
  CHECK(At(project, {"spec"}).required);
  CHECK_FALSE(At(project, {"status"}).required);
  // Schema order, not alphabetical: the order the server writes fields in.
  CHECK(Names(At(project, {"spec"})) ==
        std::vector<std::string>{"services", "volumes", "ingress", "expireAt", "resources",
                                 "nodeSelector", "imagePullSecrets"});
  for (const KindDoc& kind : EveryKind()) {
    INFO(kind.kind);
    CHECK(kind.api_version == "caravanserai/v1");
    CHECK_FALSE(kind.root.description.empty());
  }
  CHECK_FALSE(DocumentKind("[1, 2]").ok());
  CHECK_FALSE(DocumentKind("{not json").ok());
}

TEST_CASE("field types are written in kubectl's notation", "[field_docs]") {
  const KindDoc project = Doc(ProjectSchemaText());
  const KindDoc node = Doc(NodeSchemaText());
  const KindDoc secret = Doc(SecretSchemaText());
  const KindDoc event = Doc(EventSchemaText());
  struct Case {
    const KindDoc* kind;
    std::vector<std::string> path;
    std::string type;
    bool required;
  };
  const Case cases[] = {
      {&project, {"apiVersion"}, "string", true},
      {&project, {"metadata"}, "ObjectMeta", true},
      {&project, {"metadata", "name"}, "string", true},
      {&project, {"metadata", "labels"}, "map[string]string", false},
      {&project, {"spec", "services"}, "[]ServiceDef", true},
      {&project, {"spec", "services", "command"}, "[]string", false},
      {&project, {"spec", "services", "ports"}, "[]PortMapping", false},
      {&project, {"spec", "services", "ports", "containerPort"}, "integer", true},
      {&project, {"spec", "services", "healthcheck"}, "HealthCheck", false},
      {&project, {"spec", "services", "env", "valueFrom"}, "Object", false},
      {&project, {"spec", "services", "env", "valueFrom", "secretKeyRef"}, "Object", true},
      {&project, {"spec", "services", "resources", "limits"}, "ResourceLimits", false},
      {&project, {"spec", "resources", "cpu"}, "string", false},
      {&project, {"spec", "expireAt"}, "string", false},
      {&project, {"status", "observedGeneration"}, "integer", false},
      {&node, {"spec", "unschedulable"}, "boolean", false},
      {&node, {"status", "capacity"}, "map[string]string", false},
      {&secret, {"stringData"}, "map[string]string", false},
      {&event, {"metadata"}, "Object", false},
      {&event, {"involvedObject", "kind"}, "string", true},
  };
  for (const Case& c : cases) {
    std::string path;
    for (const auto& p : c.path) path += "." + p;
    INFO(c.kind->kind << path);
    const FieldDoc& field = At(*c.kind, c.path);
    CHECK(field.type == c.type);
    CHECK(field.required == c.required);
    CHECK(field.name == c.path.back());
  }
}

TEST_CASE("allowed values come from enum and const, without the empty ones", "[field_docs]") {
  const KindDoc project = Doc(ProjectSchemaText());
  CHECK(At(project, {"apiVersion"}).values == std::vector<std::string>{"caravanserai/v1"});
  CHECK(At(project, {"kind"}).values == std::vector<std::string>{"Project"});
  CHECK(At(project, {"spec", "services", "imagePullPolicy"}).values ==
        std::vector<std::string>{"Always", "IfNotPresent", "Never"});
  CHECK(At(project, {"spec", "services", "image"}).values.empty());
  CHECK(At(Doc(EventSchemaText()), {"type"}).values ==
        std::vector<std::string>{"Normal", "Warning"});
}

TEST_CASE("a field's description is its own, else its definition's", "[field_docs]") {
  const KindDoc node = Doc(NodeSchemaText());
  CHECK(At(node, {"status", "capacity"}).description.rfind("Total resources", 0) == 0);
  const KindDoc gappy = Doc(kGappySchema);
  CHECK(At(gappy, {"ref"}).description == "A reference.");
  const std::string with_definition_only = R"({"title": "T", "$ref": "#/definitions/T",
    "definitions": {"T": {"type": "object", "properties": {"p": {"$ref": "#/definitions/P"}}},
                    "P": {"type": "string", "description": "From the definition."}}})";
  CHECK(At(Doc(with_definition_only), {"p"}).description == "From the definition.");
}

TEST_CASE("a path crosses arrays and maps and may name the root", "[field_docs]") {
  const KindDoc project = Doc(ProjectSchemaText());
  auto root = FindField(project.root, {}, "project");
  REQUIRE(root.ok());
  CHECK(*root == &project.root);
  CHECK(At(project, {"spec", "services", "dependsOn", "condition"}).type == "string");
  CHECK(At(Doc(kGappySchema), {"map", "value"}).type == "string");
}

TEST_CASE("an unknown field is reported with the closest one and the others", "[field_docs]") {
  const KindDoc project = Doc(ProjectSchemaText());
  auto typo = FindField(project.root, {"spec", "servces"}, "project");
  REQUIRE_FALSE(typo.ok());
  CHECK(typo.status().code() == Code::kInvalid);
  CHECK(typo.status().message() ==
        "field \"servces\" does not exist in project.spec: did you mean \"services\"? "
        "(project.spec has services, volumes, ingress, expireAt, resources, nodeSelector, "
        "imagePullSecrets)");
  auto cased = FindField(project.root, {"Spec"}, "project");
  REQUIRE_FALSE(cased.ok());
  CHECK(cased.status().message().find("did you mean \"spec\"?") != std::string::npos);
  auto leaf = FindField(project.root, {"spec", "services", "name", "x"}, "project");
  REQUIRE_FALSE(leaf.ok());
  CHECK(leaf.status().message() ==
        "project.spec.services.name has no fields (it is of type string)");
}

TEST_CASE("ClosestName takes the smallest edit distance, case ignored", "[field_docs]") {
  CHECK(ClosestName({"services", "volumes"}, "servcies") == "services");
  CHECK(ClosestName({"nodeSelector", "node"}, "NODESELECTR") == "nodeSelector");
  CHECK(ClosestName({"ab", "ac"}, "a") == "ab");  // the first of equals
  CHECK(ClosestName({}, "x").empty());
}

TEST_CASE("FieldPath marks the arrays and maps it crosses", "[field_docs]") {
  const KindDoc project = Doc(ProjectSchemaText());
  const FieldDoc& services = At(project, {"spec", "services"});
  CHECK(FieldPath("", project.root, At(project, {"spec"})) == "spec");
  CHECK(FieldPath("spec.services", services, services.fields.front()) == "spec.services[].name");
  const KindDoc gappy = Doc(kGappySchema);
  const FieldDoc& map = At(gappy, {"map"});
  CHECK(FieldPath("map", map, map.fields.front()) == "map.*.value");
}

TEST_CASE("every field of every schema has a description", "[field_docs][schema]") {
  for (const KindDoc& kind : EveryKind()) {
    const std::vector<std::string> missing = UndocumentedFields(kind.root);
    std::string list;
    for (const auto& m : missing) list += m + "\n";
    INFO(kind.kind << " fields without a description:\n" << list);
    CHECK(missing.empty());
  }
}

TEST_CASE("a field without a description is found wherever it is", "[field_docs]") {
  // Proves the check above can fail.
  CHECK(UndocumentedFields(Doc(kGappySchema).root) ==
        std::vector<std::string>{"bare", "list[].inner", "map.*.value", "ref.field"});
}

TEST_CASE("every description names each value its field allows", "[field_docs][schema]") {
  for (const KindDoc& kind : EveryKind()) {
    const std::vector<std::string> unnamed = UnnamedValues(kind);
    std::string list;
    for (const auto& u : unnamed) list += u + "\n";
    INFO(kind.kind << " values missing from their field's description:\n" << list);
    CHECK(unnamed.empty());
  }
  // ... and can fail.
  CHECK(UnnamedValues(Doc(kGappySchema)) == std::vector<std::string>{"mode: Careful"});
}

}  // namespace cara::api
