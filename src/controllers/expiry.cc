#include "controllers/expiry.h"

#include "api/lifecycle.h"
#include "common/log.h"
#include "common/time_format.h"

namespace cara::controllers {

namespace {

bool Expirable(const api::Project& p) {
  return p.spec.expire_at && p.status.phase != api::kPhaseTerminating &&
         p.status.phase != api::kPhaseTerminated;
}

}  // namespace

Result<ReconcileResult> ExpiryController::Reconcile(const std::string& name) {
  // Most events are about projects without an expiry: answer those with a
  // read, and take the write lock only when something is due.
  auto current = store_->GetProject(name);
  if (!current.ok()) return DoneIfNotFound(current.status());
  if (!Expirable(*current)) return ReconcileResult{};
  if (*current->spec.expire_at > clock_->Now()) {
    ReconcileResult later;
    later.requeue_after = *current->spec.expire_at - clock_->Now();
    return later;
  }
  ReconcileResult result;
  bool expired = false;
  auto written = store_->MutateProject(name, [&](api::Project& p, bool& remove) {
    result.requeue_after.reset();
    expired = false;
    if (!Expirable(p)) return Status::Ok();
    const std::string& phase = p.status.phase;
    Timestamp now = clock_->Now();
    if (*p.spec.expire_at > now) {
      result.requeue_after = *p.spec.expire_at - now;
      return Status::Ok();
    }
    expired = true;
    if (phase == api::kPhasePending || phase == api::kPhaseFailed) {
      remove = true;
    } else {
      api::SetProjectPhase(p, api::kPhaseTerminating, "Expired",
                           "spec.expireAt " + FormatRfc3339(*p.spec.expire_at) + " has passed",
                           now);
    }
    return Status::Ok();
  });
  if (!written.ok()) return DoneIfNotFound(written.status());
  if (expired) {
    LOG_INFO("project expired").Kv("project", name);
    events_->Record(api::ProjectRef(name), api::kEventNormal, api::reason::kExpired,
                    "spec.expireAt " + FormatRfc3339(*current->spec.expire_at) + " has passed");
  }
  return result;
}

Result<std::vector<std::string>> ExpiryController::ResyncKeys() {
  auto projects = store_->ListProjects();
  if (!projects.ok()) return projects.status();
  std::vector<std::string> keys;
  for (const auto& p : *projects) {
    if (p.spec.expire_at) keys.push_back(p.metadata.name);
  }
  return keys;
}

void ExpiryController::OnEvent(const store::Event& e, Enqueuer& enqueuer) {
  if (e.kind == api::kKindProject && e.type != store::EventType::kDeleted) enqueuer.Add(e.name);
}

}  // namespace cara::controllers
