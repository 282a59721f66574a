// Uncommitted manifest changes in the work tree of a local --repo. diff and
// sync read a commit, never the work tree, so an edit that was saved but not
// committed is silently not applied; a warning naming such files tells the
// user before they wonder why.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace cara::gitops {

struct WorktreeChange {
  std::string path;   // relative to the repository root, e.g. "cluster/projects/web.yaml"
  std::string state;  // "modified", "added", "deleted", "renamed", "untracked", "conflicted"

  bool operator==(const WorktreeChange&) const = default;
};

// The *.yaml, *.yml and *.json files under `subpath` of the local repository
// `repo` whose work tree or index differs from HEAD (untracked ones
// included, ignored ones not). Empty for a bare repository.
Result<std::vector<WorktreeChange>> UncommittedManifestChanges(const std::string& repo,
                                                               const std::string& subpath);

// "uncommitted changes to 2 manifest(s) in REPO are not read (diff and sync
// read the commit): a.yaml (modified), b.yaml (untracked)"; names the first ten.
std::string UncommittedWarning(const std::string& repo, const std::vector<WorktreeChange>& changes);

}  // namespace cara::gitops
