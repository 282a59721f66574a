// The batched write behind node leases (store/node_leases.h): many nodes'
// newer lastHeartbeat in one transaction. A stamp rewrites a node's body
// with that time and nothing else; it keeps the row's revision, so it is no
// change to watchers (Kubernetes keeps such renewals off the Node object
// for the same reason), and it checks that revision, so a stamp never
// covers a transition it did not see.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "store/backend.h"

namespace cara::store {

// Raise node `name`'s status.lastHeartbeat to `at`, provided its
// resourceVersion is still `seen_revision`.
struct HeartbeatStamp {
  std::string name;
  Timestamp at;
  int64_t seen_revision = 0;
};

// Writes `stamps` in one transaction; a node gone is skipped, an older time
// ignored. `notices` are sent (Txn::Notify) if it commits. Returns the
// names whose resourceVersion moved meanwhile: they were left alone (the
// caller decided on a stale view of them).
Result<std::vector<std::string>> StampNodeHeartbeats(Backend& backend,
                                                     std::vector<HeartbeatStamp> stamps,
                                                     const std::vector<std::string>& notices);

}  // namespace cara::store
