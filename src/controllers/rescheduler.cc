#include "controllers/rescheduler.h"

#include "api/lifecycle.h"
#include "common/log.h"

namespace cara::controllers {
namespace {

namespace cond = api::condition;

const char kReasonNodeNotReady[] = "NodeNotReady";
const char kNotReadyAtMessage[] =
    "Node went NotReady while project was Running; running grace period clock started";
const char kTerminatingAtMessage[] =
    "Node went NotReady while project was Terminating; force-termination timeout clock started";

bool HasMarker(const api::Project& p) {
  return api::FindCondition(p.status.conditions, cond::kNotReadyAt) ||
         api::FindCondition(p.status.conditions, cond::kTerminatingAt) ||
         api::FindCondition(p.status.conditions, api::kConditionPinned);
}

void ClearMarkersOf(api::Project& p) {
  api::RemoveCondition(p.status.conditions, cond::kNotReadyAt);
  api::RemoveCondition(p.status.conditions, cond::kTerminatingAt);
  api::RemoveCondition(p.status.conditions, api::kConditionPinned);
}

// A project with a Persistent volume stays with its data: instead of a move,
// it says why it is not moving. The transition time stays while it is pinned.
void Pin(api::Project& p, const std::string& node, Timestamp now) {
  api::RemoveCondition(p.status.conditions, cond::kNotReadyAt);
  std::string message = "pinned to " + node + ", which holds its persistent volume data";
  const api::Condition* before = api::FindCondition(p.status.conditions, api::kConditionPinned);
  if (before && before->message == message && before->status == cond::kTrue) return;
  api::Condition pinned;
  pinned.type = api::kConditionPinned;
  pinned.status = cond::kTrue;
  pinned.last_transition_time = now;
  pinned.reason = api::kReasonPersistentVolume;
  pinned.message = std::move(message);
  api::UpsertCondition(p.status.conditions, std::move(pinned));
}

void ResetToPending(api::Project& p, Timestamp now) {
  p.status.node_ref.clear();
  ClearMarkersOf(p);
  api::SetProjectPhase(p, api::kPhasePending, kReasonNodeNotReady,
                       "Node went NotReady; project reset to Pending for rescheduling", now);
}

// The marker's start time, writing the marker now if it is missing.
Timestamp MarkerSince(api::Project& p, const char* type, const char* message, Timestamp now) {
  if (const api::Condition* c = api::FindCondition(p.status.conditions, type)) {
    if (c->last_transition_time) return *c->last_transition_time;
  }
  api::Condition marker;
  marker.type = type;
  marker.status = cond::kTrue;
  marker.last_transition_time = now;
  marker.reason = kReasonNodeNotReady;
  marker.message = message;
  api::UpsertCondition(p.status.conditions, std::move(marker));
  return now;
}

}  // namespace

Result<ReconcileResult> ReschedulerController::Reconcile(const std::string& node_name) {
  auto node = store_->GetNode(node_name);
  if (!node.ok()) return DoneIfNotFound(node.status());
  if (node->status.state != api::kNodeNotReady) {
    CARA_RETURN_IF_ERROR(ClearMarkers(node_name));
    return ReconcileResult{};
  }
  auto projects = store_->ListProjects(
      {{api::kPhaseScheduled, api::kPhaseRunning, api::kPhaseTerminating}, node_name});
  if (!projects.ok()) return projects.status();
  ReconcileResult result;
  for (const auto& p : *projects) {
    auto next = HandleProject(node_name, p.metadata.name);
    if (!next.ok()) return next.status();
    if (*next && (!result.requeue_after || **next < *result.requeue_after)) {
      result.requeue_after = **next;
    }
  }
  return result;
}

Result<std::optional<Duration>> ReschedulerController::HandleProject(const std::string& node,
                                                                     const std::string& name) {
  std::optional<Duration> next;
  Timestamp now = clock_->Now();
  bool reset = false;
  auto updated = store_->UpdateProject(name, [&](api::Project& p) {
    next.reset();
    reset = false;
    if (p.status.node_ref != node) return Status::Ok();  // moved meanwhile
    const std::string& phase = p.status.phase;
    bool placed = phase == api::kPhaseScheduled || phase == api::kPhaseRunning;
    if (placed && api::HasPersistentVolume(p.spec)) {
      Pin(p, node, now);
      return Status::Ok();
    }
    // Pinned no longer holds, e.g. its volume was made Ephemeral.
    api::RemoveCondition(p.status.conditions, api::kConditionPinned);
    if (phase == api::kPhaseScheduled) {
      ResetToPending(p, now);
      reset = true;
    } else if (phase == api::kPhaseRunning) {
      Timestamp since = MarkerSince(p, cond::kNotReadyAt, kNotReadyAtMessage, now);
      if (now - since >= config_.running_grace_period) {
        ResetToPending(p, now);
        reset = true;
      } else {
        next = since + config_.running_grace_period - now;
      }
    } else if (phase == api::kPhaseTerminating) {
      Timestamp since = MarkerSince(p, cond::kTerminatingAt, kTerminatingAtMessage, now);
      if (now - since >= config_.terminating_timeout) {
        api::SetProjectPhase(p, api::kPhaseTerminated, "TerminationTimeout",
                             "Node was NotReady for too long; project force-terminated. Docker "
                             "resources on the node may need manual cleanup.",
                             now);
      } else {
        next = since + config_.terminating_timeout - now;
      }
    }
    return Status::Ok();
  });
  if (!updated.ok() && updated.status().code() != Code::kNotFound) return updated.status();
  if (updated.ok() && reset) {
    LOG_INFO("project reset to Pending").Kv("project", name).Kv("node", node);
    events_->Record(api::ProjectRef(name), api::kEventWarning, api::reason::kRescheduled,
                    "Node " + node + " is NotReady; project reset to Pending for rescheduling");
  }
  return next;
}

Status ReschedulerController::ClearMarkers(const std::string& node) {
  auto projects = store_->ListProjects({{}, node});
  if (!projects.ok()) return projects.status();
  for (const auto& p : *projects) {
    if (!HasMarker(p)) continue;
    auto updated = store_->UpdateProject(p.metadata.name, [](api::Project& q) {
      ClearMarkersOf(q);
      return Status::Ok();
    });
    if (!updated.ok() && updated.status().code() != Code::kNotFound) return updated.status();
  }
  return Status::Ok();
}

Result<std::vector<std::string>> ReschedulerController::ResyncKeys() {
  auto nodes = store_->ListNodes();
  if (!nodes.ok()) return nodes.status();
  std::vector<std::string> keys;
  for (const auto& n : *nodes) {
    if (n.status.state == api::kNodeNotReady) keys.push_back(n.metadata.name);
  }
  // Ready nodes that still carry stale markers on their projects.
  auto projects = store_->ListProjects();
  if (!projects.ok()) return projects.status();
  for (const auto& p : *projects) {
    if (HasMarker(p) && !p.status.node_ref.empty()) keys.push_back(p.status.node_ref);
  }
  return keys;
}

void ReschedulerController::OnEvent(const store::Event& e, Enqueuer& enqueuer) {
  if (e.kind == api::kKindNode && e.type == store::EventType::kUpdated &&
      e.old_phase != e.new_phase) {
    enqueuer.Add(e.name);
  }
}

}  // namespace cara::controllers
