// Suspending and resuming a GitOps source on the server (caractrl suspend,
// resume, rollback and sync --resume share it): one line on stderr saying
// what changed, or the error.
#pragma once

#include <string>

#include "cli/commands.h"
#include "gitops/cluster_client.h"

namespace cara::cli {

// kExitOk, or the reported error's exit code.
int SuspendSource(const CliContext& ctx, gitops::ClusterClient& cluster, const std::string& id,
                  const std::string& reason);
int ResumeSource(const CliContext& ctx, gitops::ClusterClient& cluster, const std::string& id);

}  // namespace cara::cli
