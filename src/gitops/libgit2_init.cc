#include "gitops/libgit2_init.h"

#include <git2.h>

#include <mutex>

namespace cara::gitops::internal {

void InitLibgit2() {
  static std::once_flag once;
  std::call_once(once, [] {
    git_libgit2_init();  // never shut down: other threads may still use it
    // libgit2 runs no hooks and honours no command-running config, so reading
    // blobs from a repository owned by another uid (a mounted volume, a CI
    // checkout) is safe; without this it fails with a misleading
    // "safe.directory" message.
    git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
  });
}

}  // namespace cara::gitops::internal
