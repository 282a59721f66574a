// project-rescheduler (key = node name). On a NotReady node: Scheduled
// projects go back to Pending at once; Running ones after the grace period
// (clock in a NotReadyAt marker); Terminating ones are force-terminated after
// the timeout (TerminatingAt marker). Scheduled/Running projects with a
// Persistent volume are pinned instead: their data is on that node, so they
// stay there with a condition Pinned (reason PersistentVolume) until it
// returns. Markers and Pinned are removed when the node recovers and when a
// project is reset. Draining nodes are left alone.
#pragma once

#include "controllers/config.h"
#include "controllers/controller.h"

namespace cara::controllers {

class ReschedulerController final : public StoreController {
 public:
  ReschedulerController(store::Store* store, Clock* clock, ControllerConfig config,
                        std::shared_ptr<EventRecorder> events = nullptr)
      : StoreController(store, clock, config, std::move(events)) {}

  const char* Name() const override { return "project-rescheduler"; }
  Result<ReconcileResult> Reconcile(const std::string& node) override;
  Result<std::vector<std::string>> ResyncKeys() override;
  void OnEvent(const store::Event& event, Enqueuer& enqueuer) override;

 private:
  // Returns how long until this project needs another look, if ever.
  Result<std::optional<Duration>> HandleProject(const std::string& node, const std::string& name);
  Status ClearMarkers(const std::string& node);
};

}  // namespace cara::controllers
