#include "gitops/rollback.h"

#include <algorithm>

namespace cara::gitops {
namespace {

bool IsCommitId(const std::string& s) {
  return s.size() >= 4 && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

Result<RollbackTarget> ResolveRollbackTarget(const std::vector<api::SyncRun>& runs,
                                             const std::string& to) {
  for (const api::SyncRun& run : runs) {
    if (run.id != to) continue;
    if (run.commit.empty()) {
      return Status::Invalid("run " + to + " synced a directory, which has no revisions to " +
                             "return to");
    }
    return RollbackTarget{run.commit, run.id};
  }
  if (!IsCommitId(to)) {
    return Status::Invalid("--to " + to +
                           ": neither a run of this source (see caractrl history) nor a commit id");
  }
  return RollbackTarget{to, ""};
}

SourceSpec GitSourceFromId(const std::string& id, const std::string& commit) {
  SourceSpec spec;
  // The path follows the first "//" after the URL's scheme (a local path
  // has none).
  size_t scheme = id.find("://");
  size_t from = scheme == std::string::npos ? 0 : scheme + 3;
  size_t split = id.find("//", from);
  spec.repo = split == std::string::npos ? id : id.substr(0, split);
  if (split != std::string::npos) spec.path = id.substr(split + 2);
  spec.ref = commit;
  spec.source_id = id;
  return spec;
}

}  // namespace cara::gitops
