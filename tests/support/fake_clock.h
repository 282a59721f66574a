// A Clock that only moves when a test says so. Advance() wakes, before it
// returns, every waiter whose deadline it passed; the test can ask how many
// threads wait on the clock, and wait until a component has gone idle, so a
// negative test ("after the timeout nothing happened") advances time and then
// asserts, with no real sleep. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>

#include "common/clock.h"

namespace cara {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(Timestamp start) : now_(start) {}

  Timestamp Now() const override;
  MonotonicTime SteadyNow() const override;
  // Returns once the clock has been advanced by `d` (by another thread).
  void SleepFor(Duration d) override;
  bool WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                 MonotonicTime deadline, const std::function<bool()>& pred) override;

  // Moves wall and monotonic time forward and wakes the waiters now due.
  void Advance(Duration d);
  // Sets wall time only: a wall clock may jump, monotonic time does not.
  void Set(Timestamp t);

  // Threads in SleepFor/WaitUntil whose deadline is still ahead.
  size_t Waiters() const;
  // Waits (in real time, up to `timeout`) until at least `n` threads wait on
  // this clock, e.g. until a component is blocked before advancing past its
  // deadline. False on timeout.
  bool AwaitWaiters(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Waits (in real time, up to `timeout`) until exactly `threads` threads wait
  // on this clock and none of them can go on (predicate false, deadline
  // ahead). For a component whose `threads` threads all wait here, that means
  // it has done everything it will do until time moves or it is told
  // something. False on timeout.
  bool AwaitIdle(size_t threads, std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  struct Waiter {
    MonotonicTime deadline;
    std::mutex* mu;
    std::condition_variable* cv;
    const std::function<bool()>* pred;
    int pins = 0;  // Advance() or AwaitIdle() is using mu/cv/pred: keep them alive
  };

  bool Due(MonotonicTime deadline) const;
  size_t WaitersLocked() const;
  // Pins the waiters `select` picks, runs `visit` on each without holding mu_
  // (it takes the waiter's mutex), unpins them.
  void ForEachPinned(const std::function<bool(const Waiter&)>& select,
                     const std::function<void(Waiter&)>& visit);
  // One scan for AwaitIdle(): true when `threads` waiters are registered, all
  // blocked, and none registered or left during the scan.
  bool IdleScan(size_t threads);

  mutable std::mutex mu_;
  std::condition_variable changed_;  // a waiter came, left or was unpinned
  Timestamp now_;
  MonotonicTime steady_{std::chrono::hours(1)};
  std::list<Waiter*> waiters_;
  uint64_t generation_ = 0;  // bumped whenever a waiter registers or leaves
};

}  // namespace cara
