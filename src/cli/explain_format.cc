#include "cli/explain_format.h"

#include <sstream>

namespace cara::cli {
namespace {

constexpr size_t kWidth = 80;

// "<[]ServiceDef> -required-": the type and marker after a field's name.
std::string TypeAndMarker(const api::FieldDoc& field) {
  return "<" + field.type + ">" + (field.required ? " -required-" : "");
}

// kubectl's FIELDS entry: "  name\t<type>", then the description below it.
void DescribedFields(std::ostream& o, const api::FieldDoc& field) {
  for (const api::FieldDoc& child : field.fields) {
    o << "  " << child.name << "\t" << TypeAndMarker(child) << "\n"
      << WrapText(child.description, 4, kWidth) << "\n";
  }
}

// --recursive: every field below, two more spaces per level.
void FieldTree(std::ostream& o, const api::FieldDoc& field, size_t indent) {
  for (const api::FieldDoc& child : field.fields) {
    o << std::string(indent, ' ') << child.name << "\t" << TypeAndMarker(child) << "\n";
    FieldTree(o, child, indent + 2);
  }
}

nlohmann::ordered_json FieldJson(const api::FieldDoc& field, int levels) {
  nlohmann::ordered_json j;
  j["name"] = field.name;
  j["type"] = field.type;
  j["required"] = field.required;
  j["description"] = field.description;
  if (!field.values.empty()) j["values"] = field.values;
  if (levels > 0 && !field.fields.empty()) {
    j["fields"] = nlohmann::ordered_json::array();
    for (const api::FieldDoc& child : field.fields)
      j["fields"].push_back(FieldJson(child, levels - 1));
  }
  return j;
}

}  // namespace

std::string WrapText(const std::string& text, size_t indent, size_t width) {
  std::string out;
  std::string line;
  std::istringstream words(text);
  std::string word;
  const std::string margin(indent, ' ');
  while (words >> word) {
    if (!line.empty() && indent + line.size() + 1 + word.size() > width) {
      out += margin + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) out += margin + line + "\n";
  return out;
}

std::string ExplainText(const api::KindDoc& kind, const api::FieldDoc& field, bool recursive) {
  std::ostringstream o;
  o << "KIND:       " << kind.kind << "\n"
    << "VERSION:    " << kind.api_version << "\n\n";
  if (&field != &kind.root) o << "FIELD: " << field.name << " " << TypeAndMarker(field) << "\n\n";
  o << "DESCRIPTION:\n" << WrapText(field.description, 4, kWidth);
  if (!field.values.empty()) {
    std::string values;
    for (const auto& v : field.values) values += (values.empty() ? "" : ", ") + v;
    o << "\n" << WrapText("Allowed values: " + values + ".", 4, kWidth);
  }
  if (!field.fields.empty()) {
    o << "\nFIELDS:\n";
    if (recursive) {
      FieldTree(o, field, 2);
    } else {
      DescribedFields(o, field);
    }
  }
  return o.str();
}

nlohmann::ordered_json ExplainJson(const api::KindDoc& kind, const std::string& path,
                                   const api::FieldDoc& field, bool recursive) {
  nlohmann::ordered_json j;
  j["kind"] = kind.kind;
  j["apiVersion"] = kind.api_version;
  j["path"] = path;
  j["field"] = FieldJson(field, recursive ? 1 << 20 : 1);
  return j;
}

}  // namespace cara::cli
