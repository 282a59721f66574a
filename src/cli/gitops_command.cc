// caractrl diff and caractrl sync (product.md §7): read a directory or a Git
// revision, validate every manifest, list the live state once per kind, plan
// with the shared engine, then show (diff) or execute (sync) the plan.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <functional>
#include <map>
#include <ostream>

#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "cli/commands.h"
#include "cli/live_state.h"
#include "cli/manifest_source.h"
#include "cli/plan_executor.h"
#include "cli/plan_report.h"
#include "cli/rollout_wait.h"
#include "common/log.h"
#include "common/time_format.h"

namespace cara::cli {
namespace {

using gitops::Action;
using gitops::ActionType;
using gitops::Plan;

std::atomic<bool> g_stop{false};

void StopOnSignals() {
  g_stop = false;
  std::signal(SIGINT, [](int) { g_stop = true; });
  std::signal(SIGTERM, [](int) { g_stop = true; });
}

Status CheckSource(const GitOpsOptions& o) {
  const SourceSpec& s = o.source;
  if (s.dir.empty() == s.repo.empty()) {
    return Status::Invalid("give either a directory or --repo URL|PATH (not both)");
  }
  if (s.repo.empty() && (!s.ref.empty() || !s.path.empty() || !o.base.empty())) {
    return Status::Invalid("--ref, --path and --base need --repo");
  }
  return Status::Ok();
}

// Loads and validates the source; on failure reports and returns the exit
// code (kExitInvalid), on success kExitOk.
int LoadOrReport(const CliContext& ctx, const SourceSpec& spec, const std::string& ref,
                 const char* done, LoadedSource* out) {
  auto loaded = LoadSource(spec, ref);
  if (!loaded.ok()) return ReportError(ctx, loaded.status().message(), kExitInvalid);
  *out = std::move(*loaded);
  if (out->errors.empty()) return kExitOk;
  for (const auto& e : out->errors) *ctx.err << e << "\n";
  return ReportError(
      ctx, std::to_string(out->errors.size()) + " error(s) in manifests; nothing was " + done,
      kExitInvalid);
}

// diff's exit code: a plan that sync would refuse is reported as such.
int DiffExitCode(const Plan& plan) {
  if (!plan.refusals.empty()) return kExitRefused;
  return plan.InSync() ? kExitOk : kExitDiffers;
}

gitops::PlanOptions PlanOptionsFor(const CliContext& ctx, const GitOpsOptions& o,
                                   const SourceInfo& source) {
  gitops::PlanOptions p;
  p.now = ctx.clock->Now();
  p.source_id = source.id;
  p.prune = o.prune;
  p.prune_nodes = o.prune_nodes;
  p.allow_empty = o.allow_empty;
  p.max_delete = o.max_delete;
  return p;
}

void PrintReport(const CliContext& ctx, const PlanReport& report, bool show_noops, bool show_diff) {
  switch (ctx.format) {
    case OutputFormat::kJson:
      *ctx.out << RenderPlanJson(report);
      break;
    case OutputFormat::kYaml:
      *ctx.out << RenderYaml(nlohmann::json::parse(RenderPlanJson(report)));
      break;
    case OutputFormat::kMarkdown:
      *ctx.out << RenderPlanMarkdown(report);
      break;
    case OutputFormat::kTable:
    default:  // main refuses -o name and -o wide here
      *ctx.out << RenderPlanText(report, {ctx.color, show_diff, show_noops});
      break;
  }
  ctx.out->flush();
}

// ---- diff ------------------------------------------------------------------------

// Pretends the base revision was synced: its objects, owned by this source,
// are the "live" state the head revision is planned against.
gitops::LiveState LiveFromRevision(const LoadedSource& base, Timestamp now) {
  gitops::LiveState live;
  for (const auto& d : base.objects) {
    if (d.kind == api::kKindNode) {
      auto n = api::DecodeNode(d.document);
      if (!n.ok()) continue;
      n->metadata.labels[gitops::kManagedByLabel] = gitops::kManagedByValue;
      n->metadata.annotations[gitops::kSourceAnnotation] = base.info.id;
      live.nodes.push_back(std::move(*n));
    } else {
      auto p = api::DecodeProject(d.document);
      // An expired project would be gone by now: it is not "live" either.
      if (!p.ok() || (p->spec.expire_at && *p->spec.expire_at <= now)) continue;
      p->metadata.labels[gitops::kManagedByLabel] = gitops::kManagedByValue;
      p->metadata.annotations[gitops::kSourceAnnotation] = base.info.id;
      live.projects.push_back(std::move(*p));
    }
  }
  return live;
}

int RunRevisionDiff(const CliContext& ctx, const GitOpsOptions& o) {
  LoadedSource base, head;
  int rc = LoadOrReport(ctx, o.source, o.base, "compared", &base);
  if (rc != kExitOk) return rc;
  rc = LoadOrReport(ctx, o.source, o.source.ref, "compared", &head);
  if (rc != kExitOk) return rc;
  Plan plan = gitops::ComputePlan(head.objects, LiveFromRevision(base, ctx.clock->Now()),
                                  PlanOptionsFor(ctx, o, head.info));
  PlanReport report{"diff", head.info, &plan, {}, false};
  report.source.base_commit = base.info.commit;
  PrintReport(ctx, report, o.show_noops, true);
  return DiffExitCode(plan);
}

}  // namespace

int RunDiff(const CliContext& ctx, const GitOpsOptions& o) {
  if (Status st = CheckSource(o); !st.ok()) return ReportError(ctx, st.message(), kExitInvalid);
  if (!o.base.empty()) return RunRevisionDiff(ctx, o);
  LoadedSource source;
  int rc = LoadOrReport(ctx, o.source, o.source.ref, "compared", &source);
  if (rc != kExitOk) return rc;
  auto live = ListLiveState(*ctx.client);
  if (!live.ok()) return ReportError(ctx, live.status().message(), kExitInvalid);
  Plan plan = gitops::ComputePlan(source.objects, *live, PlanOptionsFor(ctx, o, source.info));
  PrintReport(ctx, {"diff", source.info, &plan, {}, false}, o.show_noops, true);
  return DiffExitCode(plan);
}

// ---- sync ------------------------------------------------------------------------

namespace {

std::string ObjectRef(const Action& a) {
  std::string kind = a.kind == api::kKindNode ? "node" : "project";
  return kind + "/" + a.name;
}

// What --wait waits for: every Project the source declares (at the
// generation just written, or the live one if it was already up to date)
// and every one being deleted, so a re-run after a timeout waits again
// instead of reporting success.
std::vector<WaitTarget> WaitTargets(const Plan& plan,
                                    const std::vector<std::optional<ActionOutcome>>& outcomes,
                                    const gitops::LiveState& live) {
  std::map<std::string, const api::Project*> by_name;
  for (const auto& p : live.projects) by_name[p.metadata.name] = &p;
  std::vector<WaitTarget> targets;
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    const Action& a = plan.actions[i];
    if (a.kind != api::kKindProject) continue;
    auto it = by_name.find(a.name);
    const api::Project* have = it == by_name.end() ? nullptr : it->second;
    const bool deleting = a.type == ActionType::kDelete || a.type == ActionType::kExpire;
    if (outcomes[i] && outcomes[i]->ok) {
      targets.push_back({a.name, deleting, outcomes[i]->generation});
    } else if (outcomes[i] || a.type == ActionType::kSkip) {
      continue;  // failed (already reported) or not ours to wait for
    } else if (deleting || (a.type == ActionType::kNoop && !a.in_source)) {
      if (have != nullptr) targets.push_back({a.name, true, 0});  // deletion in progress
    } else if (a.type == ActionType::kNoop && have != nullptr) {
      targets.push_back({a.name, false, have->metadata.generation});
    }
  }
  return targets;
}

int WaitOrReport(const CliContext& ctx, const GitOpsOptions& o,
                 const std::vector<WaitTarget>& targets) {
  if (targets.empty()) return kExitOk;
  auto timeout = ParseDurationWithDays(o.timeout);
  WaitReport w = WaitForRollout(*ctx.client, ctx.clock, targets, *timeout,
                                std::chrono::milliseconds(500), *ctx.err, &g_stop);
  switch (w.result) {
    case WaitResult::kDone:
      *ctx.err << "waiting: all " << targets.size() << " project(s) ready\n";
      return kExitOk;
    case WaitResult::kFailed:
      for (const auto& p : w.problems) *ctx.err << "failed: " << p << "\n";
      return ReportError(ctx, "a project failed while waiting for the rollout");
    case WaitResult::kInterrupted:
      return ReportError(ctx, "interrupted while waiting for the rollout");
    case WaitResult::kTimedOut:
      for (const auto& p : w.problems) *ctx.err << "still pending: " << p << "\n";
      return ReportError(ctx, "timed out after " + o.timeout + " waiting for the rollout",
                         kExitWaitTimeout);
  }
  return kExitError;
}

struct CycleResult {
  int exit_code = kExitOk;
  bool in_sync = false;  // the plan had nothing to write and no conflicts
  std::string summary;   // for --watch's log line
};

// Progress for people: one line per finished action on a text report.
OutcomeCallback ProgressPrinter(const CliContext& ctx, const Plan& plan) {
  if (ctx.format != OutputFormat::kTable) return nullptr;
  // The executor calls this one finished action at a time.
  return [&ctx, &plan, total = plan.Mutating(), done = 0](size_t i,
                                                          const ActionOutcome& outcome) mutable {
    *ctx.err << "[" << ++done << "/" << total << "] " << ObjectRef(plan.actions[i]) << " "
             << (outcome.ok ? outcome.message : "FAILED: " + outcome.message) << "\n"
             << std::flush;
  };
}

// Objects of the source that sync skipped: it has not converged, whatever
// else it did. "1 object(s) in the source are managed by another source;
// nothing was written to them", "1 object(s) in the source were not applied:
// project/web (terminating; ...); sync again once they can be".
int ReportUnapplied(const CliContext& ctx, const Plan& plan) {
  std::string message;
  if (int conflicts = plan.Conflicts(); conflicts > 0) {
    message = std::to_string(conflicts) +
              " object(s) in the source are managed by another source; nothing was written to "
              "them";
  }
  std::string others;
  int count = 0;
  for (const Action& a : plan.actions) {
    if (!a.in_source || a.type != ActionType::kSkip || a.conflict) continue;
    if (++count <= 5) others += (count > 1 ? ", " : "") + ObjectRef(a) + " (" + a.reason + ")";
  }
  if (count > 5) others += ", ...";
  if (count > 0) {
    message += (message.empty() ? "" : "; ") + std::to_string(count) +
               " object(s) in the source were not applied: " + others +
               "; sync again once they can be";
  }
  return ReportError(ctx, message);
}

std::string CycleSummary(const Plan& plan, int failed) {
  return "actions=" + std::to_string(plan.Mutating()) + " failed=" + std::to_string(failed) +
         " plan=" + plan.hash.substr(0, 12);
}

CycleResult SyncOnce(const CliContext& ctx, const GitOpsOptions& o, const LoadedSource& source,
                     const gitops::LiveState& live) {
  Plan plan = gitops::ComputePlan(source.objects, live, PlanOptionsFor(ctx, o, source.info));
  PlanReport report{"sync", source.info, &plan, {}, o.dry_run};
  if (!plan.refusals.empty()) {
    PrintReport(ctx, report, false, true);
    return {kExitRefused, false, "refused: " + plan.refusals.front()};
  }
  if (o.dry_run) {
    PrintReport(ctx, report, o.show_noops, true);
    return {kExitOk, false, CycleSummary(plan, 0)};
  }
  report.outcomes.assign(plan.actions.size(), std::nullopt);
  if (plan.Mutating() > 0) {
    report.outcomes =
        ExecutePlan(ctx.client->server(), plan, o.parallelism, ProgressPrinter(ctx, plan), &g_stop);
  }
  int failed = 0, not_run = 0;
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    failed += report.outcomes[i] && !report.outcomes[i]->ok;
    not_run += plan.actions[i].mutates && !report.outcomes[i];
  }
  PrintReport(ctx, report, o.show_noops, false);
  CycleResult result{kExitOk, plan.InSync(), CycleSummary(plan, failed)};
  if (not_run > 0) {
    result.exit_code = ReportError(ctx, "interrupted: " + std::to_string(not_run) +
                                            " action(s) not run; sync again to finish");
  } else if (failed > 0) {
    result.exit_code = kExitError;
  } else if (plan.Unapplied() > 0) {
    result.exit_code = ReportUnapplied(ctx, plan);
  } else if (o.wait) {
    result.exit_code = WaitOrReport(ctx, o, WaitTargets(plan, report.outcomes, live));
  }
  return result;
}

