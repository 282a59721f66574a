#include "store/node_heartbeat_stamps.h"

#include <algorithm>

#include "api/codec.h"

namespace cara::store {
namespace {

// Stamps one node read (and locked) in `txn`. Sets *moved when the node
// was written since its stamp was decided.
Status StampIn(Txn& txn, const HeartbeatStamp& stamp, bool* moved) {
  auto row = txn.Get(api::kKindNode, stamp.name);
  if (!row.ok()) return row.status();
  if (!*row) return Status::Ok();  // deleted since
  if ((*row)->revision != stamp.seen_revision) {
    *moved = true;
    return Status::Ok();
  }
  auto node = api::ParseNode((*row)->body);
  if (!node.ok()) {
    return Status::Internal("corrupt Node " + stamp.name + ": " + node.status().message());
  }
  const auto& stored = node->status.last_heartbeat;
  if (stored && *stored >= stamp.at) return Status::Ok();
  node->status.last_heartbeat = stamp.at;
  Row stamped = std::move(**row);
  stamped.body = api::EncodeNode(*node);
  return txn.Update(stamped);
}

}  // namespace

Result<std::vector<std::string>> StampNodeHeartbeats(Backend& backend,
                                                     std::vector<HeartbeatStamp> stamps,
                                                     const std::vector<std::string>& notices) {
  // One lock order for every flush: two replicas' batches cannot deadlock.
  std::sort(stamps.begin(), stamps.end(),
            [](const HeartbeatStamp& a, const HeartbeatStamp& b) { return a.name < b.name; });
  std::vector<std::string> moved;
  Status st = backend.Write([&](Txn& txn) -> Status {
    moved.clear();  // a retried transaction starts over
    for (const HeartbeatStamp& stamp : stamps) {
      bool stale = false;
      CARA_RETURN_IF_ERROR(StampIn(txn, stamp, &stale));
      if (stale) moved.push_back(stamp.name);
    }
    for (const std::string& notice : notices) CARA_RETURN_IF_ERROR(txn.Notify(notice));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return moved;
}

}  // namespace cara::store
