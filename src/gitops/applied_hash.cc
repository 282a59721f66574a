#include "gitops/applied_hash.h"

#include "common/hex.h"
#include "gitops/ownership.h"
#include "security/symmetric_crypto.h"

namespace cara::gitops {

namespace {

void DropAnnotation(nlohmann::json& view, const char* key) {
  auto metadata = view.find("metadata");
  if (metadata == view.end() || !metadata->is_object()) return;
  auto annotations = metadata->find("annotations");
  if (annotations == metadata->end() || !annotations->is_object()) return;
  annotations->erase(key);
  if (annotations->empty()) metadata->erase("annotations");
  if (metadata->empty()) view.erase("metadata");
}

}  // namespace

void DropAppliedHash(nlohmann::json& view) { DropAnnotation(view, kAppliedHashAnnotation); }

std::string AppliedHash(nlohmann::json view) {
  DropAppliedHash(view);
  DropAnnotation(view, api::kRestartedAtAnnotation);
  // nlohmann::json keeps object keys sorted: the same view dumps the same.
  const std::string digest = security::Sha256(view.dump());
  return "sha256:" + LowerHex(reinterpret_cast<const unsigned char*>(digest.data()), digest.size());
}

void KeepAppliedHash(const api::ObjectMeta* live, api::StringMap& want_annotations) {
  want_annotations.erase(kAppliedHashAnnotation);
  if (live == nullptr) return;
  auto it = live->annotations.find(kAppliedHashAnnotation);
  if (it != live->annotations.end()) want_annotations[it->first] = it->second;
}

std::string AppliedHashToWrite(const PlanOptions& o, const api::ObjectMeta* live,
                               const std::string& applied) {
  if (!o.source_id.empty()) return applied;
  return live == nullptr ? "" : Lookup(live->annotations, kAppliedHashAnnotation);
}

bool RevertsLiveEdit(const PlanOptions& o, const api::ObjectMeta& live,
                     const std::string& applied) {
  return !o.source_id.empty() && Lookup(live.annotations, kAppliedHashAnnotation) == applied;
}

}  // namespace cara::gitops
