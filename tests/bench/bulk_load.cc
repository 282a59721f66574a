#include "bench/bulk_load.h"

#include <stdexcept>

#include "api/codec.h"
#include "api/ingress_host.h"

namespace cara::bench {
namespace {

constexpr size_t kRowsPerTransaction = 1000;

// The metadata Store's CreateIn (store/store.cc) gives a new object.
template <typename T>
void MarkCreated(T& obj, int64_t revision, Timestamp now) {
  obj.metadata.created_at = now;
  obj.metadata.updated_at = now;
  obj.metadata.generation = 1;
  obj.metadata.resource_version = std::to_string(revision);
}

store::Row ToRow(api::Node& n, int64_t revision, Timestamp now) {
  MarkCreated(n, revision, now);
  return {api::kKindNode,     n.metadata.name, n.status.state, "",
          api::EncodeNode(n), revision,        revision};
}

store::Row ToRow(api::Project& p, int64_t revision, Timestamp now) {
  MarkCreated(p, revision, now);
  return {api::kKindProject,     p.metadata.name, p.status.phase, p.status.node_ref,
          api::EncodeProject(p), revision,        revision};
}

// A project's ingress hosts, claimed as Store::Create claims them, so
// later writes see them held.
Status ClaimHosts(store::Txn&, const api::Node&) { return Status::Ok(); }
Status ClaimHosts(store::Txn& txn, const api::Project& p) {
  std::vector<std::string> hosts = api::IngressHosts(p);
  if (hosts.empty()) return Status::Ok();
  auto held = txn.ClaimIngressHosts(p.metadata.name, hosts);
  if (!held.ok()) return held.status();
  if (*held) return Status::Conflict("ingress host " + (*held)->host + " is held already");
  return Status::Ok();
}

template <typename T>
void Insert(store::Backend& backend, std::vector<T>& objects) {
  const Timestamp now = SystemClock::Default()->Now();
  for (size_t from = 0; from < objects.size(); from += kRowsPerTransaction) {
    size_t to = std::min(objects.size(), from + kRowsPerTransaction);
    Status st = backend.Write([&](store::Txn& txn) -> Status {
      for (size_t i = from; i < to; ++i) {
        auto revision = txn.NextRevision();
        if (!revision.ok()) return revision.status();
        CARA_RETURN_IF_ERROR(txn.Insert(ToRow(objects[i], *revision, now)));
        CARA_RETURN_IF_ERROR(ClaimHosts(txn, objects[i]));
      }
      return Status::Ok();
    });
    if (!st.ok()) throw std::runtime_error("bulk load: " + st.ToString());
  }
}

}  // namespace

void BulkLoad(store::Backend& backend, std::vector<api::Node> nodes,
              std::vector<api::Project> projects) {
  Insert(backend, nodes);
  Insert(backend, projects);
}

}  // namespace cara::bench
