#include "controllers/scheduler.h"

#include <limits>

#include "api/lifecycle.h"
#include "api/quantity.h"
#include "common/log.h"

namespace cara::controllers {
namespace {

constexpr int64_t kUnlimited = std::numeric_limits<int64_t>::max();
const char kUnschedulable[] = "Unschedulable";

// A node that reports no allocatable (like the original agent) has no limit.
Resources Allocatable(const api::Node& n) {
  auto get = [&](const char* key) {
    auto it = n.status.allocatable.find(key);
    if (it == n.status.allocatable.end()) return kUnlimited;
    auto q = api::ParseQuantity(it->second);
    return q.ok() ? q->milli : kUnlimited;
  };
  return {get("cpu"), get("memory")};
}

int64_t Free(int64_t allocatable, int64_t used) {
  return allocatable == kUnlimited ? kUnlimited : allocatable - used;
}

}  // namespace

Placement ChooseNode(const api::Project& project, const std::vector<api::Node>& nodes,
                     const std::vector<api::Project>& placed, Timestamp now,
                     Duration heartbeat_timeout) {
  NodeUsage used;
  for (const auto& p : placed) {
    if (p.metadata.name == project.metadata.name) continue;
    Resources r = ProjectRequests(p);
    used[p.status.node_ref].cpu_milli += r.cpu_milli;
    used[p.status.node_ref].memory_milli += r.memory_milli;
  }
  return ChooseNodeByUsage(project, nodes, used, now, heartbeat_timeout);
}

Placement ChooseNodeByUsage(const api::Project& project, const std::vector<api::Node>& nodes,
                            const NodeUsage& used, Timestamp now, Duration heartbeat_timeout) {
  Resources want = ProjectRequests(project);
  int not_ready = 0, draining = 0, no_cpu = 0, no_memory = 0;
  const api::Node* best = nullptr;
  int64_t best_free_memory = 0;
  for (const auto& node : nodes) {
    if (node.spec.unschedulable || node.status.state == api::kNodeDraining) {
      ++draining;
      continue;
    }
    if (node.status.state != api::kNodeReady || api::DockerUnavailable(node) ||
        !api::HeartbeatFresh(node, now, heartbeat_timeout)) {
      ++not_ready;
      continue;
    }
    Resources alloc = Allocatable(node);
    auto found = used.find(node.metadata.name);
    Resources in_use = found == used.end() ? Resources{} : found->second;
    int64_t free_cpu = Free(alloc.cpu_milli, in_use.cpu_milli);
    int64_t free_memory = Free(alloc.memory_milli, in_use.memory_milli);
    bool cpu_fits = free_cpu >= want.cpu_milli;
    bool memory_fits = free_memory >= want.memory_milli;
    if (!cpu_fits) ++no_cpu;
    if (!memory_fits) ++no_memory;
    if (!cpu_fits || !memory_fits) continue;
    if (!best || free_memory > best_free_memory) {
      best = &node;
      best_free_memory = free_memory;
    }
  }
  if (best) return {best->metadata.name, ""};
  std::string message = "0/" + std::to_string(nodes.size()) + " nodes available";
  std::vector<std::string> reasons;
  if (nodes.empty()) reasons.push_back("no nodes registered");
  if (not_ready) reasons.push_back(std::to_string(not_ready) + " NotReady");
  if (draining) reasons.push_back(std::to_string(draining) + " Draining");
  if (no_cpu) reasons.push_back(std::to_string(no_cpu) + " insufficient cpu");
  if (no_memory) reasons.push_back(std::to_string(no_memory) + " insufficient memory");
  for (size_t i = 0; i < reasons.size(); ++i) message += (i ? ", " : ": ") + reasons[i];
  return {"", message};
}

static ReconcileResult RequeueSoon() {
  ReconcileResult r;
  r.requeue = true;
  return r;
}

Result<ReconcileResult> SchedulerController::Reconcile(const std::string& name) {
  std::lock_guard<std::mutex> lock(decide_mu_);
  auto project = store_->GetProject(name);
  if (!project.ok()) return DoneIfNotFound(project.status());
  if (project->status.phase != api::kPhasePending) return ReconcileResult{};
  CARA_RETURN_IF_ERROR(cache_.Refresh());
  return Place(name, ChooseNodeByUsage(*project, cache_.nodes(), cache_.usage(), clock_->Now(),
                                       config_.heartbeat_timeout));
}

// Writes the decision: the node assignment, or the Unschedulable condition.
Result<ReconcileResult> SchedulerController::Place(const std::string& name,
                                                   const Placement& placement) {
  if (placement.node.empty()) {
    auto updated = store_->UpdateProject(name, [&](api::Project& p) {
      if (p.status.phase != api::kPhasePending) return Status::Ok();  // changed meanwhile
      const api::Condition* c = api::FindCondition(p.status.conditions, api::condition::kPhase);
      if (!c || c->reason != kUnschedulable || c->message != placement.message) {
        api::SetProjectPhase(p, api::kPhasePending, kUnschedulable, placement.message,
                             clock_->Now());
      }
      return Status::Ok();
    });
    if (!updated.ok() && updated.status().code() != Code::kNotFound) return updated.status();
    LOG_DEBUG("project unschedulable").Kv("project", name).Kv("reason", placement.message);
    return RequeueSoon();
  }
  // Holding the node's lock: a concurrent node delete cannot miss this.
  auto updated = store_->UpdateProjectOnNode(name, placement.node, [&](api::Project& p) {
    if (p.status.phase != api::kPhasePending) return Status::Ok();
    p.status.phase = api::kPhaseScheduled;
    p.status.node_ref = placement.node;
    const api::Condition* c = api::FindCondition(p.status.conditions, api::condition::kPhase);
    if (c && c->reason == kUnschedulable) {
      api::RemoveCondition(p.status.conditions, api::condition::kPhase);
    }
    return Status::Ok();
  });
  if (!updated.ok()) {
    // The project or the node vanished: look again from scratch.
    if (updated.status().code() == Code::kNotFound) return RequeueSoon();
    return updated.status();
  }
  LOG_INFO("project scheduled").Kv("project", name).Kv("node", placement.node);
  return ReconcileResult{};
}

Result<std::vector<std::string>> SchedulerController::ResyncKeys() {
  // A resync starts from the store's truth, whatever events were missed.
  cache_.Invalidate();
  auto pending = store_->ListProjects({{api::kPhasePending}, ""});
  if (!pending.ok()) return pending.status();
  std::vector<std::string> keys;
  for (const auto& p : *pending) keys.push_back(p.metadata.name);
  return keys;
}

void SchedulerController::OnEvent(const store::Event& e, Enqueuer& enqueuer) {
  if (e.kind == api::kKindProject) {
    if (e.new_phase == api::kPhasePending && e.old_phase != api::kPhasePending)
      enqueuer.Add(e.name);
    bool held_room = e.old_phase == api::kPhaseScheduled || e.old_phase == api::kPhaseRunning;
    bool holds_room = e.new_phase == api::kPhaseScheduled || e.new_phase == api::kPhaseRunning;
    if (held_room && !holds_room) enqueuer.ResyncSoon();  // room freed on a node
    return;
  }
  // A node appeared, recovered, drained or left: Pending projects may fit now.
  if (e.type != store::EventType::kUpdated || e.old_phase != e.new_phase) enqueuer.ResyncSoon();
}

}  // namespace cara::controllers
