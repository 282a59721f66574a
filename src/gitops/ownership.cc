#include "gitops/ownership.h"

namespace cara::gitops {
namespace {

bool ManagedBySync(const api::ObjectMeta& m) {
  return Lookup(m.labels, kManagedByLabel) == kManagedByValue;
}

}  // namespace

std::string Lookup(const api::StringMap& map, const std::string& key) {
  auto it = map.find(key);
  return it == map.end() ? "" : it->second;
}

std::string SourceOf(const api::ObjectMeta& m) { return Lookup(m.annotations, kSourceAnnotation); }

bool Owned(const api::ObjectMeta& m, const std::string& source_id) {
  return !source_id.empty() && ManagedBySync(m) && SourceOf(m) == source_id;
}

bool OwnedByOther(const api::ObjectMeta& m, const std::string& source_id) {
  return !source_id.empty() && ManagedBySync(m) && !SourceOf(m).empty() && SourceOf(m) != source_id;
}

void AddOwnership(api::ObjectMeta& m, const std::string& source_id) {
  if (source_id.empty()) return;
  m.labels[kManagedByLabel] = kManagedByValue;
  m.annotations[kSourceAnnotation] = source_id;
}

void KeepOwnership(const api::ObjectMeta& live, api::ObjectMeta& want) {
  if (auto it = live.labels.find(kManagedByLabel); it != live.labels.end()) {
    want.labels[kManagedByLabel] = it->second;
  }
  if (auto it = live.annotations.find(kSourceAnnotation); it != live.annotations.end()) {
    want.annotations[kSourceAnnotation] = it->second;
  }
}

nlohmann::json WriteMetadata(const DesiredObject& d, const api::ObjectMeta* live,
                             const PlanOptions& o) {
  const nlohmann::json& old_meta = d.document["metadata"];
  nlohmann::json meta = {{"name", d.name}};
  for (const char* key : {"labels", "annotations"}) {
    auto it = old_meta.find(key);
    if (it != old_meta.end() && it->is_object()) meta[key] = *it;
  }
  if (!o.source_id.empty()) {
    meta["labels"][kManagedByLabel] = kManagedByValue;
    meta["annotations"][kSourceAnnotation] = o.source_id;
  } else if (live != nullptr) {
    api::ObjectMeta kept;
    KeepOwnership(*live, kept);
    for (const auto& [k, v] : kept.labels) meta["labels"][k] = v;
    for (const auto& [k, v] : kept.annotations) meta["annotations"][k] = v;
  }
  if (live != nullptr) meta["resourceVersion"] = live->resource_version;
  return meta;
}

}  // namespace cara::gitops
