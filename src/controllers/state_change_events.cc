#include "controllers/state_change_events.h"

#include "api/lifecycle.h"

namespace cara::controllers {
namespace {

constexpr char kNodePrefix[] = "Node/";
constexpr char kProjectPrefix[] = "Project/";

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// Whether a state change of `kind` is worth an event.
bool Notable(const std::string& kind, const std::string& to) {
  if (kind == api::kKindNode) {
    return to == api::kNodeReady || to == api::kNodeNotReady || to == api::kNodeDraining;
  }
  return kind == api::kKindProject && to == api::kPhaseTerminating;
}

}  // namespace

void StateChangeEventsController::OnEvent(const store::Event& e, Enqueuer& enqueuer) {
  if (e.type != store::EventType::kUpdated || e.old_phase == e.new_phase) return;
  if (!Notable(e.kind, e.new_phase)) return;
  const std::string key = e.kind + "/" + e.name;
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_[key].push_back({e.old_phase, e.new_phase});
  }
  enqueuer.Add(key);
}

Result<ReconcileResult> StateChangeEventsController::Reconcile(const std::string& key) {
  std::vector<Change> changes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(key);
    if (it == pending_.end()) return ReconcileResult{};
    changes = std::move(it->second);
    pending_.erase(it);
  }
  for (const Change& change : changes) {
    if (StartsWith(key, kNodePrefix)) {
      RecordNodeChange(key.substr(sizeof(kNodePrefix) - 1), change);
    } else if (StartsWith(key, kProjectPrefix)) {
      RecordProjectChange(key.substr(sizeof(kProjectPrefix) - 1), change);
    }
  }
  return ReconcileResult{};
}

void StateChangeEventsController::RecordNodeChange(const std::string& name, const Change& change) {
  const api::ObjectReference node = api::NodeRef(name);
  if (change.to == api::kNodeDraining) {
    events_->Record(node, api::kEventNormal, api::reason::kDrained,
                    "Node " + name + " is draining: no new projects are placed on it");
  } else if (change.to == api::kNodeNotReady && change.from == api::kNodeDraining) {
    // Lifting a drain on a silent node: not a health change worth a Warning.
    events_->Record(node, api::kEventNormal, api::reason::kNodeNotReady,
                    "Node " + name + " is no longer draining and has no fresh heartbeat");
  } else if (change.to == api::kNodeNotReady) {
    events_->Record(node, api::kEventWarning, api::reason::kNodeNotReady,
                    "Node " + name + " status is now: NotReady");
  } else if (change.to == api::kNodeReady) {
    events_->Record(node, api::kEventNormal, api::reason::kNodeReady,
                    "Node " + name + " status is now: Ready");
  }
}

void StateChangeEventsController::RecordProjectChange(const std::string& name,
                                                      const Change& change) {
  (void)change;  // only Terminating is notable
  std::string message = "Project " + name + " is terminating";
  auto project = store_->GetProject(name);
  if (project.ok() && !project->status.node_ref.empty()) {
    message += ": node " + project->status.node_ref + " removes its containers";
  }
  events_->Record(api::ProjectRef(name), api::kEventNormal, api::reason::kTerminating, message);
}

}  // namespace cara::controllers
