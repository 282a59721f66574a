// diff and sync of a large source: loading (manifest_source.h) and planning
// (plan.h) in one pass, so that 100,000 manifests are never held whole next
// to the live state. The live state is listed meanwhile (on another
// thread); each chunk of checked manifests is planned once it has arrived,
// then let go. Until it arrives, checked manifests wait for it, up to a
// bound: past that, loading waits for the list instead.
#pragma once

#include <future>
#include <optional>
#include <string>

#include "common/status.h"
#include "gitops/manifest_source.h"
#include "gitops/plan.h"

namespace cara::gitops {

// Checked objects that may wait for the live state: a few tens of MiB.
inline constexpr size_t kMaxObjectsAwaitingLive = 20000;

struct PlannedSource {
  LoadedSource source;  // its objects are empty: they were planned and let go
  // The live state as listed; live_status says why it could not be, and
  // is ok also when it was never needed (the source has errors).
  LiveState live;
  Status live_status;
  // Set when the source is valid and the live state was listed: what
  // ComputePlan gives for the source's objects and the live state.
  std::optional<Plan> plan;
};

// Loads the source as LoadSourceInChunks does and plans it against what
// `listed` delivers (it is waited for only if the source is valid so far).
// An unreadable source is an error; manifest errors are in source.errors.
Result<PlannedSource> LoadAndPlan(const SourceSpec& spec, const std::string& ref,
                                  std::future<Result<LiveState>>& listed,
                                  const PlanOptions& options);

}  // namespace cara::gitops
