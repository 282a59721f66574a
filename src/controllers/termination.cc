#include "controllers/termination.h"

#include "api/lifecycle.h"
#include "common/log.h"

namespace cara::controllers {

Result<ReconcileResult> TerminationController::Reconcile(const std::string& name) {
  bool removed = false;
  auto result = store_->MutateProject(name, [&](api::Project& p, bool& remove) {
    if (p.status.phase == api::kPhaseTerminating && p.status.node_ref.empty()) {
      api::SetProjectPhase(p, api::kPhaseTerminated, "ResourcesRemoved",
                           "Project was not placed on any node; nothing to tear down",
                           clock_->Now());
    }
    remove = removed = p.status.phase == api::kPhaseTerminated;
    return Status::Ok();
  });
  if (!result.ok() && result.status().code() != Code::kNotFound) return result.status();
  if (result.ok() && removed) LOG_INFO("terminated project removed").Kv("project", name);
  return ReconcileResult{};
}

Result<std::vector<std::string>> TerminationController::ResyncKeys() {
  auto projects = store_->ListProjects({{api::kPhaseTerminated, api::kPhaseTerminating}, ""});
  if (!projects.ok()) return projects.status();
  std::vector<std::string> keys;
  for (const auto& p : *projects) {
    if (p.status.phase == api::kPhaseTerminated || p.status.node_ref.empty()) {
      keys.push_back(p.metadata.name);
    }
  }
  return keys;
}

void TerminationController::OnEvent(const store::Event& e, Enqueuer& enqueuer) {
  if (e.kind != api::kKindProject || e.type == store::EventType::kDeleted) return;
  if (e.new_phase == api::kPhaseTerminated || e.new_phase == api::kPhaseTerminating) {
    enqueuer.Add(e.name);
  }
}

}  // namespace cara::controllers
