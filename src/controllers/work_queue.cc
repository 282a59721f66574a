#include "controllers/work_queue.h"

#include <algorithm>

namespace cara::controllers {

void WorkQueue::Add(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  AddLocked(key);
}

void WorkQueue::AddLocked(const std::string& key) {
  if (shutting_down_ || dirty_.count(key)) return;
  dirty_.insert(key);
  if (processing_.count(key)) return;  // Done() will queue it
  queue_.push(key);
  cv_.notify_one();
}

void WorkQueue::AddAfter(const std::string& key, Duration delay) {
  if (delay <= Duration::zero()) return Add(key);
  std::lock_guard<std::mutex> lock(mu_);
  if (shutting_down_) return;
  MonotonicTime due = clock_->SteadyNow() + delay;
  auto existing = timer_by_key_.find(key);
  if (existing != timer_by_key_.end()) {
    if (existing->second <= due) return;
    auto range = timers_.equal_range(existing->second);
    for (auto it = range.first; it != range.second; ++it) {
      if (it->second == key) {
        timers_.erase(it);
        break;
      }
    }
  }
  timer_by_key_[key] = due;
  timers_.emplace(due, key);
  cv_.notify_all();  // a waiter may need to wake earlier
}

void WorkQueue::PromoteDueTimersLocked(MonotonicTime now) {
  while (!timers_.empty() && timers_.begin()->first <= now) {
    std::string key = timers_.begin()->second;
    timers_.erase(timers_.begin());
    timer_by_key_.erase(key);
    AddLocked(key);
  }
}

std::optional<std::string> WorkQueue::Get() {
  std::vector<std::string> keys = GetBatch(1);
  if (keys.empty()) return std::nullopt;
  return std::move(keys.front());
}

std::vector<std::string> WorkQueue::GetBatch(size_t max) {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (shutting_down_) return {};
    PromoteDueTimersLocked(clock_->SteadyNow());
    if (!queue_.empty()) break;
    // Wake for work, shutdown, the first timer, or an earlier timer added.
    MonotonicTime first = timers_.empty() ? Clock::kNever : timers_.begin()->first;
    clock_->WaitUntil(lock, cv_, first, [&] {
      return shutting_down_ || !queue_.empty() ||
             (!timers_.empty() && timers_.begin()->first < first);
    });
  }
  std::vector<std::string> keys;
  while (!queue_.empty() && keys.size() < std::max<size_t>(max, 1)) {
    std::string key = std::move(queue_.front());
    queue_.pop();
    dirty_.erase(key);
    processing_.insert(key);
    keys.push_back(std::move(key));
  }
  return keys;
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  processing_.erase(key);
  if (dirty_.count(key) && !shutting_down_) {
    queue_.push(key);
    cv_.notify_one();
  }
}

void WorkQueue::ShutDown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutting_down_ = true;
  cv_.notify_all();
}

void WorkQueue::Reopen() {
  std::lock_guard<std::mutex> lock(mu_);
  queue_ = {};
  dirty_.clear();
  processing_.clear();
  timers_.clear();
  timer_by_key_.clear();
  shutting_down_ = false;
}

bool WorkQueue::shutting_down() const {
  std::lock_guard<std::mutex> lock(mu_);
  return shutting_down_;
}

size_t WorkQueue::Len() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

size_t WorkQueue::Delayed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return timers_.size();
}

}  // namespace cara::controllers
