#include "api/field_docs.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace cara::api {
namespace {

// Schema order matters (it is the order the server writes fields in), so the
// schema is read as an ordered_json.
using ojson = nlohmann::ordered_json;

// Our schemas nest a few levels; this only stops a malformed one.
constexpr int kMaxDepth = 32;
constexpr std::string_view kDefinitions = "#/definitions/";

// A subschema with its local $refs followed, and the name of the last
// definition they led to ("ServiceDef"), which names its type.
struct Resolved {
  const ojson* schema = nullptr;
  std::string definition;
};

Resolved Resolve(const ojson& root, const ojson* schema) {
  Resolved at{schema, ""};
  for (int depth = 0; at.schema && at.schema->is_object() && depth < kMaxDepth; ++depth) {
    auto ref = at.schema->find("$ref");
    if (ref == at.schema->end() || !ref->is_string()) break;
    const std::string& target = ref->get_ref<const std::string&>();
    if (target.rfind(kDefinitions, 0) != 0) return {nullptr, ""};
    at.definition = target.substr(kDefinitions.size());
    const ojson::json_pointer pointer(target.substr(1));
    at.schema = root.contains(pointer) ? &root.at(pointer) : nullptr;
  }
  return at;
}

const ojson* Keyword(const ojson* schema, const char* name) {
  if (!schema || !schema->is_object()) return nullptr;
  auto it = schema->find(name);
  return it == schema->end() ? nullptr : &*it;
}

std::string ValueType(const ojson& value) {
  if (value.is_boolean()) return "boolean";
  if (value.is_number_integer()) return "integer";
  if (value.is_number()) return "number";
  if (value.is_object()) return "Object";
  return "string";
}

// The JSON types a schema allows, null left out (in our schemas null only
// means "left out"); from "const" or "enum" when there is no "type".
std::vector<std::string> JsonTypes(const ojson* schema) {
  std::vector<std::string> types;
  if (const ojson* type = Keyword(schema, "type")) {
    for (const ojson& t : type->is_array() ? *type : ojson::array({*type})) {
      if (t.is_string() && t != "null") types.push_back(t.get<std::string>());
    }
  } else if (const ojson* value = Keyword(schema, "const")) {
    types.push_back(ValueType(*value));
  } else if (const ojson* values = Keyword(schema, "enum")) {
    for (const ojson& v : *values) {
      if (!v.is_null()) return {ValueType(v)};
    }
  }
  return types;
}

// The schema an array's items or a map's values follow, or null.
const ojson* ElementSchema(const ojson* schema, const std::string& json_type) {
  const ojson* element = Keyword(schema, json_type == "array" ? "items" : "additionalProperties");
  return element && element->is_object() ? element : nullptr;
}

std::string TypeName(const ojson& root, const ojson* schema, int depth) {
  const Resolved at = Resolve(root, schema);
  const std::vector<std::string> types = JsonTypes(at.schema);
  if (types.size() != 1) {
    std::string joined;
    for (const auto& t : types) joined += (joined.empty() ? "" : "|") + t;
    return joined.empty() ? "any" : joined;
  }
  const std::string& type = types.front();
  if (depth > kMaxDepth) return type;
  if (type == "array") {
    const ojson* items = ElementSchema(at.schema, type);
    return "[]" + (items ? TypeName(root, items, depth + 1) : std::string("any"));
  }
  if (type != "object") return type;
  if (Keyword(at.schema, "properties")) return at.definition.empty() ? "Object" : at.definition;
  if (const ojson* values = ElementSchema(at.schema, type)) {
    return "map[string]" + TypeName(root, values, depth + 1);
  }
  return "Object";
}

std::vector<std::string> AllowedValues(const ojson* schema) {
  std::vector<std::string> values;
  auto add = [&](const ojson& v) {
    if (v.is_null() || v == "") return;
    values.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  };
  if (const ojson* value = Keyword(schema, "const")) add(*value);
  if (const ojson* list = Keyword(schema, "enum")) {
    for (const ojson& v : *list) add(v);
  }
  return values;
}

// The object schema whose properties are the fields below `schema`: its
// own, or its array items' or map values' (through any depth of nesting).
const ojson* MemberSchema(const ojson& root, const ojson* schema) {
  for (int depth = 0; depth < kMaxDepth; ++depth) {
    const Resolved at = Resolve(root, schema);
    if (Keyword(at.schema, "properties")) return at.schema;
    const std::vector<std::string> types = JsonTypes(at.schema);
    if (types.size() != 1) return nullptr;
    schema = ElementSchema(at.schema, types.front());
    if (!schema) return nullptr;
  }
  return nullptr;
}

FieldDoc Document(const ojson& root, const std::string& name, const ojson* schema, bool required,
                  int depth);

std::vector<FieldDoc> Members(const ojson& root, const ojson* schema, int depth) {
  std::vector<FieldDoc> fields;
  const ojson* object = MemberSchema(root, schema);
  if (!object || depth > kMaxDepth) return fields;
  const ojson* required = Keyword(object, "required");
  for (const auto& [name, sub] : Keyword(object, "properties")->items()) {
    bool is_required =
        required && std::find(required->begin(), required->end(), name) != required->end();
    fields.push_back(Document(root, name, &sub, is_required, depth + 1));
  }
  return fields;
}

FieldDoc Document(const ojson& root, const std::string& name, const ojson* schema, bool required,
                  int depth) {
  FieldDoc field;
  field.name = name;
  field.type = TypeName(root, schema, 0);
  field.required = required;
  const Resolved at = Resolve(root, schema);
  for (const ojson* s : {schema, at.schema}) {
    const ojson* description = Keyword(s, "description");
    if (description && description->is_string() && field.description.empty()) {
      field.description = description->get<std::string>();
    }
  }
  field.values = AllowedValues(at.schema);
  field.fields = Members(root, schema, depth);
  return field;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Levenshtein distance, one row at a time.
size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

void CollectUndocumented(const std::string& path, const FieldDoc& parent,
                         std::vector<std::string>& out) {
  for (const FieldDoc& child : parent.fields) {
    const std::string child_path = FieldPath(path, parent, child);
    if (child.description.empty()) out.push_back(child_path);
    CollectUndocumented(child_path, child, out);
  }
}

}  // namespace

Result<KindDoc> DocumentKind(std::string_view schema_text) {
  ojson root = ojson::parse(schema_text.begin(), schema_text.end(), nullptr,
                            /*allow_exceptions=*/false);
  if (!root.is_object()) return Status::Invalid("the schema is not a JSON object");
  KindDoc doc;
  doc.kind = root.value("title", "");
  doc.root = Document(root, doc.kind, &root, /*required=*/true, 0);
  doc.root.type = doc.kind;
  for (const FieldDoc& field : doc.root.fields) {
    if (field.name == "apiVersion" && !field.values.empty()) doc.api_version = field.values.front();
  }
  return doc;
}

Result<const FieldDoc*> FindField(const FieldDoc& root, const std::vector<std::string>& path,
                                  const std::string& label) {
  const FieldDoc* at = &root;
  std::string where = label;
  for (const std::string& name : path) {
    if (at->fields.empty()) {
      return Status::Invalid(where + " has no fields (it is of type " + at->type + ")");
    }
    auto it = std::find_if(at->fields.begin(), at->fields.end(),
                           [&](const FieldDoc& f) { return f.name == name; });
    if (it == at->fields.end()) {
      std::vector<std::string> names;
      for (const FieldDoc& f : at->fields) names.push_back(f.name);
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      return Status::Invalid("field \"" + name + "\" does not exist in " + where +
                             ": did you mean \"" + ClosestName(names, name) + "\"? (" + where +
                             " has " + list + ")");
    }
    at = &*it;
    where += "." + name;
  }
  return at;
}

std::string ClosestName(const std::vector<std::string>& candidates, const std::string& name) {
  std::string best;
  size_t best_distance = 0;
  const std::string wanted = Lower(name);
  for (const std::string& candidate : candidates) {
    const size_t d = EditDistance(Lower(candidate), wanted);
    if (best.empty() || d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

std::vector<std::string> UndocumentedFields(const FieldDoc& root) {
  std::vector<std::string> out;
  CollectUndocumented("", root, out);
  return out;
}

std::string FieldPath(const std::string& parent_path, const FieldDoc& parent,
                      const FieldDoc& child) {
  if (parent_path.empty()) return child.name;
  std::string path = parent_path;
  // Each array or map between the parent and its members adds a step.
  std::string_view type = parent.type;
  while (true) {
    if (type.rfind("[]", 0) == 0) {
      path += "[]";
      type.remove_prefix(2);
    } else if (type.rfind("map[string]", 0) == 0) {
      path += ".*";
      type.remove_prefix(11);
    } else {
      break;
    }
  }
  return path + "." + child.name;
}

}  // namespace cara::api
