#include "api/manifest_list.h"

#include <nlohmann/json.hpp>

namespace cara::api {

bool IsListKind(const std::string& kind) {
  return kind == "List" || kind == "NodeList" || kind == "ProjectList" || kind == "SecretList";
}

std::vector<ManifestDocument> ExpandLists(std::vector<ManifestDocument> documents,
                                          std::vector<std::string>* errors) {
  std::vector<ManifestDocument> out;
  out.reserve(documents.size());
  for (auto& doc : documents) {
    const nlohmann::json& v = doc.value();
    auto kind = v.is_object() ? v.find("kind") : v.end();
    if (kind == v.end() || !kind->is_string() || !IsListKind(kind->get<std::string>())) {
      out.push_back(std::move(doc));
      continue;
    }
    auto items = v.find("items");
    if (items == v.end() || items->is_null()) continue;  // an empty list
    if (!items->is_array()) {
      errors->push_back(FormatManifestError(
          doc, {"/items", "a " + kind->get<std::string>() + " needs a sequence of items"}));
      continue;
    }
    for (auto& item : doc.SplitArray("items")) out.push_back(std::move(item));
  }
  return out;
}

}  // namespace cara::api
