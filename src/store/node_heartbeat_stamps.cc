#include "store/node_heartbeat_stamps.h"

#include <map>
#include <optional>

#include "api/codec.h"

namespace cara::store {
namespace {

// The stamped row of a node read (and locked) in the flush, or nullopt when
// nothing is to be written: the stamp is not newer than the stored heartbeat,
// or the node was written since the stamp was decided (then *moved).
Result<std::optional<Row>> Stamped(Row row, const HeartbeatStamp& stamp, bool* moved) {
  if (row.revision != stamp.seen_revision) {
    *moved = true;
    return std::optional<Row>();
  }
  auto node = api::ParseNode(row.body);
  if (!node.ok()) {
    return Status::Internal("corrupt Node " + stamp.name + ": " + node.status().message());
  }
  const auto& stored = node->status.last_heartbeat;
  if (stored && *stored >= stamp.at) return std::optional<Row>();
  node->status.last_heartbeat = stamp.at;
  row.body = api::EncodeNode(*node);
  return std::optional<Row>(std::move(row));
}

}  // namespace

Result<std::vector<std::string>> StampNodeHeartbeats(Backend& backend,
                                                     std::vector<HeartbeatStamp> stamps,
                                                     const std::vector<std::string>& notices) {
  std::map<std::string, const HeartbeatStamp*> by_name;
  std::vector<std::string> names;
  for (const HeartbeatStamp& stamp : stamps) {
    auto [it, added] = by_name.emplace(stamp.name, &stamp);
    if (added) names.push_back(stamp.name);
    if (!added && it->second->at < stamp.at) it->second = &stamp;  // the latest wins
  }
  std::vector<std::string> moved;
  // One statement each to read and to write the batch (PostgreSQL: not a
  // round trip per node). GetMany locks in one name order, so two
  // replicas' flushes cannot deadlock.
  Status st = backend.Write([&](Txn& txn) -> Status {
    moved.clear();                                   // a retried transaction starts over
    auto rows = txn.GetMany(api::kKindNode, names);  // a deleted node is absent
    if (!rows.ok()) return rows.status();
    std::vector<Row> updates;
    for (Row& row : *rows) {
      const HeartbeatStamp& stamp = *by_name.at(row.name);
      bool stale = false;
      auto stamped = Stamped(std::move(row), stamp, &stale);
      if (!stamped.ok()) return stamped.status();
      if (stale) moved.push_back(stamp.name);
      if (*stamped) updates.push_back(std::move(**stamped));
    }
    if (!updates.empty()) CARA_RETURN_IF_ERROR(txn.UpdateMany(updates));
    return notices.empty() ? Status::Ok() : txn.NotifyMany(notices);
  });
  if (!st.ok()) return st;
  return moved;
}

}  // namespace cara::store
