#include "controllers/event_retention.h"

#include <algorithm>

#include "common/log.h"

namespace cara::controllers {

Duration EventRetentionController::SweepInterval() const {
  return std::clamp<Duration>(ttl_ / 10, std::chrono::seconds(1), std::chrono::minutes(1));
}

Result<ReconcileResult> EventRetentionController::Reconcile(const std::string& key) {
  if (key != kSweepKey) return ReconcileResult{};
  auto swept = store::SweepExpiredEvents(*store_, clock_->Now(), ttl_);
  if (!swept.ok()) return swept.status();
  if (*swept > 0) LOG_DEBUG("expired events deleted").Kv("count", std::to_string(*swept));
  ReconcileResult next;
  next.requeue_after = SweepInterval();
  return next;
}

Result<std::vector<std::string>> EventRetentionController::ResyncKeys() {
  return std::vector<std::string>{kSweepKey};
}

}  // namespace cara::controllers
