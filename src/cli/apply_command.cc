// caractrl apply -f PATH: validate every document, then create or update each
// object, reporting created / configured / unchanged. The
// plan comes from the same engine as sync's, without ownership or pruning.
#include <algorithm>
#include <ostream>

#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "cli/api_cluster_client.h"
#include "cli/commands.h"
#include "common/time_format.h"
#include "gitops/live_state.h"
#include "gitops/manifest_set.h"
#include "gitops/plan.h"
#include "gitops/plan_executor.h"
#include "gitops/secret_view.h"

namespace cara::cli {
namespace {

using gitops::Action;
using gitops::ActionOutcome;
using gitops::ActionType;
using gitops::ExecutePlan;
using gitops::ListLiveState;
using gitops::Manifest;
using gitops::ManifestSet;
using nlohmann::json;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// kubectl's words for what happened (or would happen) to one object.
std::string Verb(const Action& a) {
  switch (a.type) {
    case ActionType::kCreate:
      return "created";
    case ActionType::kUpdate:
    case ActionType::kDrift:
    case ActionType::kDrain:
    case ActionType::kUndrain:
      return "configured";
    case ActionType::kNoop:
      return "unchanged";
    case ActionType::kExpire:
      return a.mutates ? "expired (deleted)" : "expired (not created)";
    default:
      return "skipped (" + a.reason + ")";
  }
}

// The object to print with -o json|yaml: what the server returned, else the
// live object, else what would be sent (a Secret's values as digests).
std::string ObjectBody(const Action& a, const std::optional<ActionOutcome>& outcome,
                       const gitops::LiveState& live) {
  if (outcome && !outcome->body.empty()) return outcome->body;
  if (a.kind == api::kKindNode) {
    for (const auto& n : live.nodes) {
      if (n.metadata.name == a.name) return api::EncodeNode(n);
    }
  } else if (a.kind == api::kKindSecret) {
    for (const auto& s : live.secrets) {
      if (s.metadata.name == a.name) return api::EncodeSecret(s);
    }
    return gitops::WithoutValues(a.body).dump();
  } else {
    for (const auto& p : live.projects) {
      if (p.metadata.name == a.name) return api::EncodeProject(p);
    }
  }
  return a.body.dump();
}

void PrintAction(const CliContext& ctx, const Action& a, const std::string& body, bool dry_run) {
  switch (ctx.format) {
    case OutputFormat::kJson:
      *ctx.out << RenderJson(body);
      break;
    case OutputFormat::kYaml: {
      // Like RenderJson: a body that is not JSON is shown as it came.
      json object = json::parse(body, nullptr, false);
      *ctx.out << (object.is_discarded() ? body + "\n" : RenderYaml(object)) << "---\n";
      break;
    }
    case OutputFormat::kName:
      *ctx.out << Lower(a.kind) << "/" << a.name << "\n";
      break;
    default:
      *ctx.out << Lower(a.kind) << "/" << a.name << " " << Verb(a) << (dry_run ? " (dry run)" : "")
               << "\n";
  }
}

// Consumes the manifests' values: they are not needed twice.
std::vector<gitops::DesiredObject> Desired(ManifestSet& set, std::optional<Timestamp> expire_at) {
  std::vector<gitops::DesiredObject> desired;
  for (Manifest& m : set.manifests) {
    std::string origin = m.document.file() + ":" + std::to_string(m.document.MarkOf("").line);
    json doc = m.document.ReleaseValue();
    if (expire_at && m.kind == api::kKindProject) {
      doc["spec"]["expireAt"] = FormatRfc3339(*expire_at);
    }
    desired.push_back({m.kind, m.name, std::move(doc), std::move(origin)});
  }
  return desired;
}

}  // namespace

int RunApply(const CliContext& ctx, const ApplyOptions& o) {
  std::optional<Timestamp> expire_at;
  if (!o.expire_in.empty()) {
    auto d = ParseDurationWithDays(o.expire_in);
    if (!d.ok() || d->count() <= 0) {
      return ReportError(
          ctx, "--expire-in: " + (d.ok() ? std::string("must be positive") : d.status().message()),
          kExitInvalid);
    }
    expire_at = ctx.clock->Now() + *d;
  }
  ManifestSet set;
  int loaded = LoadManifestsOrReport(ctx, o.path, "applied", api::kKindNode, &set);
  if (loaded != kExitOk) return loaded;
  ApiClusterClient cluster(*ctx.client);
  gitops::LiveKinds kinds{false, false, false};
  for (const auto& m : set.manifests) {
    if (m.kind == api::kKindNode) kinds.nodes = true;
    if (m.kind == api::kKindProject) kinds.projects = true;
    if (m.kind == api::kKindSecret) kinds.secrets = true;
  }
  auto live = ListLiveState(cluster, kinds);
  if (!live.ok()) return ReportError(ctx, live.status().message());
  gitops::PlanOptions options;
  options.now = ctx.clock->Now();
  gitops::Plan plan = gitops::ComputePlan(Desired(set, expire_at), *live, options);
  std::vector<std::optional<ActionOutcome>> outcomes(plan.actions.size());
  if (!o.dry_run) outcomes = ExecutePlan(ConnectTo(ctx.client->connection()), plan, 8, nullptr);
  int failures = 0;
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    const Action& a = plan.actions[i];
    if (outcomes[i] && !outcomes[i]->ok) {
      ReportError(ctx, "apply " + Lower(a.kind) + "/" + a.name + ": " + outcomes[i]->message);
      ++failures;
      continue;
    }
    if (a.type == ActionType::kSkip) ++failures;
    PrintAction(ctx, a, ObjectBody(a, outcomes[i], *live), o.dry_run);
  }
  return failures == 0 ? kExitOk : kExitError;
}

}  // namespace cara::cli
