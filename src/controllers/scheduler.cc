#include "controllers/scheduler.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "api/lifecycle.h"
#include "api/quantity.h"
#include "common/log.h"
#include "store/node_leases.h"

namespace cara::controllers {
namespace {

const char kUnschedulable[] = "Unschedulable";

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
std::optional<int64_t> FreeMemoryIfFits(const api::Node& node, const Resources& alloc,
                                        const Demand& want, const NodeUsage& used, Timestamp now,
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
  std::vector<Resources> allocatable;
  allocatable.reserve(nodes.size());
  for (const auto& node : nodes) allocatable.push_back(NodeAllocatable(node));
  return ChooseNodeAmong(project, nodes, allocatable, used, now, heartbeat_timeout, leases);
}

Placement ChooseNodeAmong(const api::Project& project, const std::vector<api::Node>& nodes,
                          const std::vector<Resources>& allocatable, const NodeUsage& used,
                          Timestamp now, Duration heartbeat_timeout,
                          const store::NodeLeases* leases) {
  Demand want{ProjectRequests(project), PublishedPorts(project), &project.spec.node_selector};
  Misfits misfits;
  misfits.ports.assign(want.ports.size(), 0);
  const api::Node* best = nullptr;
  int64_t best_free_memory = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    auto free_memory = FreeMemoryIfFits(nodes[i], allocatable[i], want, used, now,
                                        heartbeat_timeout, leases, misfits);
    if (free_memory && (!best || *free_memory > best_free_memory)) {
      best = &nodes[i];
      best_free_memory = *free_memory;
    }
  }
  if (best) return {best->metadata.name, ""};
  return {"", misfits.Message(nodes.size(), want.ports)};
}

namespace {

ReconcileResult RequeueSoon() {
  ReconcileResult r;
  r.requeue = true;
  return r;
}

// A write refused because the view was behind: look again at once, on a
// refreshed view (the refusal's cause is read back from the store).
ReconcileResult RequeueNow() {
  ReconcileResult r;
  r.requeue_after = Duration::zero();
  return r;
}

// Keeps the project Pending with the Phase condition's reason and message
// (unchanged when it has them already: the same verdict is no news).
store::ProjectMutator HoldMutation(const char* reason, const std::string& message, Timestamp now) {
  return [=](api::Project& p) {
    if (p.status.phase != api::kPhasePending) return Status::Ok();  // changed meanwhile
    const api::Condition* c = api::FindCondition(p.status.conditions, api::condition::kPhase);
    if (!c || c->reason != reason || c->message != message) {
      api::SetProjectPhase(p, api::kPhasePending, reason, message, now);
    }
    return Status::Ok();
  };
}

store::ProjectMutator PlaceMutation(const std::string& node) {
  return [=](api::Project& p) {
    if (p.status.phase != api::kPhasePending) return Status::Ok();
    p.status.phase = api::kPhaseScheduled;
    p.status.node_ref = node;
    const api::Condition* c = api::FindCondition(p.status.conditions, api::condition::kPhase);
    if (c && (c->reason == kUnschedulable || c->reason == api::kReasonSecretNotFound)) {
      api::RemoveCondition(p.status.conditions, api::condition::kPhase);
    }
    return Status::Ok();
  };
}

// Re-checked in the write transaction, under the node's lock: a node
// cordoned, drained or gone since the view was read takes nothing. (Its
// heartbeat's age is the view's to judge: a check here against the stored
// heartbeat would refuse what the view keeps choosing.)
Status StillSchedulable(const api::Node& node) {
  if (node.spec.unschedulable || node.status.state != api::kNodeReady) {
    return Status::Conflict("node " + node.metadata.name + " no longer takes projects");
  }
  return Status::Ok();
}

}  // namespace

// The decisions of one pass, written together.
struct SchedulerController::Batch {
  struct Item {
    size_t index;  // into the keys of the pass
    std::string name;
    std::string resource_version;  // as decided on
    std::string node;              // empty: held Pending
    const char* reason = nullptr;  // why held
    std::string message;
  };
  Timestamp now;
  std::vector<Item> items;
  std::vector<store::ProjectWrite> writes;  // one per item
  std::vector<EventRecorder::Entry> events;

