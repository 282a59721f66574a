#include "agent/restart_tracker.h"

#include <algorithm>

namespace cara::agent {

bool PolicyRestarts(const std::string& policy, const std::string& state, int exit_code) {
  if (state != "exited" && state != "dead") return false;
  if (policy == api::kRestartAlways) return true;
  // A dead container never exited cleanly.
  return policy == api::kRestartOnFailure && (exit_code != 0 || state == "dead");
}

bool RestartTracker::UpLongEnough(const Loop& loop, MonotonicTime now) const {
  return loop.restarted_at && now - *loop.restarted_at >= kRestartResetAfter;
}

bool RestartTracker::ExitedAndDue(const std::string& project, const std::string& service,
                                  int exit_code) {
  MonotonicTime now = clock_->SteadyNow();
  Loop& loop = loops_[{project, service}];
  if (!loop.exited_seen) {
    // Up long enough before this crash: it starts a new loop.
    if (UpLongEnough(loop, now)) loop = Loop{};
    loop.exited_seen = now;
    loop.last_exit = exit_code;
  }
  return now - *loop.exited_seen >= loop.delay;
}

void RestartTracker::Restarted(const std::string& project, const std::string& service) {
  Loop& loop = loops_[{project, service}];
  loop.restarted_at = clock_->SteadyNow();
  loop.exited_seen.reset();
  loop.delay = std::min(loop.delay * 2, kMaxRestartDelay);
}

void RestartTracker::Running(const std::string& project, const std::string& service) {
  auto it = loops_.find({project, service});
  if (it == loops_.end()) return;
  Loop& loop = it->second;
  MonotonicTime now = clock_->SteadyNow();
  if (loop.exited_seen) {
    // Started again without us (a redeploy): up since now, same back-off.
    loop.exited_seen.reset();
    loop.restarted_at = now;
  }
  if (UpLongEnough(loop, now)) loops_.erase(it);
}

std::optional<int> RestartTracker::LastExitInLoop(const std::string& project,
                                                  const std::string& service) const {
  auto it = loops_.find({project, service});
  if (it == loops_.end()) return std::nullopt;
  return it->second.last_exit;
}

void RestartTracker::Forget(const std::string& project) {
  for (auto it = loops_.begin(); it != loops_.end();) {
    it = it->first.first == project ? loops_.erase(it) : std::next(it);
  }
}

}  // namespace cara::agent
