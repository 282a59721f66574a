// node-health: a node whose heartbeat is older than the timeout becomes
// NotReady (Ready=False/HeartbeatTimeout); a fresh heartbeat makes it Ready
// again (Ready=True/AgentReady). Draining nodes are left alone. Each Ready
// node is looked at again exactly when its heartbeat would go stale.
#pragma once

#include "controllers/config.h"
#include "controllers/controller.h"

namespace cara::controllers {

class NodeHealthController final : public StoreController {
 public:
  NodeHealthController(store::Store* store, Clock* clock, ControllerConfig config)
      : StoreController(store, clock, config) {}

  const char* Name() const override { return "node-health"; }
  Result<ReconcileResult> Reconcile(const std::string& name) override;
  // A fleet's first heartbeats after a restart (10,000 Ready transitions)
  // are written a batch per transaction, not a transaction per node.
  size_t MaxBatch() const override { return 256; }
  std::vector<Result<ReconcileResult>> ReconcileBatch(
      const std::vector<std::string>& names) override;
  Result<std::vector<std::string>> ResyncKeys() override;
  void OnEvent(const store::Event& event, Enqueuer& enqueuer) override;
};

}  // namespace cara::controllers
