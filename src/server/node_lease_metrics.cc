#include "server/node_lease_metrics.h"

#include <string>

namespace cara::server {

void AddNodeLeaseMetrics(ApiServer& server, std::shared_ptr<const store::NodeLeases> leases) {
  server.AddMetricsCollector([leases](std::string& out) {
    const store::NodeLeases::Counters c = leases->counters();
    out +=
        "# HELP cara_node_heartbeats_total Heartbeats by how they were kept: a lease in "
        "memory (written in the next batch) or a durable write.\n";
    out += "# TYPE cara_node_heartbeats_total counter\n";
    out += "cara_node_heartbeats_total{kept=\"lease\"} " + std::to_string(c.leases) + "\n";
    out += "cara_node_heartbeats_total{kept=\"write\"} " + std::to_string(c.written) + "\n";
    out += "# HELP cara_node_lease_flushes_total Batches of leases written, by outcome.\n";
    out += "# TYPE cara_node_lease_flushes_total counter\n";
    out += "cara_node_lease_flushes_total{outcome=\"ok\"} " + std::to_string(c.flushes) + "\n";
    out += "cara_node_lease_flushes_total{outcome=\"failed\"} " + std::to_string(c.flush_failures) +
           "\n";
    out +=
        "# HELP cara_node_leases_reapplied_total Leases decided on a stale view of their "
        "node, written durably at the flush.\n";
    out += "# TYPE cara_node_leases_reapplied_total counter\n";
    out += "cara_node_leases_reapplied_total " + std::to_string(c.reapplied) + "\n";
  });
}

}  // namespace cara::server
