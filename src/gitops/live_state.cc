#include "gitops/live_state.h"

#include "api/codec.h"

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
