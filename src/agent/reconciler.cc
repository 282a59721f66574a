#include "agent/reconciler.h"

#include <algorithm>

#include "agent/agent_conditions.h"
#include "api/lifecycle.h"
#include "api/secret_rules.h"
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
const char kHealthcheckFailing[] = ": healthcheck failing";

bool AnyRestartPolicy(const api::ProjectSpec& spec) {
  for (const auto& s : spec.services) {
    if (api::EffectiveRestartPolicy(s) != api::kRestartNever) return true;
  }
  return false;
}

int64_t RestartCount(const api::Project& p, const std::string& service) {
  for (const auto& s : p.status.services) {
    if (s.name == service) return s.restart_count;
  }
  return 0;
}

// The services whose healthcheck has not passed yet, e.g. "db: starting,
// cache: healthcheck failing"; "" when every healthcheck passes.
std::string HealthWaits(const api::Project& p, const std::vector<ServiceState>& states) {
  std::vector<std::string> waits;
  for (size_t i = 0; i < states.size() && i < p.spec.services.size(); ++i) {
    if (!p.spec.services[i].healthcheck || states[i].health == "healthy") continue;
    waits.push_back(states[i].service +
                    (states[i].health == "unhealthy" ? kHealthcheckFailing : ": starting"));
  }
  return Join(waits);
}

// Whether the project holds any condition the agent owns.
bool HoldsAgentCondition(const api::Project& p) {
  for (const auto& c : p.status.conditions) {
    if (api::IsAgentProjectCondition(c.type)) return true;
  }
  return false;
}

// Completes `*report` with the agent's whole condition set: Healthy=False
// naming `health_waits` (none when empty) next to the Restarting condition
// the restart loop put there. Left unset when there is nothing to say and
// nothing to clear, so a plain project's reports stay as they were.
void SetAgentConditions(const api::Project& p, const std::string& health_waits,
                        StatusReport* report) {
  std::optional<api::Condition> restarting;
  if (report->conditions) {
    for (const auto& c : *report->conditions) {
      if (c.type == api::kConditionRestarting) restarting = c;
    }
  }
  std::optional<api::Condition> healthy;
  if (!health_waits.empty()) {
    healthy.emplace();
    healthy->type = api::kConditionHealthy;
    healthy->status = api::condition::kFalse;
    healthy->reason = api::kReasonUnhealthy;
    healthy->message = health_waits;
  }
  if (!report->conditions && !healthy && !HoldsAgentCondition(p)) return;
  report->conditions = AgentConditions(healthy, restarting);
}

// Listed in a phase a later pass must still act on.
bool Unsettled(const api::Project& p) {
  return p.status.phase != api::kPhaseRunning ||
         p.status.observed_generation != p.metadata.generation;
}

}  // namespace

