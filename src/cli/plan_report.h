// Rendering a plan (caractrl diff) or a sync's results (caractrl sync) for
// people (a summary line per action and a unified YAML diff per changed
// object), for machines (a versioned JSON report) and for pull-request
// comments (Markdown).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "gitops/action_outcome.h"
#include "gitops/plan.h"
#include "gitops/source_info.h"

namespace cara::cli {

struct PlanReport {
  std::string mode;  // "diff" | "sync"
  gitops::SourceInfo source;
  const gitops::Plan* plan = nullptr;
  // sync only: one entry per plan action; nullopt for actions not executed
  // (noop, skip, dry run, refused plan).
  std::vector<std::optional<gitops::ActionOutcome>> outcomes;
  bool dry_run = false;
};

struct TextStyle {
  bool color = false;       // ANSI colours (stdout is a TTY and NO_COLOR unset)
  bool show_diff = true;    // unified YAML diff under each changed object
  bool show_noops = false;  // list objects that are already in sync
};

// Human output: per action "+ create project/web (projects/web.yaml:1)"
// lines, reasons for skips, unified diffs, refusals, then a summary line.
std::string RenderPlanText(const PlanReport& report, const TextStyle& style);

// The versioned machine-readable report ("apiVersion": "caractrl/v1").
std::string RenderPlanJson(const PlanReport& report);

// The same report as YAML, keys sorted.
std::string RenderPlanYaml(const PlanReport& report);

// A Markdown summary for pull-request comments.
std::string RenderPlanMarkdown(const PlanReport& report);

}  // namespace cara::cli
