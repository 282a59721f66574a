// caractrl rollback: which revision to sync and where to read it. The
// target is a run of the source's history (its commit) or a commit id; the
// source is the Git repository its id names, read at that commit under the
// same id, so the objects keep their owner.
#pragma once

#include <string>
#include <vector>

#include "api/sync_run.h"
#include "common/status.h"
#include "gitops/source_spec.h"

namespace cara::gitops {

struct RollbackTarget {
  std::string commit;  // what to read: a commit id (maybe abbreviated)
  std::string run_id;  // the run it came from, "" when --to named a commit
};

// `to` is the id of one of `runs` (the source's history) or a commit id (4
// to 64 hex digits). A run of a directory source has no commit to return to.
Result<RollbackTarget> ResolveRollbackTarget(const std::vector<api::SyncRun>& runs,
                                             const std::string& to);

// The Git source a source id names: "<repo>" or "<repo>//<path>", as
// DeriveSourceId writes it (a URL, or a local repository's absolute path),
// at `commit`, with the id itself as the ownership id.
SourceSpec GitSourceFromId(const std::string& id, const std::string& commit);

}  // namespace cara::gitops
