#include "controllers/scheduler.h"

#include <limits>
#include <optional>

#include "api/lifecycle.h"
#include "api/quantity.h"
#include "common/log.h"
#include "store/node_leases.h"

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

// What the project asks of every node, computed once per decision.
struct Demand {
  Resources requests;
  std::vector<HostPort> ports;
  const api::StringMap* selector;
};

// How many nodes failed each check (see scheduler.h for the order).
struct Misfits {
  int draining = 0, not_ready = 0, selector = 0, cpu = 0, memory = 0;
  std::vector<int> ports;  // per index into Demand::ports

  std::string Message(size_t node_count, const std::vector<HostPort>& wanted) const {
    std::vector<std::string> reasons;
    auto add = [&](int n, const std::string& what) {
      if (n) reasons.push_back(std::to_string(n) + " " + what);
    };
    if (node_count == 0) reasons.push_back("no nodes registered");
    add(not_ready, "NotReady");
    add(draining, "Draining");
    add(selector, "didn't match nodeSelector");
    for (size_t i = 0; i < ports.size(); ++i)
      add(ports[i], "port " + Describe(wanted[i]) + " in use");
    add(cpu, "insufficient cpu");
    add(memory, "insufficient memory");
    std::string message = "0/" + std::to_string(node_count) + " nodes available";
    for (size_t i = 0; i < reasons.size(); ++i) message += (i ? ", " : ": ") + reasons[i];
    return message;
  }
};

// The node's free memory when it can take the project; otherwise counts the
// first check it fails in `misfits` and returns nothing.
std::optional<int64_t> FreeMemoryIfFits(const api::Node& node, const Demand& want,
                                        const NodeUsage& used, Timestamp now,
                                        Duration heartbeat_timeout, const store::NodeLeases* leases,
                                        Misfits& misfits) {
  if (node.spec.unschedulable || node.status.state == api::kNodeDraining) {
    ++misfits.draining;
    return std::nullopt;
  }
  if (node.status.state != api::kNodeReady || api::DockerUnavailable(node) ||
      !store::HeartbeatFreshWithLeases(leases, node, now, heartbeat_timeout)) {
    ++misfits.not_ready;
    return std::nullopt;
  }
  if (!MatchesNodeSelector(node, *want.selector)) {
    ++misfits.selector;
    return std::nullopt;
  }
  const NodeLoad& load = used.Of(node.metadata.name);
  if (int clash = load.ports.FirstClash(want.ports); clash >= 0) {
    ++misfits.ports[clash];
    return std::nullopt;
  }
  Resources alloc = Allocatable(node);
  if (Free(alloc.cpu_milli, load.requests.cpu_milli) < want.requests.cpu_milli) {
    ++misfits.cpu;
    return std::nullopt;
  }
  int64_t free_memory = Free(alloc.memory_milli, load.requests.memory_milli);
  if (free_memory < want.requests.memory_milli) {
    ++misfits.memory;
    return std::nullopt;
  }
  return free_memory;
}

}  // namespace

api::SecretLookup NoSecrets() {
  return [](const std::string&) -> std::optional<api::Secret> { return std::nullopt; };
}

bool MatchesNodeSelector(const api::Node& node, const api::StringMap& selector) {
  for (const auto& [key, value] : selector) {
    auto it = node.metadata.labels.find(key);
    if (it == node.metadata.labels.end() || it->second != value) return false;
  }
  return true;
}

Placement ChooseNode(const api::Project& project, const std::vector<api::Node>& nodes,
                     const std::vector<api::Project>& placed, Timestamp now,
                     Duration heartbeat_timeout) {
  NodeUsage used;
  for (const auto& p : placed) {
    ProjectLoad load;
    if (p.metadata.name != project.metadata.name && LoadOf(p, &load)) used.Add(load);
  }
  return ChooseNodeByUsage(project, nodes, used, now, heartbeat_timeout);
}

