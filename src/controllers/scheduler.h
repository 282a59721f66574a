// project-scheduler: places Pending projects on nodes.
// Candidates are Ready, schedulable nodes with a fresh heartbeat whose
// allocatable minus the requests of their Scheduled/Running projects fits the
// project's requests; the one with the most free memory wins, creation order
// breaking ties. When nothing fits the project stays Pending with a Phase
// condition Unschedulable that counts the reasons per node.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "api/types.h"
#include "controllers/config.h"
#include "controllers/controller.h"
#include "controllers/scheduler_cache.h"

namespace cara::controllers {

struct Placement {
  std::string node;     // empty when nothing fits
  std::string message;  // "0/3 nodes available: 1 NotReady, ..." when nothing fits
};

// The pure placement decision, separated from the store for tests and benchmarks.
Placement ChooseNode(const api::Project& project, const std::vector<api::Node>& nodes,
                     const std::vector<api::Project>& placed, Timestamp now,
                     Duration heartbeat_timeout);
// The same, given what is already requested on each node (the project's own
// requests must not be in `used`).
Placement ChooseNodeByUsage(const api::Project& project, const std::vector<api::Node>& nodes,
                            const NodeUsage& used, Timestamp now, Duration heartbeat_timeout);

class SchedulerController final : public StoreController {
 public:
  SchedulerController(store::Store* store, Clock* clock, ControllerConfig config)
      : StoreController(store, clock, config), cache_(store) {}

  const char* Name() const override { return "project-scheduler"; }
  Result<ReconcileResult> Reconcile(const std::string& name) override;
  Result<std::vector<std::string>> ResyncKeys() override;
  void OnEvent(const store::Event& event, Enqueuer& enqueuer) override;

 private:
  Result<ReconcileResult> Place(const std::string& name, const Placement& placement);

  // One decision at a time: two workers deciding on the same view could both
  // fill the last room on a node.
  std::mutex decide_mu_;
  SchedulerCache cache_;
};

}  // namespace cara::controllers
