// The clock seam (LevelDB's Env for time). Everything that asks "what time is
// it", sleeps, or waits with a deadline goes through a Clock, so controllers,
// the agent and the CLI run under a fake clock in tests: a test advances time
// instead of sleeping through it. The fake lives in tests/support/fake_clock.h.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace cara {

using Timestamp = std::chrono::sys_time<std::chrono::nanoseconds>;
using Duration = std::chrono::nanoseconds;
// Monotonic time, for deadlines and intervals: it never jumps with the wall clock.
using MonotonicTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  // A deadline that never passes: wait for the predicate alone.
  static constexpr MonotonicTime kNever = MonotonicTime::max();

  virtual ~Clock() = default;

  // Wall-clock time, for what is stored or shown.
  virtual Timestamp Now() const = 0;
  // Monotonic time, for deadlines of waits.
  virtual MonotonicTime SteadyNow() const = 0;

  // Blocks the calling thread for `d`.
  virtual void SleepFor(Duration d) = 0;

  // Waits on `cv` (with `lock` held on entry and on return, released while
  // blocked) until pred() holds or SteadyNow() reaches `deadline`; returns
  // pred(). As with cv.wait_until: whoever changes what pred() reads does so
  // under the lock and notifies `cv`.
  virtual bool WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                         MonotonicTime deadline, const std::function<bool()>& pred) = 0;

  bool WaitFor(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, Duration timeout,
               const std::function<bool()>& pred) {
    return WaitUntil(lock, cv, SteadyNow() + timeout, pred);
  }
};

// The real clocks: system_clock for Now(), steady_clock for waits.
class SystemClock final : public Clock {
 public:
  Timestamp Now() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  }
  MonotonicTime SteadyNow() const override { return std::chrono::steady_clock::now(); }
  void SleepFor(Duration d) override;
  bool WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                 MonotonicTime deadline, const std::function<bool()>& pred) override;

  static SystemClock* Default();
};

// Sleeps `d` on `clock` in slices of at most 50 ms, so that a stop flag set
// by a signal handler ends the wait promptly. Returns false once *stop is set
// (a null `stop` never is).
bool SleepUnlessStopped(Clock& clock, Duration d, const std::atomic<bool>* stop);

}  // namespace cara
