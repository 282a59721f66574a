// project-termination: removes Terminated records. A Terminating project that
// was never placed on a node has nothing to tear down and is finished here
// too (the reference left those stuck forever).
#pragma once

#include "controllers/controller.h"

namespace cara::controllers {

class TerminationController final : public StoreController {
 public:
  TerminationController(store::Store* store, Clock* clock) : StoreController(store, clock) {}

  const char* Name() const override { return "project-termination"; }
  Result<ReconcileResult> Reconcile(const std::string& name) override;
  Result<std::vector<std::string>> ResyncKeys() override;
  void OnEvent(const store::Event& event, Enqueuer& enqueuer) override;
};

}  // namespace cara::controllers
