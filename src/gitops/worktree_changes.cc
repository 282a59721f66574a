#include "gitops/worktree_changes.h"

#include <git2.h>

#include <filesystem>
#include <memory>

#include "gitops/libgit2_init.h"
#include "gitops/manifest_files.h"

namespace cara::gitops {
namespace {

constexpr size_t kNamed = 10;  // a warning names this many files

struct RepoFree {
  void operator()(git_repository* r) const { git_repository_free(r); }
};
struct StatusListFree {
  void operator()(git_status_list* l) const { git_status_list_free(l); }
};

std::string LastGitError() {
  const git_error* e = git_error_last();
  return (e != nullptr && e->message != nullptr) ? e->message : "unknown libgit2 error";
}

const char* StateName(unsigned int status) {
  if (status & GIT_STATUS_CONFLICTED) return "conflicted";
  if (status & GIT_STATUS_WT_NEW) return "untracked";
  if (status & (GIT_STATUS_INDEX_DELETED | GIT_STATUS_WT_DELETED)) return "deleted";
  if (status & (GIT_STATUS_INDEX_RENAMED | GIT_STATUS_WT_RENAMED)) return "renamed";
  if (status & GIT_STATUS_INDEX_NEW) return "added";
  return "modified";
}

// "./a//b/" -> "a/b/"; "" and "." -> "" (the whole repository).
std::string DirPrefix(const std::string& subpath) {
  std::string p = std::filesystem::path(subpath).lexically_normal().generic_string();
  if (p.empty() || p == "." || p == "./") return "";
  if (p.back() != '/') p += '/';
  return p;
}

const char* EntryPath(const git_status_entry* e) {
  const git_diff_delta* d = e->index_to_workdir != nullptr ? e->index_to_workdir : e->head_to_index;
  if (d == nullptr) return nullptr;
  return d->new_file.path != nullptr ? d->new_file.path : d->old_file.path;
}

}  // namespace

Result<std::vector<WorktreeChange>> UncommittedManifestChanges(const std::string& repo,
                                                               const std::string& subpath) {
  internal::InitLibgit2();
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, repo.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) != 0) {
    return Status::NotFound("repository \"" + repo + "\": cannot open: " + LastGitError());
  }
  std::unique_ptr<git_repository, RepoFree> r(raw);
  std::vector<WorktreeChange> out;
  if (git_repository_is_bare(r.get())) return out;
  git_status_options options = GIT_STATUS_OPTIONS_INIT;
  options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
  options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
                  GIT_STATUS_OPT_RENAMES_HEAD_TO_INDEX | GIT_STATUS_OPT_SORT_CASE_SENSITIVELY;
  git_status_list* list_raw = nullptr;
  if (git_status_list_new(&list_raw, r.get(), &options) != 0) {
    return Status::Invalid("repository \"" + repo +
                           "\": cannot read its status: " + LastGitError());
  }
  std::unique_ptr<git_status_list, StatusListFree> list(list_raw);
  const std::string prefix = DirPrefix(subpath);
  for (size_t i = 0; i < git_status_list_entrycount(list.get()); ++i) {
    const git_status_entry* e = git_status_byindex(list.get(), i);
    const char* path = EntryPath(e);
    if (e->status == GIT_STATUS_CURRENT || (e->status & GIT_STATUS_IGNORED) || path == nullptr) {
      continue;
    }
    std::string p(path);
    if (p.compare(0, prefix.size(), prefix) != 0 || !IsManifestFileName(p)) continue;
    out.push_back({std::move(p), StateName(e->status)});
  }
  return out;
}

std::string UncommittedWarning(const std::string& repo,
                               const std::vector<WorktreeChange>& changes) {
  std::string named;
  for (size_t i = 0; i < changes.size() && i < kNamed; ++i) {
    named += (i > 0 ? ", " : "") + changes[i].path + " (" + changes[i].state + ")";
  }
  if (changes.size() > kNamed)
    named += ", and " + std::to_string(changes.size() - kNamed) + " more";
  return "uncommitted changes to " + std::to_string(changes.size()) + " manifest(s) in " + repo +
         " are not read (diff and sync read the commit): " + named;
}

}  // namespace cara::gitops
