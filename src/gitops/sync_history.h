// What a writing sync tells the server's history: one SyncRun per sync
// that sent writes, naming its source, commit, each write's outcome (and the
// objects of the source it had to skip, which make it fail), the result
// and the plan hash. Pure: the caller records it (ClusterClient::RecordSyncRun).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/sync_run.h"
#include "common/clock.h"
#include "gitops/action_outcome.h"
#include "gitops/plan.h"
#include "gitops/source_info.h"

namespace cara::gitops {

// Whether executing the plan writes anything: only such syncs are recorded.
inline bool PlanWrites(const Plan& plan) { return plan.Mutating() > 0; }

// `outcomes` as ExecutePlan returns them (one per plan action). Result:
// Interrupted when a write was not sent, Failed when one failed or an
// object of the source was skipped, Succeeded otherwise.
api::SyncRun SyncRunFor(const SourceInfo& source, const std::string& ref, const Plan& plan,
                        const std::vector<std::optional<ActionOutcome>>& outcomes,
                        Timestamp started, Timestamp finished);

}  // namespace cara::gitops
