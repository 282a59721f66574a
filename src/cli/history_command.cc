// caractrl history, rollback, suspend and resume: the sync history the
// server keeps (one SyncRun per writing sync) and the suspension of a
// source, which every sync and every `sync --watch` honours.
#include <algorithm>
#include <ostream>

#include "cli/api_cluster_client.h"
#include "cli/commands.h"
#include "cli/source_suspension.h"
#include "cli/table.h"
#include "common/time_format.h"
#include "gitops/manifest_source.h"
#include "gitops/rollback.h"

namespace cara::cli {
namespace {

std::string OrNone(const std::string& s) { return s.empty() ? "<none>" : s; }

// "3", or "3 (1 failed)" when some did not succeed.
std::string ActionsCell(const api::SyncRun& run) {
  size_t bad = std::count_if(run.actions.begin(), run.actions.end(),
                             [](const auto& a) { return a.outcome != api::kOutcomeSucceeded; });
  std::string cell = std::to_string(run.actions.size());
  if (bad > 0) cell += " (" + std::to_string(bad) + " failed)";
  return cell;
}

void PrintRuns(const CliContext& ctx, const std::vector<api::SyncRun>& runs) {
  if (ctx.format == OutputFormat::kJson || ctx.format == OutputFormat::kYaml) {
    nlohmann::ordered_json list = {{"apiVersion", api::kApiVersion},
                                   {"kind", api::kKindSyncRunList},
                                   {"items", nlohmann::ordered_json::array()}};
    for (const auto& run : runs) list["items"].push_back(api::EncodeSyncRun(run));
    *ctx.out << (ctx.format == OutputFormat::kJson ? list.dump(2) + "\n" : RenderYaml(list));
    return;
  }
  if (runs.empty()) {
    *ctx.err << "No sync runs found.\n";
    return;
  }
  Table t({"RUN", "SOURCE", "COMMIT", "RESULT", "ACTIONS", "WHO", "AGE"});
  const Timestamp now = ctx.clock->Now();
  for (const auto& run : runs) {
    t.AddRow({run.id, run.source, OrNone(run.commit.substr(0, 12)), run.result, ActionsCell(run),
              OrNone(run.who), FormatAge(now - run.finished_at)});
  }
  *ctx.out << t.Render();
}

int CheckSourceArg(const CliContext& ctx, const std::string& id) {
  if (std::string problem = api::SourceIdProblem(id); !problem.empty()) {
    return ReportError(ctx, "--source: " + problem, kExitInvalid);
  }
  return kExitOk;
}

// The location of the revision: --repo/--path when given, else the Git
// source the id names; read under the same id, so the objects keep their owner.
gitops::SourceSpec RollbackSource(const RollbackOptions& o, const std::string& commit) {
  gitops::SourceSpec spec = o.sync.source;
  if (spec.repo.empty()) {
    spec = gitops::GitSourceFromId(o.source, commit);
    spec.ssh_key = o.sync.source.ssh_key;
  }
  spec.ref = commit;
  spec.source_id = o.source;
  return spec;
}

// Reads and validates the revision before anything changes, so a bad
// commit suspends nothing.
int CheckRevision(const CliContext& ctx, const gitops::SourceSpec& spec) {
  auto loaded = gitops::LoadSource(spec, spec.ref);
  if (!loaded.ok()) {
    return ReportError(ctx, "read " + spec.ref + ": " + loaded.status().message(), kExitInvalid);
  }
  if (loaded->errors.empty()) return kExitOk;
  for (const auto& e : loaded->errors) *ctx.err << e << "\n";
  return ReportError(ctx,
                     std::to_string(loaded->errors.size()) + " error(s) in manifests at " +
                         spec.ref + "; nothing was rolled back",
                     kExitInvalid);
}

}  // namespace

int RunHistory(const CliContext& ctx, const HistoryOptions& o) {
  if (!o.source.empty()) {
    if (int rc = CheckSourceArg(ctx, o.source); rc != kExitOk) return rc;
  }
  ApiClusterClient cluster(*ctx.client);
  auto runs = cluster.ListSyncRuns(o.source);
  if (!runs.ok()) return ReportError(ctx, "read sync history: " + runs.status().message());
  PrintRuns(ctx, *runs);
  return kExitOk;
}

int RunRollback(const CliContext& ctx, const RollbackOptions& o) {
  if (int rc = CheckSourceArg(ctx, o.source); rc != kExitOk) return rc;
  if (o.to.empty())
    return ReportError(ctx, "--to: a run id or a commit id is required", kExitInvalid);
  ApiClusterClient cluster(*ctx.client);
  auto runs = cluster.ListSyncRuns(o.source);
  if (!runs.ok()) return ReportError(ctx, "read sync history: " + runs.status().message());
  auto target = gitops::ResolveRollbackTarget(*runs, o.to);
  if (!target.ok()) return ReportError(ctx, target.status().message(), kExitInvalid);
  GitOpsOptions sync = o.sync;
  sync.source = RollbackSource(o, target->commit);
  if (int rc = CheckRevision(ctx, sync.source); rc != kExitOk) return rc;
  // Suspended first, so a running `sync --watch` stops before this writes.
  std::string reason = "rollback to " + target->commit.substr(0, 12);
  if (!target->run_id.empty()) reason += " (run " + target->run_id + ")";
  if (int rc = SuspendSource(ctx, cluster, o.source, reason); rc != kExitOk) return rc;
  sync.ignore_suspension = true;
  return RunSync(ctx, sync);
}

int RunSuspend(const CliContext& ctx, const SuspendOptions& o) {
  if (int rc = CheckSourceArg(ctx, o.source); rc != kExitOk) return rc;
  ApiClusterClient cluster(*ctx.client);
  return SuspendSource(ctx, cluster, o.source, o.reason);
}

int RunResume(const CliContext& ctx, const std::string& source) {
  if (int rc = CheckSourceArg(ctx, source); rc != kExitOk) return rc;
  ApiClusterClient cluster(*ctx.client);
  return ResumeSource(ctx, cluster, source);
}

}  // namespace cara::cli
