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
  return ReconcileBatch({key}).front();
}

std::vector<Result<ReconcileResult>> StateChangeEventsController::ReconcileBatch(
    const std::vector<std::string>& keys) {
  std::vector<EventRecorder::Entry> events;
  for (const std::string& key : keys) TakeEvents(key, events);
  if (!events.empty()) events_->RecordAll(events);  // best effort, as every event
  return std::vector<Result<ReconcileResult>>(keys.size(), ReconcileResult{});
}

void StateChangeEventsController::TakeEvents(const std::string& key,
                                             std::vector<EventRecorder::Entry>& out) {
  std::vector<Change> changes;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(key);
    if (it == pending_.end()) return;
    changes = std::move(it->second);
    pending_.erase(it);
  }
  for (const Change& change : changes) {
    if (StartsWith(key, kNodePrefix)) {
      auto event = NodeChangeEvent(key.substr(sizeof(kNodePrefix) - 1), change);
      if (event) out.push_back(std::move(*event));
    } else if (StartsWith(key, kProjectPrefix)) {
      out.push_back(ProjectChangeEvent(key.substr(sizeof(kProjectPrefix) - 1)));
    }
  }
}

std::optional<EventRecorder::Entry> StateChangeEventsController::NodeChangeEvent(
    const std::string& name, const Change& change) {
  const api::ObjectReference node = api::NodeRef(name);
  if (change.to == api::kNodeDraining) {
    return EventRecorder::Entry{node, api::kEventNormal, api::reason::kDrained,
                                "Node " + name + " is draining: no new projects are placed on it"};
  }
  if (change.to == api::kNodeNotReady && change.from == api::kNodeDraining) {
    // Lifting a drain on a silent node: not a health change worth a Warning.
    return EventRecorder::Entry{
        node, api::kEventNormal, api::reason::kNodeNotReady,
        "Node " + name + " is no longer draining and has no fresh heartbeat"};
  }
  if (change.to == api::kNodeNotReady) {
    return EventRecorder::Entry{node, api::kEventWarning, api::reason::kNodeNotReady,
                                "Node " + name + " status is now: NotReady"};
  }
  if (change.to == api::kNodeReady) {
    return EventRecorder::Entry{node, api::kEventNormal, api::reason::kNodeReady,
                                "Node " + name + " status is now: Ready"};
  }
  return std::nullopt;
}

// Only Terminating is notable for a project.
EventRecorder::Entry StateChangeEventsController::ProjectChangeEvent(const std::string& name) {
  std::string message = "Project " + name + " is terminating";
  auto project = store_->GetProject(name);
  if (project.ok() && !project->status.node_ref.empty()) {
    message += ": node " + project->status.node_ref + " removes its containers";
  }
  return EventRecorder::Entry{api::ProjectRef(name), api::kEventNormal, api::reason::kTerminating,
                              message};
}

}  // namespace cara::controllers