Placement ChooseNodeByUsage(const api::Project& project, const std::vector<api::Node>& nodes,
                            const NodeUsage& used, Timestamp now, Duration heartbeat_timeout,
                            const store::NodeLeases* leases) {
  Demand want{ProjectRequests(project), PublishedPorts(project), &project.spec.node_selector};
  Misfits misfits;
  misfits.ports.assign(want.ports.size(), 0);
  const api::Node* best = nullptr;
  int64_t best_free_memory = 0;
  for (const auto& node : nodes) {
    auto free_memory = FreeMemoryIfFits(node, want, used, now, heartbeat_timeout, leases, misfits);
    if (free_memory && (!best || *free_memory > best_free_memory)) {
      best = &node;
      best_free_memory = *free_memory;
    }
  }
  if (best) return {best->metadata.name, ""};
  return {"", misfits.Message(nodes.size(), want.ports)};
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
  // No node could start it: wait (a Secret event brings it back) rather
  // than hold room on a node.
  std::string unresolved = api::UnresolvedSecretReference(project->spec, secrets_);
  if (!unresolved.empty()) return Hold(name, api::kReasonSecretNotFound, unresolved);
  CARA_RETURN_IF_ERROR(cache_.Refresh());
  return Place(name,
               ChooseNodeByUsage(*project, cache_.nodes(), cache_.usage(), clock_->Now(),
                                 config_.heartbeat_timeout, store::NodeLeases::Of(store_).get()));
}

// Keeps the project Pending with the Phase condition's reason and message.
Result<ReconcileResult> SchedulerController::Hold(const std::string& name, const char* reason,
                                                  const std::string& message) {
  bool changed = false;
  auto updated = store_->UpdateProject(name, [&](api::Project& p) {
    changed = false;
    if (p.status.phase != api::kPhasePending) return Status::Ok();  // changed meanwhile
    const api::Condition* c = api::FindCondition(p.status.conditions, api::condition::kPhase);
    if (!c || c->reason != reason || c->message != message) {
      api::SetProjectPhase(p, api::kPhasePending, reason, message, clock_->Now());
      changed = true;
    }
    return Status::Ok();
  });
  if (!updated.ok() && updated.status().code() != Code::kNotFound) return updated.status();
  // A new verdict is news; the same one on every retry is not.
  if (updated.ok() && changed) {
    events_->Record(api::ProjectRef(name), api::kEventWarning, api::reason::kUnschedulable,
                    message);
  }
  LOG_DEBUG("project held pending").Kv("project", name).Kv("reason", reason).Kv("message", message);
  if (std::string(reason) == api::kReasonSecretNotFound) return ReconcileResult{};
  return RequeueSoon();
}

// Writes the decision: the node assignment, or the Unschedulable condition.
Result<ReconcileResult> SchedulerController::Place(const std::string& name,
                                                   const Placement& placement) {
  if (placement.node.empty()) return Hold(name, kUnschedulable, placement.message);
  // Holding the node's lock: a concurrent node delete cannot miss this.
  bool placed = false;
  auto updated = store_->UpdateProjectOnNode(name, placement.node, [&](api::Project& p) {
    placed = false;
    if (p.status.phase != api::kPhasePending) return Status::Ok();
    placed = true;
    p.status.phase = api::kPhaseScheduled;
    p.status.node_ref = placement.node;
    const api::Condition* c = api::FindCondition(p.status.conditions, api::condition::kPhase);
    if (c && (c->reason == kUnschedulable || c->reason == api::kReasonSecretNotFound)) {
      api::RemoveCondition(p.status.conditions, api::condition::kPhase);
    }
    return Status::Ok();
  });
  if (!updated.ok()) {
    // The project or the node vanished: look again from scratch.
    if (updated.status().code() == Code::kNotFound) return RequeueSoon();
    return updated.status();
  }
  if (!placed) return ReconcileResult{};
  LOG_INFO("project scheduled").Kv("project", name).Kv("node", placement.node);
  events_->Record(api::ProjectRef(name), api::kEventNormal, api::reason::kScheduled,
                  "Successfully assigned " + name + " to " + placement.node);
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
    // Room or host ports freed on a node.
    if ((HoldsRoom(e.old_phase) && !HoldsRoom(e.new_phase)) ||
        (HoldsPorts(e.old_phase) && !HoldsPorts(e.new_phase))) {
      enqueuer.ResyncSoon();
    }
    return;
  }
  // A Secret appeared, changed or went: references may resolve now.
  if (e.kind == api::kKindSecret) return enqueuer.ResyncSoon();
  // A node appeared, recovered, drained or left: Pending projects may fit now.
  if (e.type != store::EventType::kUpdated || e.old_phase != e.new_phase) enqueuer.ResyncSoon();
}

}  // namespace cara::controllers