  void Add(Item item, store::ProjectMutator mutate) {
    writes.push_back({item.name, item.resource_version, item.node, std::move(mutate)});
    items.push_back(std::move(item));
  }
};

Result<ReconcileResult> SchedulerController::Reconcile(const std::string& name) {
  return ReconcileBatch({name}).front();
}

std::vector<Result<ReconcileResult>> SchedulerController::ReconcileBatch(
    const std::vector<std::string>& names) {
  std::lock_guard<std::mutex> lock(decide_mu_);
  std::vector<Result<ReconcileResult>> results(names.size(), ReconcileResult{});
  if (Status st = cache_.Refresh(); !st.ok()) {
    std::fill(results.begin(), results.end(), st);
    return results;
  }
  Batch batch;
  batch.now = clock_->Now();
  for (size_t i = 0; i < names.size(); ++i) {
    // The view's copy; the store's when the view has not heard of the
    // project as Pending yet (its event is on its way).
    if (const api::Project* seen = cache_.Pending(names[i])) {
      Decide(i, api::Project(*seen), batch);
      continue;
    }
    auto project = store_->GetProject(names[i]);
    if (!project.ok()) {
      results[i] = DoneIfNotFound(project.status());
    } else if (project->status.phase == api::kPhasePending) {
      Decide(i, *project, batch);
    }
  }
  if (!batch.items.empty()) Write(batch, results);
  return results;
}

void SchedulerController::Decide(size_t index, const api::Project& project, Batch& batch) {
  Batch::Item item{index, project.metadata.name, project.metadata.resource_version, "", nullptr,
                   ""};
  // No node could start it: wait (a Secret event brings it back) rather
  // than hold room on a node.
  std::string unresolved = api::UnresolvedSecretReference(project.spec, secrets_);
  if (!unresolved.empty()) {
    item.reason = api::kReasonSecretNotFound;
    item.message = std::move(unresolved);
    store::ProjectMutator hold = HoldMutation(item.reason, item.message, batch.now);
    return batch.Add(std::move(item), std::move(hold));
  }
  Placement placement =
      ChooseNodeAmong(project, cache_.nodes(), cache_.allocatable(), cache_.usage(), batch.now,
                      config_.heartbeat_timeout, store::NodeLeases::Of(store_).get());
  if (placement.node.empty()) {
    item.reason = kUnschedulable;
    item.message = std::move(placement.message);
    store::ProjectMutator hold = HoldMutation(item.reason, item.message, batch.now);
    return batch.Add(std::move(item), std::move(hold));
  }
  // Counted in the view at once: the next decision of the batch sees the
  // room and ports it takes.
  api::Project assumed = project;
  assumed.status.phase = api::kPhaseScheduled;
  assumed.status.node_ref = placement.node;
  cache_.Apply(assumed);
  item.node = placement.node;
  store::ProjectMutator place = PlaceMutation(item.node);
  batch.Add(std::move(item), std::move(place));
}

void SchedulerController::Write(Batch& batch, std::vector<Result<ReconcileResult>>& results) {
  auto written = store_->UpdateProjects(batch.writes, StillSchedulable);
  if (!written.ok()) {  // the database failed: nothing was written
    for (const Batch::Item& item : batch.items) {
      if (!item.node.empty()) cache_.ForgetProject(item.name);  // undo the assumption
      results[item.index] = written.status();
    }
    return;
  }
  for (size_t w = 0; w < batch.items.size(); ++w) {
    results[batch.items[w].index] = batch.items[w].node.empty() ? Held(batch, w, (*written)[w])
                                                                : Placed(batch, w, (*written)[w]);
  }
  events_->RecordAll(batch.events);
}

Result<ReconcileResult> SchedulerController::Placed(Batch& batch, size_t w,
                                                    const Result<api::Project>& written) {
  const Batch::Item& item = batch.items[w];
  if (!written.ok()) {
    // The project changed, or the node went or stopped taking projects.
    LOG_DEBUG("placement refused")
        .Kv("project", item.name)
        .Kv("node", item.node)
        .Kv("reason", written.status().message());
    cache_.ForgetProject(item.name);
    cache_.ForgetNode(item.node);
    return RequeueNow();
  }
  cache_.Apply(*written);
  if (written->metadata.resource_version == item.resource_version) return ReconcileResult{};
  LOG_INFO("project scheduled").Kv("project", item.name).Kv("node", item.node);
  batch.events.push_back({api::ProjectRef(item.name), api::kEventNormal, api::reason::kScheduled,
                          "Successfully assigned " + item.name + " to " + item.node});
  return ReconcileResult{};
}

Result<ReconcileResult> SchedulerController::Held(Batch& batch, size_t w,
                                                  const Result<api::Project>& written) {
  const Batch::Item& item = batch.items[w];
  if (!written.ok()) {
    if (written.status().code() == Code::kNotFound) return ReconcileResult{};
    cache_.ForgetProject(item.name);  // it changed meanwhile
    return RequeueNow();
  }
  cache_.Apply(*written);
  // A new verdict is news; the same one on every retry is not.
  if (written->metadata.resource_version != item.resource_version) {
    batch.events.push_back({api::ProjectRef(item.name), api::kEventWarning,
                            api::reason::kUnschedulable, item.message});
  }
  LOG_DEBUG("project held pending")
      .Kv("project", item.name)
      .Kv("reason", item.reason)
      .Kv("message", item.message);
  if (std::string(item.reason) == api::kReasonSecretNotFound) return ReconcileResult{};
  return RequeueSoon();
}

Result<std::vector<std::string>> SchedulerController::ResyncKeys() {
  // A resync starts from the store's truth, whatever events were missed.
  cache_.Invalidate();
  // Names only: the batch reads the projects from the cache (10,000
  // Pending projects decoded here took a quarter of placing them).
  return store_->ListNames(api::kKindProject, {{api::kPhasePending}, ""});
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
