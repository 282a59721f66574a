// project-expiry (the GC the reference only promised): a project whose
// spec.expireAt has passed is deleted through the normal path — Pending and
// Failed records go at once, placed ones become Terminating (Phase condition
// Expired) so the agent tears them down. Each project with an expiry is
// looked at again exactly when it expires.
#pragma once

#include "controllers/controller.h"

namespace cara::controllers {

class ExpiryController final : public StoreController {
 public:
  ExpiryController(store::Store* store, Clock* clock,
                   std::shared_ptr<EventRecorder> events = nullptr)
      : StoreController(store, clock, {}, std::move(events)) {}

  const char* Name() const override { return "project-expiry"; }
  Result<ReconcileResult> Reconcile(const std::string& name) override;
  Result<std::vector<std::string>> ResyncKeys() override;
  void OnEvent(const store::Event& event, Enqueuer& enqueuer) override;
};

}  // namespace cara::controllers
