// event-retention: deletes the events whose lastTimestamp is older than the
// TTL, once a sweep interval (a tenth of the TTL, at most a minute), on the
// leader. (The per-object bound is kept by every insert.)
#pragma once

#include "controllers/controller.h"
#include "store/event_records.h"

namespace cara::controllers {

class EventRetentionController final : public StoreController {
 public:
  EventRetentionController(store::Store* store, Clock* clock, Duration ttl)
      : StoreController(store, clock), ttl_(ttl) {}

  const char* Name() const override { return "event-retention"; }
  // The only key is kSweepKey.
  Result<ReconcileResult> Reconcile(const std::string& key) override;
  Result<std::vector<std::string>> ResyncKeys() override;
  void OnEvent(const store::Event&, Enqueuer&) override {}

  static constexpr char kSweepKey[] = "sweep";
  Duration SweepInterval() const;

 private:
  const Duration ttl_;
};

}  // namespace cara::controllers
