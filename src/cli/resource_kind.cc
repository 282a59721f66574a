#include "cli/resource_kind.h"

#include "api/types.h"

namespace cara::cli {

const ResourceNames& NamesOf(ResourceKind kind) {
  static const ResourceNames kNode{"node", "nodes", "/api/v1/nodes", api::kKindNode, "NodeList"};
  static const ResourceNames kProject{"project", "projects", "/api/v1/projects", api::kKindProject,
                                      "ProjectList"};
  static const ResourceNames kSecret{"secret", "secrets", "/api/v1/secrets", api::kKindSecret,
                                     "SecretList"};
  switch (kind) {
    case ResourceKind::kNode:
      return kNode;
    case ResourceKind::kSecret:
      return kSecret;
    case ResourceKind::kProject:
      break;
  }
  return kProject;
}

std::optional<ResourceKind> ParseResourceWord(const std::string& word) {
  for (ResourceKind k : {ResourceKind::kNode, ResourceKind::kProject, ResourceKind::kSecret}) {
    if (word == NamesOf(k).singular || word == NamesOf(k).plural) return k;
  }
  return std::nullopt;
}

ResourceKind FromKind(const std::string& kind) {
  if (kind == api::kKindNode) return ResourceKind::kNode;
  if (kind == api::kKindSecret) return ResourceKind::kSecret;
  return ResourceKind::kProject;
}

std::string ObjectRef(ResourceKind kind, const std::string& name) {
  return std::string(NamesOf(kind).singular) + "/" + name;
}

}  // namespace cara::cli
