#include "gitops/sync_history.h"

namespace cara::gitops {
namespace {

// An action's error as the history keeps it (bounded like the server).
std::string Bounded(const std::string& text) {
  if (text.size() <= api::kMaxRunTextBytes) return text;
  return text.substr(0, api::kMaxRunTextBytes - 3) + "...";
}

}  // namespace

api::SyncRun SyncRunFor(const SourceInfo& source, const std::string& ref, const Plan& plan,
                        const std::vector<std::optional<ActionOutcome>>& outcomes,
                        Timestamp started, Timestamp finished) {
  api::SyncRun run;
  run.source = source.id;
  run.commit = source.commit;
  run.ref = Bounded(ref);
  run.started_at = started;
  run.finished_at = finished;
  run.plan_hash = plan.hash;
  bool failed = false, interrupted = false;
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    const Action& a = plan.actions[i];
    const bool skipped = a.type == ActionType::kSkip && a.in_source;
    if (!a.mutates && !skipped) continue;
    api::SyncRunAction record;
    record.action = ActionName(a.type);
    record.kind = a.kind;
    record.name = a.name;
    const std::optional<ActionOutcome>* outcome = i < outcomes.size() ? &outcomes[i] : nullptr;
    if (skipped) {
      record.outcome = api::kOutcomeSkipped;
      record.error = Bounded(a.reason);
      failed = true;
    } else if (outcome == nullptr || !*outcome) {
      record.outcome = api::kOutcomeNotRun;
      interrupted = true;
    } else if (!(*outcome)->ok) {
      record.outcome = api::kOutcomeFailed;
      record.error = Bounded((*outcome)->message);
      failed = true;
    } else {
      record.outcome = api::kOutcomeSucceeded;
    }
    run.actions.push_back(std::move(record));
    if (run.actions.size() == api::kMaxRunActions) break;
  }
  run.result = interrupted ? api::kRunInterrupted : failed ? api::kRunFailed : api::kRunSucceeded;
  return run;
}

}  // namespace cara::gitops
