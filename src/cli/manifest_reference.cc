#include "cli/manifest_reference.h"

#include <cctype>
#include <sstream>

namespace cara::cli {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// One row per field, depth first, in the schema's order.
void FieldRows(std::ostream& o, const std::string& path, const api::FieldDoc& field) {
  for (const api::FieldDoc& child : field.fields) {
    const std::string child_path = api::FieldPath(path, field, child);
    o << "| `" << child_path << "` | `" << child.type << "` | " << (child.required ? "yes" : "")
      << " | " << MarkdownCell(child.description) << " |\n";
    FieldRows(o, child_path, child);
  }
}

}  // namespace

std::string MarkdownCell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string ManifestReferenceSection(const api::KindDoc& kind) {
  std::ostringstream o;
  o << "## " << kind.kind << "\n\n"
    << "`apiVersion: " << kind.api_version << "`, `kind: " << kind.kind << "`. "
    << MarkdownCell(kind.root.description) << "\n\n"
    << "| Field | Type | Required | Description |\n"
    << "|---|---|---|---|\n";
  FieldRows(o, "", kind.root);
  return o.str();
}

std::string ManifestReference(const std::vector<api::KindDoc>& kinds) {
  std::ostringstream o;
  o << "# Manifest reference\n\n"
    << "<!-- Generated from schemas/*.json by `caractrl explain -o markdown`: do not edit.\n"
    << "     Regenerate: cmake --build build --target manifest-reference -->\n\n"
    << "Every field of the manifests cara-server accepts, generated from the JSON Schemas in\n"
    << "`schemas/` that the server and `caractrl` validate with. `caractrl explain\n"
    << "RESOURCE[.FIELD...]` prints the same text offline, e.g. `caractrl explain\n"
    << "project.spec.services` (`--recursive` for the whole tree). A path like\n"
    << "`spec.services[].ports[]` crosses lists. Optional fields may be left out or set to\n"
    << "null.\n\n";
  for (const api::KindDoc& kind : kinds) {
    o << "- [" << kind.kind << "](#" << Lower(kind.kind) << ")\n";
  }
  for (const api::KindDoc& kind : kinds) o << "\n" << ManifestReferenceSection(kind);
  return o.str();
}

}  // namespace cara::cli
