// Uncommitted manifest changes in real work trees made with the git CLI.
#include "gitops/worktree_changes.h"

#include <catch2/catch.hpp>

#include "support/git_repo.h"
#include "support/temp_dir.h"

namespace cara::gitops {
namespace {

using testing::Git;
using testing::GitRepo;
using testing::TempDir;

std::vector<WorktreeChange> Changes(const std::string& repo, const std::string& subpath) {
  auto changes = UncommittedManifestChanges(repo, subpath);
  REQUIRE(changes.ok());
  return *changes;
}

TEST_CASE("uncommitted manifests under the path are named with their state", "[worktree]") {
  TempDir dir;
  GitRepo repo(dir.path() + "/r");
  repo.Write("cluster/web.yaml", "a: 1\n");
  repo.Write("cluster/gone.yml", "a: 1\n");
  repo.Write("cluster/staged.json", "{}\n");
  repo.Write("other/x.yaml", "a: 1\n");
  repo.Write(".gitignore", "cluster/*.local.yaml\n");
  repo.Commit("first");
  CHECK(Changes(repo.dir(), "cluster").empty());

  repo.Write("cluster/web.yaml", "a: 2\n");           // modified in the work tree
  repo.Remove("cluster/gone.yml");                    // deleted
  repo.Write("cluster/staged.json", "{\"a\": 1}\n");  // modified and staged
  Git(repo.dir(), {"add", "cluster/staged.json"});
  repo.Write("cluster/sub/new.yaml", "a: 1\n");  // untracked, in a new directory
  repo.Write("cluster/added.yaml", "a: 1\n");    // new and staged
  Git(repo.dir(), {"add", "cluster/added.yaml"});
  repo.Write("cluster/notes.txt", "not a manifest\n");  // not a manifest
  repo.Write("cluster/mine.local.yaml", "a: 1\n");      // ignored
  repo.Write("other/x.yaml", "a: 2\n");                 // outside the path

  CHECK(Changes(repo.dir(), "./cluster/") ==
        std::vector<WorktreeChange>{{"cluster/added.yaml", "added"},
                                    {"cluster/gone.yml", "deleted"},
                                    {"cluster/staged.json", "modified"},
                                    {"cluster/sub/new.yaml", "untracked"},
                                    {"cluster/web.yaml", "modified"}});
  // The whole repository without a path; a prefix of a name is not its directory.
  CHECK(Changes(repo.dir(), "").size() == 6);
  CHECK(Changes(repo.dir(), "clus").empty());
}

TEST_CASE("a bare repository has no work tree to warn about", "[worktree]") {
  TempDir dir;
  GitRepo repo(dir.path() + "/r");
  repo.Write("web.yaml", "a: 1\n");
  repo.Commit("first");
  Git(dir.path(), {"clone", "--bare", "-q", repo.dir(), dir.path() + "/bare.git"});
  CHECK(Changes(dir.path() + "/bare.git", "").empty());
  CHECK_FALSE(UncommittedManifestChanges(dir.path() + "/none", "").ok());
}

TEST_CASE("the warning names the first ten files and counts the rest", "[worktree]") {
  std::vector<WorktreeChange> changes;
  for (int i = 0; i < 12; ++i) changes.push_back({"m" + std::to_string(i) + ".yaml", "modified"});
  std::string w = UncommittedWarning("/srv/cluster", changes);
  CHECK(w.rfind("uncommitted changes to 12 manifest(s) in /srv/cluster are not read (diff and "
                "sync read the commit): m0.yaml (modified), m1.yaml (modified)",
                0) == 0);
  CHECK(w.find("m9.yaml (modified), and 2 more") != std::string::npos);
  CHECK(w.find("m10.yaml") == std::string::npos);
}

}  // namespace
}  // namespace cara::gitops
