#include "common/clock.h"

#include <algorithm>
#include <thread>

namespace cara {

void SystemClock::SleepFor(Duration d) { std::this_thread::sleep_for(d); }

bool SystemClock::WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                            MonotonicTime deadline, const std::function<bool()>& pred) {
  // kNever would overflow in the conversion to the condition variable's clock.
  if (deadline == kNever) {
    cv.wait(lock, pred);
    return true;
  }
  return cv.wait_until(lock, deadline, pred);
}

SystemClock* SystemClock::Default() {
  static SystemClock clock;
  return &clock;
}

bool SleepUnlessStopped(Clock& clock, Duration d, const std::atomic<bool>* stop) {
  auto stopped = [stop] { return stop != nullptr && stop->load(); };
  const MonotonicTime until = clock.SteadyNow() + d;
  for (MonotonicTime now = clock.SteadyNow(); !stopped() && now < until; now = clock.SteadyNow()) {
    clock.SleepFor(std::min<Duration>(std::chrono::milliseconds(50), until - now));
  }
  return !stopped();
}

}  // namespace cara
