// How `caractrl explain` shows a field: kubectl explain's layout (KIND,
// VERSION, FIELD, DESCRIPTION, FIELDS), or the same as JSON for scripts.
// Pure: the documentation comes from api/field_docs.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "api/field_docs.h"

namespace cara::cli {

// `field` of `kind` (kind.root for the whole document). With `recursive`,
// FIELDS is the tree of every field below, names and types only (kubectl
// explain --recursive).
std::string ExplainText(const api::KindDoc& kind, const api::FieldDoc& field, bool recursive);

// {"kind", "apiVersion", "path", "field": {name, type, required,
// description, values, fields}}: `path` is what names the field
// ("project.spec.services"); the fields' own fields only with `recursive`.
nlohmann::ordered_json ExplainJson(const api::KindDoc& kind, const std::string& path,
                                   const api::FieldDoc& field, bool recursive);

// `text` as lines of at most `width` columns (a longer word stands alone),
// each indented by `indent` spaces and ending with a newline.
std::string WrapText(const std::string& text, size_t indent, size_t width);

}  // namespace cara::cli
