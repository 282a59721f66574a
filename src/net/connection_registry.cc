#include "net/connection_registry.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace cara::net {

bool TrackedConnection::EnterQuiet(const ConnectionRegistry& registry) {
  std::lock_guard<std::mutex> lock(mu_);
  if (registry.stopping()) return false;
  quiet_ = true;
  return true;
}

void TrackedConnection::EnterBusy() {
  std::lock_guard<std::mutex> lock(mu_);
  quiet_ = false;
}

void TrackedConnection::Shutdown(bool quiet_only) {
  std::lock_guard<std::mutex> lock(mu_);
  if (quiet_only && !quiet_) return;
  for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
}

FdRegistration::FdRegistration(TrackedConnection* conn, int fd)
    : conn_(conn), dup_(::fcntl(fd, F_DUPFD_CLOEXEC, 0)) {
  if (dup_ < 0) return;
  std::lock_guard<std::mutex> lock(conn_->mu_);
  conn_->fds_.push_back(dup_);
}

void FdRegistration::Release() {
  if (dup_ < 0) return;
  {
    std::lock_guard<std::mutex> lock(conn_->mu_);
    std::erase(conn_->fds_, dup_);
  }
  ::close(dup_);
  dup_ = -1;
}

void ConnectionRegistry::Add(TrackedConnection* conn) {
  std::lock_guard<std::mutex> lock(mu_);
  members_.insert(conn);
}

void ConnectionRegistry::Remove(TrackedConnection* conn) {
  std::lock_guard<std::mutex> lock(mu_);
  members_.erase(conn);
  cv_.notify_all();
}

size_t ConnectionRegistry::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return members_.size();
}

size_t ConnectionRegistry::Drain(std::chrono::milliseconds grace,
                                 std::chrono::milliseconds force_margin) {
  BeginStop();
  const auto deadline = std::chrono::steady_clock::now() + grace;
  std::unique_lock<std::mutex> lock(mu_);
  for (auto* c : members_) c->Shutdown(/*quiet_only=*/true);
  auto none_left = [&] { return members_.empty(); };
  if (cv_.wait_until(lock, deadline - force_margin, none_left)) return 0;
  const size_t busy = members_.size();
  for (auto* c : members_) c->Shutdown(/*quiet_only=*/false);
  cv_.wait_until(lock, deadline, none_left);
  return busy;
}

}  // namespace cara::net
