#include "agent/container_engine.h"

namespace cara::agent {

DockerErrorKind KindOf(const Status& status) {
  switch (status.code()) {
    case Code::kOk:
      return DockerErrorKind::kNone;
    case Code::kNotFound:
      return DockerErrorKind::kNotFound;
    case Code::kConflict:
      return DockerErrorKind::kConflict;
    case Code::kUnavailable:
      return DockerErrorKind::kUnreachable;
    default:
      return DockerErrorKind::kOther;
  }
}

void StreamCancel::Cancel() {
  std::function<void()> stop;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    stop = stop_;
  }
  // Outside the lock: stopping an HTTP client takes that client's socket
  // mutex, and the streaming thread calls cancelled() from inside the client;
  // never holding both locks at once rules out a lock-order deadlock.
  if (stop) stop();
}

bool StreamCancel::cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_;
}

bool StreamCancel::Attach(std::function<void()> stop) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cancelled_) return false;
  stop_ = std::move(stop);
  return true;
}

void StreamCancel::Detach() {
  std::lock_guard<std::mutex> lock(mu_);
  stop_ = nullptr;
}

}  // namespace cara::agent
