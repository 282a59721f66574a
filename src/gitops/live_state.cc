#include "gitops/live_state.h"

#include "api/codec.h"
#include "gitops/secret_view.h"

namespace cara::gitops {
namespace {

template <typename T>
void MarkOwned(const LoadedSource& source, T* object) {
  object->metadata.labels[kManagedByLabel] = kManagedByValue;
  object->metadata.annotations[kSourceAnnotation] = source.info.id;
}

}  // namespace

Result<LiveState> ListLiveState(ClusterClient& client, LiveKinds kinds) {
  LiveState live;
  if (kinds.nodes) {
    auto nodes = client.ListNodes();
    if (!nodes.ok()) return nodes.status();
    live.nodes = std::move(*nodes);
  }
  if (kinds.projects) {
    auto projects = client.ListProjects();
    if (!projects.ok()) return projects.status();
    live.projects = std::move(*projects);
  }
  if (kinds.secrets) {
    auto secrets = client.ListSecrets();
    if (secrets.ok()) {
      live.secrets = std::move(*secrets);
    } else if (secrets.status().code() != Code::kNotFound) {
      return secrets.status();
    }
  }
  return live;
}

LiveState LiveStateFromSource(const LoadedSource& base, Timestamp now) {
  LiveState live;
  for (const auto& d : base.objects) {
    if (d.kind == api::kKindNode) {
      auto n = api::DecodeNode(d.document);
      if (!n.ok()) continue;
      MarkOwned(base, &*n);
      live.nodes.push_back(std::move(*n));
    } else if (d.kind == api::kKindSecret) {
      auto s = api::DecodeSecret(d.document);
      if (!s.ok()) continue;
      MakeComparable(*s);
      MarkOwned(base, &*s);
      live.secrets.push_back(std::move(*s));
    } else {
      auto p = api::DecodeProject(d.document);
      if (!p.ok() || (p->spec.expire_at && *p->spec.expire_at <= now)) continue;
      MarkOwned(base, &*p);
      live.projects.push_back(std::move(*p));
    }
  }
  return live;
}

}  // namespace cara::gitops
