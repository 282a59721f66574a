// /metrics lines of the node leases (store/node_leases.h): how heartbeats
// were kept (a lease in memory or a durable write), flushes by outcome, and
// leases decided on a stale view and written at the flush.
#pragma once

#include <memory>

#include "server/api_server.h"
#include "store/node_leases.h"

namespace cara::server {

void AddNodeLeaseMetrics(ApiServer& server, std::shared_ptr<const store::NodeLeases> leases);

}  // namespace cara::server
