#include "support/fake_clock.h"

#include <vector>

namespace cara {

Timestamp FakeClock::Now() const {
  std::lock_guard<std::mutex> lock(mu_);
  return now_;
}

MonotonicTime FakeClock::SteadyNow() const {
  std::lock_guard<std::mutex> lock(mu_);
  return steady_;
}

bool FakeClock::Due(MonotonicTime deadline) const {
  std::lock_guard<std::mutex> lock(mu_);
  return deadline != kNever && steady_ >= deadline;
}

void FakeClock::SleepFor(Duration d) {
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock<std::mutex> lock(mu);
  WaitUntil(lock, cv, SteadyNow() + d, [] { return false; });
}

bool FakeClock::WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                          MonotonicTime deadline, const std::function<bool()>& pred) {
  Waiter self{deadline, lock.mutex(), &cv, &pred};
  {
    std::lock_guard<std::mutex> g(mu_);
    waiters_.push_back(&self);
    ++generation_;
    changed_.notify_all();
  }
  // Advance() notifies `cv` while holding the caller's mutex, so a deadline
  // passing between Due() and wait() cannot be missed.
  while (!pred() && !Due(deadline)) cv.wait(lock);
  // Leave without the caller's mutex: Advance() may be about to take it.
  lock.unlock();
  {
    std::unique_lock<std::mutex> g(mu_);
    changed_.wait(g, [&] { return self.pins == 0; });
    waiters_.remove(&self);
    ++generation_;
    changed_.notify_all();
  }
  lock.lock();
  return pred();
}

void FakeClock::ForEachPinned(const std::function<bool(const Waiter&)>& select,
                              const std::function<void(Waiter&)>& visit) {
  std::vector<Waiter*> pinned;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (Waiter* w : waiters_) {
      if (!select(*w)) continue;
      ++w->pins;
      pinned.push_back(w);
    }
  }
  // Without mu_: a waiter holds its own mutex when it takes mu_.
  for (Waiter* w : pinned) visit(*w);
  std::lock_guard<std::mutex> lock(mu_);
  for (Waiter* w : pinned) --w->pins;
  changed_.notify_all();
}

void FakeClock::Advance(Duration d) {
  MonotonicTime now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
    steady_ += d;
    now = steady_;
  }
  ForEachPinned([&](const Waiter& w) { return w.deadline != kNever && w.deadline <= now; },
                [](Waiter& w) {
                  std::lock_guard<std::mutex> lock(*w.mu);
                  w.cv->notify_all();
                });
}

void FakeClock::Set(Timestamp t) {
  std::lock_guard<std::mutex> lock(mu_);
  now_ = t;
}

size_t FakeClock::WaitersLocked() const {
  size_t n = 0;
  for (const Waiter* w : waiters_) {
    if (w->deadline == kNever || w->deadline > steady_) ++n;
  }
  return n;
}

size_t FakeClock::Waiters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return WaitersLocked();
}

bool FakeClock::AwaitWaiters(size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return WaitersLocked() >= n; });
}

bool FakeClock::IdleScan(size_t threads) {
  uint64_t generation;
  MonotonicTime now;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (waiters_.size() != threads) return false;
    generation = generation_;
    now = steady_;
  }
  size_t blocked = 0;
  ForEachPinned([](const Waiter&) { return true; },
                [&](Waiter& w) {
                  std::lock_guard<std::mutex> lock(*w.mu);
                  bool ahead = w.deadline == kNever || w.deadline > now;
                  if (ahead && !(*w.pred)()) ++blocked;
                });
  std::lock_guard<std::mutex> lock(mu_);
  return blocked == threads && generation == generation_;
}

bool FakeClock::AwaitIdle(size_t threads, std::chrono::milliseconds timeout) {
  auto give_up = std::chrono::steady_clock::now() + timeout;
  while (!IdleScan(threads)) {
    std::unique_lock<std::mutex> lock(mu_);
    // A change of waiters is the usual reason to look again; the real-time
    // bound covers a predicate that turned true without one.
    if (changed_.wait_until(lock, std::min(give_up, std::chrono::steady_clock::now() +
                                                        std::chrono::milliseconds(5))) ==
            std::cv_status::timeout &&
        std::chrono::steady_clock::now() >= give_up) {
      return false;
    }
  }
  return true;
}

}  // namespace cara