Status Reconciler::RunOnce() {
  busy_ = true;  // until the pass completes
  // Without Docker every project would be marked Failed for good. The node
  // is NotReady meanwhile (the heartbeat says so): nothing new is placed
  // here and the rescheduler moves what was. Try again next pass.
  if (Status docker = runtime_->Ping(); !docker.ok()) {
    return Status::Unavailable("reconcile pass skipped: " + docker.message());
  }
  // One request for every phase this pass looks at: each round trip to the
  // server is on the way from Scheduled to Running.
  auto listed = server_->ListProjects(
      node_, {api::kPhaseScheduled, api::kPhaseRunning, api::kPhaseTerminating, api::kPhaseFailed});
  if (!listed.ok()) return listed.status();
  std::vector<api::Project> assigned;
  size_t failed = 0;
  std::set<std::string> keep;
  for (auto& p : *listed) {
    keep.insert(p.metadata.name);
    // Failed projects keep their containers (for logs) until they are
    // deleted; nothing else is done with them.
    if (p.status.phase == api::kPhaseFailed) {
      ++failed;
    } else {
      assigned.push_back(std::move(p));
    }
  }
  for (const auto& p : assigned) {
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
  busy_ = !restarts_.empty() || std::any_of(assigned.begin(), assigned.end(), Unsettled);
  LOG_DEBUG("reconcile pass done").Kv("assigned", assigned.size()).Kv("failed", failed);
  return Status::Ok();
}

Status Reconciler::RestoreRoutes() {
  auto running = server_->ListProjects(node_, {api::kPhaseRunning});
  if (!running.ok()) return running.status();
  for (const auto& p : *running) UpdateRoutes(p);
  return Status::Ok();
}

std::optional<std::vector<ServiceState>> Reconciler::StatesUnlessCrashed(
    const api::Project& p, const char* crash_reason, const std::string& crash_prefix,
    StatusReport* restarts) {
  auto states = runtime_->InspectProject(p);
  if (!states.ok()) {
    Report(p, api::kPhaseFailed, "InspectError", states.status().message());
    return std::nullopt;
  }
  // Ended services that their policy restarts are neither crashes nor exits.
  std::set<std::string> looping = RestartEnded(p, *states, restarts);
  for (auto& s : *states) {
    if (looping.count(s.service)) s.state = "restarting";
  }
  std::string crashed = ExitList(*states, Crashed);
  if (!crashed.empty()) {
    Report(p, api::kPhaseFailed, crash_reason, crash_prefix + crashed, *restarts);
    return std::nullopt;
  }
  return std::move(*states);
}

std::set<std::string> Reconciler::RestartEnded(const api::Project& p,
                                               const std::vector<ServiceState>& states,
                                               StatusReport* restarts) {
  std::set<std::string> looping;
  if (!AnyRestartPolicy(p.spec)) return looping;  // Never everywhere: as before
  const std::string& name = p.metadata.name;
  std::vector<api::ServiceStatus> counts;
  std::vector<CrashLoop> loops;
  for (size_t i = 0; i < states.size() && i < p.spec.services.size(); ++i) {
    const ServiceState& s = states[i];
    api::ServiceStatus count;
    count.name = s.service;
    count.restart_count = RestartCount(p, s.service);
    if (s.state == "running") restarts_.Running(name, s.service);
    if (PolicyRestarts(api::EffectiveRestartPolicy(p.spec.services[i]), s.state, s.exit_code)) {
      looping.insert(s.service);
      if (restarts_.ExitedAndDue(name, s.service, s.exit_code)) {
        Status st = runtime_->StartService(p, s.service);
        if (st.ok()) {
          events_.Project(
              name, api::kEventWarning, api::reason::kBackOff,
              s.service + ": back-off restarting after exit code " + std::to_string(s.exit_code));
          LOG_INFO("restarted service")
              .Kv("project", name)
              .Kv("service", s.service)
              .Kv("exit_code", s.exit_code);
          restarts_.Restarted(name, s.service);
          ++count.restart_count;
        } else {  // tried again next pass
          LOG_WARN("restart failed")
              .Kv("project", name)
              .Kv("service", s.service)
              .Kv("error", st.message());
        }
      }
    }
    if (auto exit = restarts_.LastExitInLoop(name, s.service)) {
      loops.push_back({s.service, count.restart_count, *exit});
    }
    counts.push_back(std::move(count));
  }
  restarts->services = std::move(counts);
  restarts->conditions = AgentConditions(std::nullopt, RestartingCondition(loops));
  return looping;
}

std::optional<ProjectSecrets> Reconciler::Secrets(const api::Project& p) {
  if (!UsesSecrets(p.spec)) return ProjectSecrets{};
  Result<ProjectSecrets> secrets = FetchProjectSecrets(*server_, p);
  if (secrets.ok()) return std::move(*secrets);
  if (secrets.status().code() == Code::kNotFound) {
    Report(p, api::kPhaseFailed, api::kReasonSecretNotFound, secrets.status().message());
  } else {
    LOG_WARN("cannot fetch the project's secrets; trying again next pass")
        .Kv("project", p.metadata.name)
        .Kv("error", secrets.status().message());
  }
  return std::nullopt;
}

void Reconciler::Deploy(const api::Project& p) {
  std::optional<ProjectSecrets> secrets = Secrets(p);
  if (secrets) Deploy(p, *secrets);
}

void Reconciler::Deploy(const api::Project& p, const ProjectSecrets& secrets) {
  std::vector<std::string> waiting;
  if (auto error = runtime_->EnsureProject(p, secrets, &waiting)) {
    Report(p, api::kPhaseFailed, error->reason, error->status.message());
    return;
  }
  StatusReport report;
  auto states =
      StatesUnlessCrashed(p, "ContainerExited", "Containers exited with errors: ", &report);
  if (!states) return;
  const std::string health_waits = HealthWaits(p, *states);
  ReportNewlyUnhealthy(p, *states);
  SetAgentConditions(p, health_waits, &report);
  if (!waiting.empty()) {
    // Still Scheduled: a later pass starts them once their dependencies are.
    LOG_INFO("services wait for their dependencies")
        .Kv("project", p.metadata.name)
        .Kv("services", Join(waiting));
    report.phase = p.status.phase;
    ReportIfChanged(p, report);
    return;
  }
  UpdateRoutes(p);
  if (!health_waits.empty()) {
    // Not Running (nor this generation observed) until every healthcheck
    // passes; a Running project being redeployed stays Running meanwhile.
    report.phase = p.status.phase == api::kPhaseRunning ? api::kPhaseRunning : api::kPhaseScheduled;
    ReportIfChanged(p, report);
    return;
  }
  Report(p, api::kPhaseRunning, "ContainersRunning", kRunningMessage, report);
}

void Reconciler::HealthCheck(const api::Project& p) {
  StatusReport restarts;
  auto states = StatesUnlessCrashed(p, "ContainerCrashed", "Containers crashed: ", &restarts);
  if (!states) return;
  std::vector<std::string> missing;
  for (const auto& s : *states) {
    if (Missing(s)) missing.push_back(s.service);
  }
  if (!missing.empty()) {
    Report(p, api::kPhaseFailed, "ContainerMissing",
           "Missing containers for services: " + Join(missing) + " (expected " +
               std::to_string(states->size()) + ", found " +
               std::to_string(states->size() - missing.size()) + ")",
           restarts);
    return;
  }
  std::string exited = ExitList(*states, ExitedCleanly);
  if (!exited.empty()) {
    Report(p, api::kPhaseFailed, "ContainerExited", "Containers exited cleanly: " + exited,
           restarts);
    return;
  }
  if (UsesSecrets(p.spec)) {
    // A Secret's value changed since the containers were created: recreate
    // the services using it (the generation does not change).
    std::optional<ProjectSecrets> secrets = Secrets(p);
    if (!secrets) return;
    std::vector<std::string> outdated = runtime_->OutdatedServices(p, *secrets, *states);
    if (!outdated.empty()) {
      LOG_INFO("secret values changed; recreating services")
          .Kv("project", p.metadata.name)
          .Kv("services", Join(outdated));
      Deploy(p, *secrets);
      return;
    }
  }
  UpdateRoutes(p);  // container IPs may have changed
  // New restart counts, or a changed Restarting or Healthy condition (sent
  // only when they differ from what the server holds).
  ReportNewlyUnhealthy(p, *states);
  SetAgentConditions(p, HealthWaits(p, *states), &restarts);
  restarts.phase = api::kPhaseRunning;
  ReportIfChanged(p, restarts);
}

void Reconciler::TearDown(const api::Project& p) {
  events_.Project(p.metadata.name, api::kEventNormal, api::reason::kKilling,
                  "stopping and removing the containers of " + p.metadata.name);
  Status st = runtime_->RemoveProject(p.metadata.name);
  if (!st.ok()) {
    Report(p, api::kPhaseFailed, "RemoveError", st.message());
    return;
  }
  routes_->Remove(p.metadata.name);
  restarts_.Forget(p.metadata.name);
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
    restarts_.Forget(project);
  }
}

