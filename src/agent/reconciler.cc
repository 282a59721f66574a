#include "agent/reconciler.h"

#include <algorithm>

#include "api/lifecycle.h"
#include "api/types.h"
#include "common/log.h"

namespace cara::agent {
namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out;
}

std::string ExitList(const std::vector<ServiceState>& states, bool (*pick)(const ServiceState&)) {
  std::vector<std::string> items;
  for (const auto& s : states) {
    if (pick(s)) items.push_back(s.service + "(exit=" + std::to_string(s.exit_code) + ")");
  }
  return Join(items);
}

bool Crashed(const ServiceState& s) {
  return (s.state == "exited" && s.exit_code != 0) || s.state == "dead";
}
bool ExitedCleanly(const ServiceState& s) { return s.state == "exited" && s.exit_code == 0; }
bool Missing(const ServiceState& s) { return s.state.empty() || s.state == "created"; }

const char kRunningMessage[] = "All containers running";

// The services whose healthcheck has not passed yet, e.g. "db: starting,
// cache: healthcheck failing"; "" when every healthcheck passes.
std::string HealthWaits(const api::Project& p, const std::vector<ServiceState>& states) {
  std::vector<std::string> waits;
  for (size_t i = 0; i < states.size() && i < p.spec.services.size(); ++i) {
    if (!p.spec.services[i].healthcheck || states[i].health == "healthy") continue;
    waits.push_back(states[i].service + ": " +
                    (states[i].health == "unhealthy" ? "healthcheck failing" : "starting"));
  }
  return Join(waits);
}

std::vector<api::Condition> AgentConditions(const api::Project& p) {
  std::vector<api::Condition> out;
  for (const auto& c : p.status.conditions) {
    if (api::IsAgentProjectCondition(c.type)) out.push_back(c);
  }
  return out;
}

// The agent's conditions with Healthy=False naming `waits`, or without
// Healthy when `waits` is empty; the others are left as they are.
std::vector<api::Condition> WithHealth(const api::Project& p, const std::string& waits) {
  std::vector<api::Condition> out;
  for (const auto& c : AgentConditions(p)) {
    if (c.type != api::kConditionHealthy) out.push_back(c);
  }
  if (waits.empty()) return out;
  api::Condition healthy;
  healthy.type = api::kConditionHealthy;
  healthy.status = "False";
  healthy.reason = api::kReasonUnhealthy;
  healthy.message = waits;
  out.push_back(std::move(healthy));
  return out;
}

bool SameConditions(const std::vector<api::Condition>& a, const std::vector<api::Condition>& b) {
  auto same = [](const api::Condition& x, const api::Condition& y) {
    return x.type == y.type && x.status == y.status && x.reason == y.reason &&
           x.message == y.message;
  };
  return std::is_permutation(a.begin(), a.end(), b.begin(), b.end(), same);
}

}  // namespace

Status Reconciler::RunOnce() {
  // Without Docker every project would be marked Failed for good. The node
  // is NotReady meanwhile (the heartbeat says so): nothing new is placed
  // here and the rescheduler moves what was. Try again next pass.
  if (Status docker = runtime_->Ping(); !docker.ok()) {
    return Status::Unavailable("reconcile pass skipped: " + docker.message());
  }
  auto assigned = server_->ListProjects(
      node_, {api::kPhaseScheduled, api::kPhaseRunning, api::kPhaseTerminating});
  if (!assigned.ok()) return assigned.status();
  // Failed projects keep their containers (for logs) until they are deleted.
  auto failed = server_->ListProjects(node_, {api::kPhaseFailed});
  if (!failed.ok()) return failed.status();

  std::set<std::string> keep;
  for (const auto& p : *failed) keep.insert(p.metadata.name);
  for (const auto& p : *assigned) {
    keep.insert(p.metadata.name);
    const std::string& phase = p.status.phase;
    if (phase == api::kPhaseTerminating) {
      TearDown(p);
    } else if (phase == api::kPhaseScheduled ||
               p.status.observed_generation != p.metadata.generation) {
      Deploy(p);
    } else {
      HealthCheck(p);
    }
  }
  CleanOrphans(keep);
  LOG_DEBUG("reconcile pass done").Kv("assigned", assigned->size()).Kv("failed", failed->size());
  return Status::Ok();
}

Status Reconciler::RestoreRoutes() {
  auto running = server_->ListProjects(node_, {api::kPhaseRunning});
  if (!running.ok()) return running.status();
  for (const auto& p : *running) UpdateRoutes(p);
  return Status::Ok();
}

std::optional<std::vector<ServiceState>> Reconciler::StatesUnlessCrashed(
    const api::Project& p, const char* crash_reason, const std::string& crash_prefix) {
  auto states = runtime_->InspectProject(p);
  if (!states.ok()) {
    Report(p, api::kPhaseFailed, "InspectError", states.status().message());
    return std::nullopt;
  }
  std::string crashed = ExitList(*states, Crashed);
  if (!crashed.empty()) {
    Report(p, api::kPhaseFailed, crash_reason, crash_prefix + crashed);
    return std::nullopt;
  }
  return std::move(*states);
}