int SyncOnceFromScratch(const CliContext& ctx, const GitOpsOptions& o) {
  LoadedSource source;
  int rc = LoadOrReport(ctx, o.source, o.source.ref, "applied", &source);
  if (rc != kExitOk) return rc;
  auto live = ListLiveState(*ctx.client);
  if (!live.ok()) return ReportError(ctx, live.status().message(), kExitError);
  return SyncOnce(ctx, o, source, *live).exit_code;
}

// What a new cycle must look at: spec (generation), labels, annotations and
// phases. Not resourceVersions: heartbeats move a node's every few seconds.
size_t LiveFingerprint(const gitops::LiveState& live) {
  std::hash<std::string> hash;
  size_t h = 0;
  auto mix = [&](const api::ObjectMeta& m, const std::string& extra) {
    std::string key = m.name + "\x1f" + std::to_string(m.generation) + "\x1f" + extra;
    for (const auto& [k, v] : m.labels) key += "\x1f" + k + "=" + v;
    for (const auto& [k, v] : m.annotations) key += "\x1e" + k + "=" + v;
    h = h * 1000003u ^ hash(key);
  };
  for (const auto& n : live.nodes) mix(n.metadata, "node");
  for (const auto& p : live.projects) mix(p.metadata, p.status.phase + "/" + p.status.node_ref);
  return h;
}

