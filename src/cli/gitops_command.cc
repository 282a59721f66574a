// caractrl diff and caractrl sync: read a directory or a Git
// revision, validate every manifest, list the live state once per kind, plan
// with the shared engine, then show (diff) or execute (sync) the plan.
#include <atomic>
#include <csignal>
#include <ostream>

#include "api/label_selector.h"
#include "api/types.h"
#include "cli/api_cluster_client.h"
#include "cli/commands.h"
#include "cli/live_state_prefetch.h"
#include "cli/plan_report.h"
#include "cli/resource_printer.h"
#include "cli/source_suspension.h"
#include "cli/sync_notifier.h"
#include "cli/uncommitted_warning.h"
#include "common/go_quote.h"
#include "common/log.h"
#include "common/time_format.h"
#include "gitops/live_state.h"
#include "gitops/manifest_source.h"
#include "gitops/plan_executor.h"
#include "gitops/rollback.h"
#include "gitops/rollout_wait.h"
#include "gitops/streamed_plan.h"
#include "gitops/sync_history.h"
#include "gitops/sync_watch.h"
#include "gitops/wait_targets.h"
#include "gitops/wave_rollout.h"

namespace cara::cli {
namespace {

using gitops::Action;
using gitops::ActionOutcome;
using gitops::ActionType;
using gitops::DeriveSourceId;
using gitops::ExecutePlan;
using gitops::LoadedSource;
using gitops::LoadSource;
using gitops::OutcomeCallback;
using gitops::Plan;
using gitops::SourceInfo;
using gitops::SourceSpec;
using gitops::WaitForRollout;
using gitops::WaitReport;
using gitops::WaitResult;
using gitops::WaitTarget;

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
  if (auto selector = api::LabelSelector::Parse(o.selector); !selector.ok()) {
    return Status::Invalid("--selector " + GoQuote(o.selector) + ": " +
                           selector.status().message());
  }
  return Status::Ok();
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
  p.selector = *api::LabelSelector::Parse(o.selector);  // CheckSource validated it
  return p;
}

// A source's manifest errors, reported; kExitInvalid, or kExitOk without any.
int ReportSourceErrors(const CliContext& ctx, const LoadedSource& source, const char* done) {
  if (source.errors.empty()) return kExitOk;
  for (const auto& e : source.errors) *ctx.err << e << "\n";
  return ReportError(
      ctx, std::to_string(source.errors.size()) + " error(s) in manifests; nothing was " + done,
      kExitInvalid);
}

// Loads and validates the source; on failure reports and returns the exit
// code (kExitInvalid), on success kExitOk.
int LoadOrReport(const CliContext& ctx, const SourceSpec& spec, const std::string& ref,
                 const char* done, LoadedSource* out) {
  auto loaded = LoadSource(spec, ref);
  if (!loaded.ok()) return ReportError(ctx, loaded.status().message(), kExitInvalid);
  *out = std::move(*loaded);
  return ReportSourceErrors(ctx, *out, done);
}

// Loads and plans the source against the live state listed meanwhile on a
// connection of its own (gitops/streamed_plan.h); on failure reports and
// returns the exit code (kExitInvalid), on success kExitOk. The live state's
// own failure is left to the caller (planned->plan is then empty).
int LoadAndPlanOrReport(const CliContext& ctx, const GitOpsOptions& o, const char* done,
                        LiveStatePrefetch& prefetch, Result<gitops::PlannedSource>* planned) {
  SourceInfo id;
  id.id = DeriveSourceId(o.source);
  *planned =
      gitops::LoadAndPlan(o.source, o.source.ref, prefetch.listed(), PlanOptionsFor(ctx, o, id));
  if (!planned->ok()) return ReportError(ctx, planned->status().message(), kExitInvalid);
  return ReportSourceErrors(ctx, (*planned)->source, done);
}

// diff's exit code: a plan that sync would refuse is reported as such.
int DiffExitCode(const Plan& plan) {
  if (!plan.refusals.empty()) return kExitRefused;
  return plan.InSync() ? kExitOk : kExitDiffers;
}

void PrintReport(const CliContext& ctx, const PlanReport& report, bool show_noops, bool show_diff) {
  switch (ctx.format) {
    case OutputFormat::kJson:
      *ctx.out << RenderPlanJson(report);
      break;
    case OutputFormat::kYaml:
      *ctx.out << RenderPlanYaml(report);
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

int RunRevisionDiff(const CliContext& ctx, const GitOpsOptions& o) {
  LoadedSource base, head;
  int rc = LoadOrReport(ctx, o.source, o.base, "compared", &base);
  if (rc != kExitOk) return rc;
  rc = LoadOrReport(ctx, o.source, o.source.ref, "compared", &head);
  if (rc != kExitOk) return rc;
  Plan plan = gitops::ComputePlan(head.objects, gitops::LiveStateFromSource(base, ctx.clock->Now()),
                                  PlanOptionsFor(ctx, o, head.info));
  for (Action& a : plan.actions) a.health.reset();  // a revision has no live status
  PlanReport report{"diff", head.info, &plan, {}, false};
  report.source.base_commit = base.info.commit;
  PrintReport(ctx, report, o.show_noops, true);
  return DiffExitCode(plan);
}

}  // namespace

int RunDiff(const CliContext& ctx, const GitOpsOptions& o) {
  if (Status st = CheckSource(o); !st.ok()) return ReportError(ctx, st.message(), kExitInvalid);
  WarnUncommitted(*ctx.err, o.source);
  if (!o.base.empty()) return RunRevisionDiff(ctx, o);
  LiveStatePrefetch prefetch(ctx.client->connection());
  Result<gitops::PlannedSource> planned = Status::Internal("not loaded");
  int rc = LoadAndPlanOrReport(ctx, o, "compared", prefetch, &planned);
  if (rc != kExitOk) return rc;
  if (!planned->plan) return ReportError(ctx, planned->live_status.message(), kExitInvalid);
  const Plan& plan = *planned->plan;
  PrintReport(ctx, {"diff", planned->source.info, &plan, {}, false}, o.show_noops, true);
  return DiffExitCode(plan);
}

// ---- sync ------------------------------------------------------------------------

namespace {

std::string ActionRef(const Action& a) { return ObjectRef(FromKind(a.kind), a.name); }

// --timeout bounds all of a sync's waiting, the waves' and the final wait.
int WaitOrReport(const CliContext& ctx, const GitOpsOptions& o, gitops::ClusterClient& cluster,
                 const std::vector<WaitTarget>& targets, MonotonicTime deadline) {
  if (targets.empty()) return kExitOk;
  Duration left = std::max(Duration::zero(), deadline - ctx.clock->SteadyNow());
  WaitReport w = WaitForRollout(cluster, ctx.clock, targets, left, std::chrono::milliseconds(500),
                                *ctx.err, &g_stop);
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

std::string StepName(const gitops::WaveStep& step) {
  return "wave " + std::to_string(step.wave) + (step.deletes ? " deletes" : "");
}

// sync --wait with sync waves: each wave settles before the next is
// written. *rc: the wait's exit code when one did not.
gitops::WaveGate WaveGateFor(const CliContext& ctx, const GitOpsOptions& o,
                             gitops::ClusterClient& cluster, MonotonicTime deadline, int* rc) {
  if (!o.wait) return nullptr;
  return
      [&ctx, &o, &cluster, deadline, rc](const gitops::WaveStep& done, const gitops::WaveStep& next,
                                         const std::vector<WaitTarget>& targets) {
        *ctx.err << "waiting for " << StepName(done) << " (" << targets.size()
                 << " project(s)) before " << StepName(next) << "\n";
        *rc = WaitOrReport(ctx, o, cluster, targets, deadline);
        return *rc == kExitOk;
      };
}

// Progress for people: one line per finished action on a text report.
OutcomeCallback ProgressPrinter(const CliContext& ctx, const Plan& plan) {
  if (ctx.format != OutputFormat::kTable) return nullptr;
  // The executor calls this one finished action at a time.
  return [&ctx, &plan, total = plan.Mutating(), done = 0](size_t i,
                                                          const ActionOutcome& outcome) mutable {
    *ctx.err << "[" << ++done << "/" << total << "] " << ActionRef(plan.actions[i]) << " "
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
    if (++count <= 5) others += (count > 1 ? ", " : "") + ActionRef(a) + " (" + a.reason + ")";
  }
  if (count > 5) others += ", ...";
  if (count > 0) {
    message += (message.empty() ? "" : "; ") + std::to_string(count) +
               " object(s) in the source were not applied: " + others +
               "; sync again once they can be";
  }
  return ReportError(ctx, message);
}

// "actions=2 failed=0 plan=<hash>", plus the drift repaired and the
// degraded projects when there are any.
std::string CycleSummary(const Plan& plan, int failed, int drift_repairs = 0, int degraded = 0) {
  std::string text = "actions=" + std::to_string(plan.Mutating()) +
                     " failed=" + std::to_string(failed) + " plan=" + plan.hash.substr(0, 12);
  if (drift_repairs > 0) text += " drift_repaired=" + std::to_string(drift_repairs);
  if (degraded > 0) text += " degraded=" + std::to_string(degraded);
  return text;
}

// Plain values in Git are readable by everyone who can read the
// repository: sync takes them only when told to.
int RefusePlainSecrets(const CliContext& ctx, const LoadedSource& source) {
  for (const auto& e : source.plain_secrets) *ctx.err << e << "\n";
  return ReportError(ctx,
                     std::to_string(source.plain_secrets.size()) +
                         " Secret(s) with plain stringData; seal them with caractrl seal, or "
                         "pass --allow-plain-secrets; nothing was applied",
                     kExitInvalid);
}

// A suspended source is written only by the rollback that suspended it, or
// after --resume lifted the suspension.
int RefuseIfSuspended(const CliContext& ctx, const GitOpsOptions& o, gitops::ClusterClient& cluster,
                      const std::string& id) {
  if (o.ignore_suspension) return kExitOk;
  auto state = cluster.GetSourceState(id);
  if (!state.ok()) {
    return ReportError(ctx, "cannot tell whether the source is suspended: " +
                                state.status().message() + "; nothing was applied");
  }
  if (!state->suspended) return kExitOk;
  std::string why = state->reason.empty() ? "" : " (" + state->reason + ")";
  return ReportError(ctx,
                     "source " + id + " is suspended" + why +
                         "; nothing was applied; caractrl sync --resume --source " + id +
                         " (or caractrl resume) lifts it",
                     kExitSuspended);
}

// The history is the server's: a sync that wrote but could not record its
// run says so and keeps its exit code (the writes happened either way).
void RecordRun(const CliContext& ctx, gitops::ClusterClient& cluster, const api::SyncRun& run) {
  auto recorded = cluster.RecordSyncRun(run);
  if (!recorded.ok()) {
    *ctx.err << "warning: the sync run was not recorded: " << recorded.status().message() << "\n";
    return;
  }
  LOG_DEBUG("sync run recorded").Kv("run", recorded->id).Kv("result", recorded->result);
}

gitops::RoundResult RoundOf(int exit_code, bool in_sync, std::string summary) {
  gitops::RoundResult r;
  r.exit_code = exit_code;
  r.in_sync = in_sync;
  r.summary = std::move(summary);
  return r;
}

// The writes, wave by wave, and the run they record. Returns the exit code
// of a wave that did not settle under --wait (kExitOk otherwise).
int ExecuteAndRecord(const CliContext& ctx, const GitOpsOptions& o, gitops::ClusterClient& cluster,
                     const LoadedSource& source, const gitops::LiveState& live,
                     MonotonicTime wait_deadline, PlanReport* report) {
  const Plan& plan = *report->plan;
  int wave_rc = kExitOk;
  const Timestamp started = ctx.clock->Now();
  report->outcomes = gitops::ExecuteWaves(ConnectTo(ctx.client->connection()), plan, live,
                                          o.parallelism, ProgressPrinter(ctx, plan), &g_stop,
                                          WaveGateFor(ctx, o, cluster, wait_deadline, &wave_rc));
  RecordRun(ctx, cluster,
            gitops::SyncRunFor(source.info, o.source.ref, plan, report->outcomes, started,
                               ctx.clock->Now()));
  return wave_rc;
}

// Why actions were not run: a signal, or (with waves under --wait) an
// earlier wave that failed or did not settle.
int ReportNotRun(const CliContext& ctx, int not_run, int failed, int wave_rc) {
  const std::string count = std::to_string(not_run) + " action(s)";
  if (g_stop) return ReportError(ctx, "interrupted: " + count + " not run; sync again to finish");
  if (wave_rc != kExitOk || failed > 0) {
    *ctx.err << count << " of later waves not run\n";
    return wave_rc != kExitOk ? wave_rc : kExitError;
  }
  return ReportError(ctx, "interrupted: " + count + " not run; sync again to finish");
}

// One round with the plan made: refuse, show or execute it.
gitops::RoundResult SyncPlanned(const CliContext& ctx, const GitOpsOptions& o,
                                gitops::ClusterClient& cluster, const LoadedSource& source,
                                const gitops::LiveState& live, const Plan& plan) {
  if (!source.plain_secrets.empty() && !o.allow_plain_secrets) {
    return RoundOf(RefusePlainSecrets(ctx, source), false, "refused: plain secrets in the source");
  }
  PlanReport report{"sync", source.info, &plan, {}, o.dry_run};
  if (!plan.refusals.empty()) {
    PrintReport(ctx, report, false, true);
    return RoundOf(kExitRefused, false, "refused: " + plan.refusals.front());
  }
  if (o.dry_run) {
    PrintReport(ctx, report, o.show_noops, true);
    return RoundOf(kExitOk, false, CycleSummary(plan, 0));
  }
  const MonotonicTime wait_deadline = ctx.clock->SteadyNow() + *ParseDurationWithDays(o.timeout);
  int wave_rc = kExitOk;
  report.outcomes.assign(plan.actions.size(), std::nullopt);
  if (gitops::PlanWrites(plan)) {
    // A watch asks again right before writing: a rollback may have
    // suspended the source since its round began. (A plain sync asked a
    // moment ago, before listing.)
    if (int rc = o.watch ? RefuseIfSuspended(ctx, o, cluster, source.info.id) : kExitOk;
        rc != kExitOk) {
      return RoundOf(rc, false, "skipped: source suspended");
    }
    wave_rc = ExecuteAndRecord(ctx, o, cluster, source, live, wait_deadline, &report);
  }
  int failed = 0, not_run = 0;
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    failed += report.outcomes[i] && !report.outcomes[i]->ok;
    not_run += plan.actions[i].mutates && !report.outcomes[i];
  }
  PrintReport(ctx, report, o.show_noops, false);
  gitops::RoundResult result = RoundOf(kExitOk, plan.InSync(), "");
  result.degraded = plan.Degraded();
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    if (!report.outcomes[i]) continue;
    result.wrote = true;
    result.actions[gitops::ActionName(plan.actions[i].type)]++;
    result.drift_repairs += plan.actions[i].type == ActionType::kDrift && report.outcomes[i]->ok;
  }
  result.summary = CycleSummary(plan, failed, result.drift_repairs, result.degraded);
  result.report_json = RenderPlanJson(report);
  if (not_run > 0) {
    result.exit_code = ReportNotRun(ctx, not_run, failed, wave_rc);
  } else if (failed > 0) {
    result.exit_code = kExitError;
  } else if (plan.Unapplied() > 0) {
    result.exit_code = ReportUnapplied(ctx, plan);
  } else if (wave_rc != kExitOk) {
    result.exit_code = wave_rc;  // the last wave to write did not settle
  } else if (o.wait) {
    result.exit_code = WaitOrReport(
        ctx, o, cluster, gitops::WaitTargets(plan, report.outcomes, live), wait_deadline);
  }
  return result;
}

gitops::RoundResult SyncOnce(const CliContext& ctx, const GitOpsOptions& o,
                             gitops::ClusterClient& cluster, const LoadedSource& source,
                             const gitops::LiveState& live) {
  Plan plan = gitops::ComputePlan(source.objects, live, PlanOptionsFor(ctx, o, source.info));
  return SyncPlanned(ctx, o, cluster, source, live, plan);
}

int SyncOnceFromScratch(const CliContext& ctx, const GitOpsOptions& o,
                        gitops::ClusterClient& cluster) {
  LiveStatePrefetch prefetch(ctx.client->connection());
  Result<gitops::PlannedSource> planned = Status::Internal("not loaded");
  int rc = LoadAndPlanOrReport(ctx, o, "applied", prefetch, &planned);
  if (rc != kExitOk) return rc;
  if (!o.dry_run) {
    rc = RefuseIfSuspended(ctx, o, cluster, planned->source.info.id);
    if (rc != kExitOk) return rc;
  }
  if (!planned->plan) return ReportError(ctx, planned->live_status.message(), kExitError);
  return SyncPlanned(ctx, o, cluster, planned->source, planned->live, *planned->plan).exit_code;
}

// --watch: sync rounds every --interval until SIGINT or SIGTERM.
int WatchLoop(const CliContext& ctx, const GitOpsOptions& o, gitops::ClusterClient& cluster) {
  Duration interval = *ParseDurationWithDays(o.interval);
  LOG_INFO("sync watch started").Kv("source", DeriveSourceId(o.source)).Kv("interval", o.interval);
  gitops::SyncWatch watch(o.source, cluster,
                          [&](const LoadedSource& source, const gitops::LiveState& live) {
                            return SyncOnce(ctx, o, cluster, source, live);
                          });
  SyncNotifier notifier(o.notify, o.notify_format, ctx.clock);
  watch.AddObserver([&](const gitops::RoundReport& round) { notifier.Observe(round); });
  watch.AddObserver(UncommittedChangesLogger(o.source));
  WatchEndpoints endpoints;  // stopped before `watch` goes
  if (Status st = endpoints.Start(o.endpoints, o.source, watch); !st.ok()) {
    return ReportError(ctx, st.message(), kExitInvalid);
  }
  watch.Run(*ctx.clock, interval, g_stop);
  notifier.Stop();
  LOG_INFO("sync watch stopped");
  return kExitOk;
}

// sync --source ID without a directory or --repo: the Git source the id
// names (at --ref, default HEAD), as rollback reads it.
GitOpsOptions WithSourceLocation(GitOpsOptions o) {
  if (o.source_id_arg.empty() || !o.source.dir.empty() || !o.source.repo.empty()) return o;
  gitops::SourceSpec located = gitops::GitSourceFromId(o.source_id_arg, o.source.ref);
  located.ssh_key = o.source.ssh_key;
  o.source = located;
  return o;
}

Status CheckSyncFlags(const GitOpsOptions& o) {
  CARA_RETURN_IF_ERROR(CheckSource(o));
  if (!o.source_id_arg.empty() && o.source_id_arg != DeriveSourceId(o.source)) {
    return Status::Invalid("--source " + o.source_id_arg + " is not the source being synced (" +
                           DeriveSourceId(o.source) + ")");
  }
  if (o.resume && o.dry_run) {
    return Status::Invalid("--resume changes the server: not with --dry-run");
  }
  if (!o.base.empty()) return Status::Invalid("--base is for diff only");
  auto timeout = ParseDurationWithDays(o.timeout);
  if (!timeout.ok() || timeout->count() <= 0)
    return Status::Invalid("--timeout: must be a positive duration");
  auto interval = ParseDurationWithDays(o.interval);
  if (!interval.ok() || interval->count() <= 0) {
    return Status::Invalid("--interval: must be a positive duration");
  }
  if (o.parallelism < 1) return Status::Invalid("--parallel: must be at least 1");
  if (!o.notify.empty() && !o.watch) return Status::Invalid("--notify: needs --watch");
  if (o.notify.empty() && o.notify_format != "json") {
    return Status::Invalid("--notify-format: needs --notify");
  }
  CARA_RETURN_IF_ERROR(CheckNotifyFlags(o.notify, o.notify_format));
  return CheckWatchEndpointFlags(o.endpoints, o.watch, o.source);
}

}  // namespace

int RunSync(const CliContext& ctx, const GitOpsOptions& options) {
  const GitOpsOptions o = WithSourceLocation(options);
  if (Status st = CheckSyncFlags(o); !st.ok()) return ReportError(ctx, st.message(), kExitInvalid);
  StopOnSignals();
  ApiClusterClient cluster(*ctx.client);
  if (o.resume) {
    if (int rc = ResumeSource(ctx, cluster, DeriveSourceId(o.source)); rc != kExitOk) return rc;
  }
  if (o.watch) return WatchLoop(ctx, o, cluster);
  WarnUncommitted(*ctx.err, o.source);
  return SyncOnceFromScratch(ctx, o, cluster);
}

}  // namespace cara::cli