void Reconciler::Deploy(const api::Project& p) {
  if (auto error = runtime_->EnsureProject(p)) {
    Report(p, api::kPhaseFailed, error->reason, error->status.message());
    return;
  }
  auto states = StatesUnlessCrashed(p, "ContainerExited", "Containers exited with errors: ");
  if (!states) return;
  UpdateRoutes(p);
  StatusReport report;
  if (std::string waits = HealthWaits(p, *states); !waits.empty()) {
    // Not Running (nor this generation observed) until every healthcheck
    // passes; a Running project being redeployed stays Running meanwhile.
    report.phase = p.status.phase == api::kPhaseRunning ? api::kPhaseRunning : api::kPhaseScheduled;
    report.conditions = WithHealth(p, waits);
    Send(p, report);
    return;
  }
  report.phase = api::kPhaseRunning;
  report.reason = "ContainersRunning";
  report.message = kRunningMessage;
  report.observed_generation = p.metadata.generation;
  report.conditions = WithHealth(p, "");
  Send(p, report);
}

void Reconciler::HealthCheck(const api::Project& p) {
  auto states = StatesUnlessCrashed(p, "ContainerCrashed", "Containers crashed: ");
  if (!states) return;
  std::vector<std::string> missing;
  for (const auto& s : *states) {
    if (Missing(s)) missing.push_back(s.service);
  }
  if (!missing.empty()) {
    Report(p, api::kPhaseFailed, "ContainerMissing",
           "Missing containers for services: " + Join(missing) + " (expected " +
               std::to_string(states->size()) + ", found " +
               std::to_string(states->size() - missing.size()) + ")");
    return;
  }
  std::string exited = ExitList(*states, ExitedCleanly);
  if (!exited.empty()) {
    Report(p, api::kPhaseFailed, "ContainerExited", "Containers exited cleanly: " + exited);
    return;
  }
  UpdateRoutes(p);  // container IPs may have changed
  StatusReport report;
  report.phase = api::kPhaseRunning;
  report.conditions = WithHealth(p, HealthWaits(p, *states));
  Send(p, report);  // only when Healthy changes
}

void Reconciler::TearDown(const api::Project& p) {
  Status st = runtime_->RemoveProject(p.metadata.name);
  if (!st.ok()) {
    Report(p, api::kPhaseFailed, "RemoveError", st.message());
    return;
  }
  routes_->Remove(p.metadata.name);
  Report(p, api::kPhaseTerminated, "ResourcesRemoved", "All Docker resources have been removed");
}

void Reconciler::CleanOrphans(const std::set<std::string>& keep) {
  auto present = runtime_->ProjectsPresent();
  if (!present.ok()) {
    LOG_WARN("orphan scan failed").Kv("error", present.status().message());
    return;
  }
  LOG_DEBUG("orphan scan").Kv("present", present->size()).Kv("keep", keep.size());
  for (const auto& project : *present) {
    if (keep.count(project)) continue;
    LOG_INFO("removing orphaned project resources").Kv("project", project);
    // A project missing from this node's lists may have been deleted, or
    // only reset to Pending (a Failed project whose spec changed) and be
    // coming back; a node may not look up projects placed elsewhere, so it
    // cannot tell. Persistent data is removed only by TearDown.
    Status st = runtime_->RemoveProject(project, ProjectRuntime::VolumeRemoval::kKeepPersistent);
    if (!st.ok())
      LOG_WARN("orphan cleanup failed").Kv("project", project).Kv("error", st.message());
    routes_->Remove(project);
  }
}

void Reconciler::UpdateRoutes(const api::Project& p) {
  auto ips = runtime_->ServiceIps(p);
  if (!ips.ok()) return;
  std::vector<IngressRoute> routes;
  for (const auto& in : p.spec.ingress) {
    auto ip = ips->find(in.target_service);
    if (ip == ips->end()) {
      LOG_WARN("ingress target has no IP")
          .Kv("project", p.metadata.name)
          .Kv("service", in.target_service);
      continue;
    }
    routes.push_back({ResolveIngressHost(in.host, p.metadata.name),
                      Backend{ip->second, static_cast<int>(in.target_port)}});
  }
  routes_->Update(p.metadata.name, routes);
}

void Reconciler::Report(const api::Project& p, const std::string& phase, const std::string& reason,
                        const std::string& message) {
  StatusReport report;
  report.phase = phase;
  report.reason = reason;
  report.message = message;
  if (phase == api::kPhaseRunning) report.observed_generation = p.metadata.generation;
  Send(p, report);
}

void Reconciler::Send(const api::Project& p, const StatusReport& report) {
  // Unchanged reports are skipped: no write, no event. An empty reason and
  // message, a zero generation, and no conditions leave those as they are.
  const api::Condition* c = api::FindCondition(p.status.conditions, api::condition::kPhase);
  bool same_phase_condition = (report.reason.empty() && report.message.empty()) ||
                              (c && c->reason == report.reason && c->message == report.message);
  bool same_generation =
      report.observed_generation == 0 || report.observed_generation == p.status.observed_generation;
  bool same_conditions =
      !report.conditions || SameConditions(*report.conditions, AgentConditions(p));
  if (p.status.phase == report.phase && same_phase_condition && same_generation &&
      same_conditions) {
    return;
  }
  Status st = server_->ReportStatus(p.metadata.name, report);
  if (!st.ok()) {
    LOG_WARN("status report failed").Kv("project", p.metadata.name).Kv("error", st.message());
  } else {
    LOG_INFO("project status")
        .Kv("project", p.metadata.name)
        .Kv("phase", report.phase)
        .Kv("reason", report.reason);
  }
}

}  // namespace cara::agent
