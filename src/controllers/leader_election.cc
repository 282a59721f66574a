#include "controllers/leader_election.h"

#include "common/log.h"

namespace cara::controllers {

LeaderElector::LeaderElector(store::Store* store, Manager* manager, Clock* clock,
                             Duration retry_interval)
    : store_(store), manager_(manager), clock_(clock), retry_interval_(retry_interval) {}

LeaderElector::~LeaderElector() { Stop(); }

void LeaderElector::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void LeaderElector::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void LeaderElector::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    if (!lease_) {
      auto lease = store_->TryAcquireLeadership();
      if (!lease.ok()) {
        LOG_WARN("leader election failed").Kv("error", lease.status().ToString());
      } else if (*lease) {
        lease_ = std::move(*lease);
        leading_ = true;
        LOG_INFO("acquired leadership; starting controllers");
        manager_->Start();
      }
    } else if (!lease_->StillHeld()) {
      LOG_WARN("lost leadership; stopping controllers");
      manager_->Stop();
      leading_ = false;
      lease_.reset();
    }
    lock.lock();
    clock_->WaitFor(lock, cv_, retry_interval_, [this] { return stopping_; });
  }
  lock.unlock();
  if (lease_) {
    manager_->Stop();
    leading_ = false;
    lease_.reset();
    LOG_INFO("released leadership");
  }
}

}  // namespace cara::controllers
