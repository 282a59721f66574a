#include "cli/uncommitted_warning.h"

#include <memory>

#include "common/log.h"
#include "gitops/git_source.h"
#include "gitops/worktree_changes.h"

namespace cara::cli {
namespace {

using gitops::WorktreeChange;

// The changes of a local repository; empty for anything else.
std::vector<WorktreeChange> LocalChanges(const gitops::SourceSpec& source) {
  if (source.repo.empty() || gitops::IsRemoteRepo(source.repo)) return {};
  auto changes = gitops::UncommittedManifestChanges(source.repo, source.path);
  if (!changes.ok()) {
    LOG_DEBUG("work tree status unknown").Kv("error", changes.status().message());
    return {};
  }
  return *changes;
}

}  // namespace

void WarnUncommitted(std::ostream& err, const gitops::SourceSpec& source) {
  std::vector<WorktreeChange> changes = LocalChanges(source);
  if (changes.empty()) return;
  err << "warning: " << gitops::UncommittedWarning(source.repo, changes) << "\n";
}

gitops::RoundObserver UncommittedChangesLogger(const gitops::SourceSpec& source) {
  auto last = std::make_shared<std::vector<WorktreeChange>>();
  return [source, last](const gitops::RoundReport&) {
    std::vector<WorktreeChange> changes = LocalChanges(source);
    if (changes == *last) return;
    *last = changes;
    if (!changes.empty()) {
      LOG_WARN("uncommitted manifests")
          .Kv("detail", gitops::UncommittedWarning(source.repo, changes));
    }
  };
}

}  // namespace cara::cli
