#include "api/types.h"

#include <algorithm>

namespace cara::api {

void UpsertCondition(std::vector<Condition>& conditions, Condition c) {
  for (auto& existing : conditions) {
    if (existing.type == c.type) {
      existing = std::move(c);
      return;
    }
  }
  conditions.push_back(std::move(c));
}

const Condition* FindCondition(const std::vector<Condition>& conditions, const std::string& type) {
  for (const auto& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

bool RemoveCondition(std::vector<Condition>& conditions, const std::string& type) {
  auto it = std::remove_if(conditions.begin(), conditions.end(),
                           [&](const Condition& c) { return c.type == type; });
  bool removed = it != conditions.end();
  conditions.erase(it, conditions.end());
  return removed;
}

bool IsValidNodeState(const std::string& s) {
  return s == kNodeReady || s == kNodeNotReady || s == kNodeDraining;
}

bool IsValidProjectPhase(const std::string& p) {
  return p == kPhasePending || p == kPhaseScheduled || p == kPhaseRunning || p == kPhaseFailed ||
         p == kPhaseTerminating || p == kPhaseTerminated;
}

std::string EffectivePullPolicy(const ServiceDef& service) {
  if (!service.image_pull_policy.empty()) return service.image_pull_policy;
  // The tag is what follows the last ':' after the last '/', ignoring a digest.
  const std::string& image = service.image;
  if (image.find('@') != std::string::npos) return "IfNotPresent";
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  bool has_tag = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  if (!has_tag) return "Always";
  return image.substr(colon + 1) == "latest" ? "Always" : "IfNotPresent";
}

std::string EffectiveRestartPolicy(const ServiceDef& service) {
  return service.restart_policy.empty() ? kRestartNever : service.restart_policy;
}

bool HasPersistentVolume(const ProjectSpec& spec) {
  for (const VolumeDef& v : spec.volumes) {
    if (v.type == kVolumePersistent) return true;
  }
  return false;
}

std::vector<std::string> ReferencedSecrets(const ProjectSpec& spec) {
  std::vector<std::string> names = spec.image_pull_secrets;
  for (const ServiceDef& s : spec.services) {
    for (const EnvVar& e : s.env) {
      if (e.value_from) names.push_back(e.value_from->name);
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::string EffectiveSecretType(const Secret& secret) {
  return secret.type.empty() ? kSecretOpaque : secret.type;
}

}  // namespace cara::api
