// One process-wide libgit2 initialisation shared by everything in gitops that
// calls libgit2 (reading sources, diffing texts).
#pragma once

namespace cara::gitops::internal {

// Initialises libgit2 on first use; safe to call from any thread, any number
// of times. libgit2 is never shut down: other threads may still be using it.
void InitLibgit2();

}  // namespace cara::gitops::internal
