// The fields of a manifest kind as its JSON Schema (schemas/*.json) documents
// them: a tree of names, types, required markers and descriptions. This is
// what `caractrl explain` prints and docs/manifest-reference.md is generated
// from, so the schemas stay the one source of truth. Pure: no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace cara::api {

struct FieldDoc {
  std::string name;  // "services"; the kind ("Project") for a document's root
  // kubectl's notation: string, integer, boolean, Object (an object defined in
  // place), the definition's name (ServiceDef), []ServiceDef, map[string]string.
  std::string type;
  bool required = false;            // listed in its parent's "required"
  std::string description;          // the property's, else its definition's
  std::vector<std::string> values;  // the allowed values ("enum", "const"), "" and null left out
  // The members of an object, of an array's items or of a map's values, in
  // the schema's order (the order the server writes them in).
  std::vector<FieldDoc> fields;
};

struct KindDoc {
  std::string kind;         // "Project": the schema's title
  std::string api_version;  // "caravanserai/v1": the apiVersion property's const
  FieldDoc root;            // the whole document
};

// The documentation of the kind `schema_text` describes; Invalid when the
// text is not a JSON Schema object.
Result<KindDoc> DocumentKind(std::string_view schema_text);

// The field `path` names below `root` (arrays and maps are crossed without a
// step of their own: services.ports, not services[].ports). Invalid when a
// name does not exist, naming the closest field and listing the others, or
// when the path goes below a field that has none. `label` is what the
// messages call the root ("project").
Result<const FieldDoc*> FindField(const FieldDoc& root, const std::vector<std::string>& path,
                                  const std::string& label);

// The candidate nearest to `name` by edit distance (case ignored), the first
// of equals; "" when there are no candidates.
std::string ClosestName(const std::vector<std::string>& candidates, const std::string& name);

// Every field below `root` without a description, as a path such as
// "spec.services[].env[].name". Empty when the schema is fully documented.
std::vector<std::string> UndocumentedFields(const FieldDoc& root);

// The display path of `child`, a field of `parent` whose own path is
// `parent_path` ("" for a document's root): "spec.services[].name" marks
// the arrays crossed, "*" a map's key.
std::string FieldPath(const std::string& parent_path, const FieldDoc& parent,
                      const FieldDoc& child);

}  // namespace cara::api
