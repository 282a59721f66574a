// The last steps of ComputePlan (plan.cc): the prune guards and the plan hash.
#include "gitops/plan_guards.h"

#include <openssl/evp.h>

#include <algorithm>

#include "common/hex.h"
#include "gitops/secret_view.h"

namespace cara::gitops {

using nlohmann::json;

std::vector<std::string> PlanRefusals(const Plan& plan, size_t desired, const PlanOptions& o) {
  std::vector<std::string> refusals;
  if (o.source_id.empty()) return refusals;  // caractrl apply never prunes
  if (desired == 0 && !o.allow_empty) {
    refusals.push_back(std::string(o.selector.empty()
                                       ? "the source has no manifests"
                                       : "no manifest of the source matches --selector") +
                       "; refusing to treat it as \"delete everything\" "
                       "(use --allow-empty if that is what you want)");
  }
  int deletes = 0;
  for (const Action& a : plan.actions) {
    deletes += (a.type == ActionType::kDelete || a.type == ActionType::kExpire) && a.mutates;
  }
  int limit = o.max_delete >= 0 ? o.max_delete : std::max(10, plan.owned / 4);
  if (deletes > limit) {
    refusals.push_back("the plan deletes " + std::to_string(deletes) +
                       " objects, more than the limit of " + std::to_string(limit) +
                       " (--max-delete)");
  }
  return refusals;
}

std::string PlanHash(const Plan& plan) {
  std::string text;
  for (const Action& a : plan.actions) {
    if (!a.mutates) continue;
    json body = a.kind == api::kKindSecret ? WithoutValues(a.body) : a.body;
    if (body.is_object() && body.contains("metadata")) body["metadata"].erase("resourceVersion");
    text +=
        std::string(ActionName(a.type)) + " " + a.kind + "/" + a.name + " " + body.dump() + "\n";
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  return LowerHex(digest, size);
}

}  // namespace cara::gitops