void Reconciler::UpdateRoutes(const api::Project& p) {
  if (p.spec.ingress.empty()) {
    // Nothing to route: no need to inspect the containers for their IPs
    // (a round trip to Docker on the way to Running). Routes of an earlier
    // generation that had ingress go.
    routes_->Update(p.metadata.name, {});
    return;
  }
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
                        const std::string& message, const StatusReport& extra) {
  StatusReport report = extra;
  report.phase = phase;
  report.reason = reason;
  report.message = message;
  if (phase == api::kPhaseRunning) report.observed_generation = p.metadata.generation;
  ReportIfChanged(p, report);
}

void Reconciler::ReportIfChanged(const api::Project& p, const StatusReport& report) {
  // Unchanged reports are skipped: no write, no event. An empty reason and
  // message, a zero generation, and unset conditions or counts leave those
  // as they are.
  const api::Condition* c = api::FindCondition(p.status.conditions, api::condition::kPhase);
  bool same_phase_condition = (report.reason.empty() && report.message.empty()) ||
                              (c && c->reason == report.reason && c->message == report.message);
  bool same_generation =
      report.observed_generation == 0 || report.observed_generation == p.status.observed_generation;
  bool same_conditions =
      !report.conditions || SameAgentConditions(p.status.conditions, *report.conditions);
  bool same_services = !report.services || *report.services == p.status.services;
  if (p.status.phase == report.phase && same_phase_condition && same_generation &&
      same_conditions && same_services) {
    return;
  }
  if (report.phase == api::kPhaseFailed &&
      !(p.status.phase == api::kPhaseFailed && same_phase_condition)) {
    events_.Project(p.metadata.name, api::kEventWarning, api::reason::kFailed,
                    report.reason + ": " + report.message);
  }
  Send(p, report);
}

void Reconciler::ReportNewlyUnhealthy(const api::Project& p,
                                      const std::vector<ServiceState>& states) {
  const api::Condition* healthy = api::FindCondition(p.status.conditions, api::kConditionHealthy);
  for (const ServiceState& s : states) {
    if (s.health != "unhealthy") continue;
    const std::string what = s.service + kHealthcheckFailing;
    if (healthy && healthy->message.find(what) != std::string::npos) continue;
    events_.Project(p.metadata.name, api::kEventWarning, api::reason::kUnhealthy, what);
  }
}

void Reconciler::Send(const api::Project& p, const StatusReport& report) {
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
