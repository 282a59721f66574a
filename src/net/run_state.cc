#include "net/run_state.h"

namespace cara::net {

Status RunState::CheckCanStart(const std::string& who) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_ || stopped_) return Status::Internal(who + ": already started");
  return Status::Ok();
}

void RunState::MarkStarted() {
  std::lock_guard<std::mutex> lock(mu_);
  started_ = true;
}

bool RunState::BeginStop() {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return false;
  stopped_ = true;
  return started_;
}

}  // namespace cara::net
