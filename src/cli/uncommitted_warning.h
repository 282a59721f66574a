// Telling the user of a local --repo that diff and sync ignore the manifests
// they changed but did not commit (gitops/worktree_changes.h). Only ever a
// warning: the commit is what counts, and a status that cannot be read says
// nothing.
#pragma once

#include <ostream>
#include <string>

#include "gitops/source_spec.h"
#include "gitops/sync_watch.h"

namespace cara::cli {

// Writes "warning: uncommitted changes to ..." to `err` when `source` is a
// local repository with such changes.
void WarnUncommitted(std::ostream& err, const gitops::SourceSpec& source);

// For sync --watch: after each round, logs the warning when the set of
// uncommitted manifests changed since the last round (so once, not every
// interval).
gitops::RoundObserver UncommittedChangesLogger(const gitops::SourceSpec& source);

}  // namespace cara::cli
