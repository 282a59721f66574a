#include "controllers/node_health.h"

#include <map>

#include "api/lifecycle.h"
#include "store/node_leases.h"

// A heartbeat counts whether it was written or kept as a lease
// (store/node_leases.h): leases make no events, the requeue finds them.
namespace cara::controllers {

Result<ReconcileResult> NodeHealthController::Reconcile(const std::string& name) {
  return ReconcileBatch({name}).front();
}

std::vector<Result<ReconcileResult>> NodeHealthController::ReconcileBatch(
    const std::vector<std::string>& names) {
  std::vector<ReconcileResult> decided(names.size());
  std::map<std::string, size_t> slot;
  for (size_t i = 0; i < names.size(); ++i) slot.emplace(names[i], i);
  const Timestamp now = clock_->Now();
  auto leases = store::NodeLeases::Of(store_);
  auto updated = store_->UpdateNodes(names, [&](const std::string& name, api::Node& node) {
    if (node.spec.unschedulable || node.status.state == api::kNodeDraining) return Status::Ok();
    // The stored heartbeat or a newer lease, this replica's or a flushed one.
    std::optional<Timestamp> latest = store::LatestHeartbeat(leases.get(), node);
    if (latest && now - *latest <= config_.heartbeat_timeout) {
      api::MarkNodeAlive(node, now);  // NotReady while its Docker does not answer
      // Look again the moment this heartbeat goes stale.
      decided[slot.at(name)].requeue_after =
          *latest + config_.heartbeat_timeout - now + std::chrono::milliseconds(1);
    } else {
      api::MarkNodeNotReady(node, now);
    }
    return Status::Ok();
  });
  std::vector<Result<ReconcileResult>> results;
  results.reserve(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    if (!updated[i].ok() && updated[i].status().code() != Code::kNotFound) {
      results.push_back(updated[i].status());
    } else {
      results.push_back(decided[i]);
    }
  }
  return results;
}

Result<std::vector<std::string>> NodeHealthController::ResyncKeys() {
  // Names only: the batch reads each node in its transaction anyway.
  return store_->ListNames(api::kKindNode, {});
}

void NodeHealthController::OnEvent(const store::Event& e, Enqueuer& enqueuer) {
  if (e.kind != api::kKindNode || e.type == store::EventType::kDeleted) return;
  // Heartbeats that keep the state need no look: the stale-timer is pending.
  if (e.type == store::EventType::kCreated || e.old_phase != e.new_phase) enqueuer.Add(e.name);
}

}  // namespace cara::controllers