bool SleepUnlessStopped(Clock* clock, Duration d) {
  auto until = clock->SteadyNow() + d;
  while (!g_stop && clock->SteadyNow() < until) clock->SleepFor(std::chrono::milliseconds(50));
  return !g_stop;
}

// --watch: a reconciler loop. Every interval: re-read the source, re-list
// the cluster and, unless both are exactly as they were when the last cycle
// found nothing to do, plan and execute (which repairs drift). A source that
// fails to load or validate skips the cycle: it never means "delete".
int WatchLoop(const CliContext& ctx, const GitOpsOptions& o) {
  Duration interval = *ParseDurationWithDays(o.interval);
  LOG_INFO("sync watch started").Kv("source", DeriveSourceId(o.source)).Kv("interval", o.interval);
  size_t settled = 0;                  // fingerprint of the last in-sync state
  std::optional<LoadedSource> source;  // the last one read, reused while unchanged
  for (int cycle = 1; !g_stop; ++cycle) {
    auto loaded = LoadSource(o.source, o.source.ref, source ? &*source : nullptr);
    if (loaded.ok()) source = std::move(*loaded);
    if (!loaded.ok() || !source->errors.empty()) {
      std::string why = loaded.ok() ? std::to_string(source->errors.size()) +
                                          " error(s) in manifests: " + source->errors.front()
                                    : loaded.status().message();
      LOG_ERROR("sync cycle skipped: source unusable").Kv("cycle", cycle).Kv("error", why);
    } else if (auto live = ListLiveState(*ctx.client); !live.ok()) {
      LOG_ERROR("sync cycle skipped: server unreachable")
          .Kv("cycle", cycle)
          .Kv("error", live.status().message());
    } else {
      size_t fingerprint = source->fingerprint * 31 + LiveFingerprint(*live);
      const std::string commit = source->info.commit.substr(0, 12);
      if (fingerprint == settled) {
        LOG_INFO("sync cycle: unchanged").Kv("cycle", cycle).Kv("commit", commit);
      } else {
        CycleResult r = SyncOnce(ctx, o, *source, *live);
        if (r.in_sync) settled = fingerprint;
        LOG_INFO("sync cycle")
            .Kv("cycle", cycle)
            .Kv("commit", commit)
            .Kv("exit", r.exit_code)
            .Kv("result", r.summary);
      }
    }
    if (!SleepUnlessStopped(ctx.clock, interval)) break;
  }
  LOG_INFO("sync watch stopped");
  return kExitOk;
}

Status CheckSyncFlags(const GitOpsOptions& o) {
  CARA_RETURN_IF_ERROR(CheckSource(o));
  if (!o.base.empty()) return Status::Invalid("--base is for diff only");
  auto timeout = ParseDurationWithDays(o.timeout);
  if (!timeout.ok() || timeout->count() <= 0)
    return Status::Invalid("--timeout: must be a positive duration");
  auto interval = ParseDurationWithDays(o.interval);
  if (!interval.ok() || interval->count() <= 0) {
    return Status::Invalid("--interval: must be a positive duration");
  }
  if (o.parallelism < 1) return Status::Invalid("--parallel: must be at least 1");
  return Status::Ok();
}

}  // namespace

int RunSync(const CliContext& ctx, const GitOpsOptions& o) {
  if (Status st = CheckSyncFlags(o); !st.ok()) return ReportError(ctx, st.message(), kExitInvalid);
  StopOnSignals();
  if (o.watch) return WatchLoop(ctx, o);
  return SyncOnceFromScratch(ctx, o);
}

}  // namespace cara::cli
