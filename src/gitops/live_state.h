// The live state a plan is made against: the cluster's, listed with one call
// per kind whatever the number of objects (API calls per sync are
// O(kinds + changed objects)); or, for diff --base, a revision's.
#pragma once

#include "common/clock.h"
#include "common/status.h"
#include "gitops/cluster_client.h"
#include "gitops/manifest_source.h"
#include "gitops/plan.h"

namespace cara::gitops {

// Which kinds to list: apply (which never prunes) lists only the kinds its
// manifests hold, so a token that may not read nodes (preview) can apply
// projects.
struct LiveKinds {
  bool nodes = true;
  bool projects = true;
  bool secrets = true;
};

// Secrets the client may not list (ClusterClient::ListSecrets NotFound)
// count as none: a preview token can still diff a source without Secrets,
// and a Secret in the source is then planned as a create the server refuses.

Result<LiveState> ListLiveState(ClusterClient& client, LiveKinds kinds = {});

// Pretends `base` was synced: its objects, owned by its source, are the
// live state another revision is planned against. Projects that would have
// expired by `now` are left out, as the cluster would have removed them.
// Secrets come with the digests the server would report, not their values.
LiveState LiveStateFromSource(const LoadedSource& base, Timestamp now);

}  // namespace cara::gitops
