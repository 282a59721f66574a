#include "common/clock.h"

#include <algorithm>
#include <thread>

#include "common/sleep_until.h"

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

bool SleepUntilDone(Clock& clock, Duration d, const std::function<bool()>& done) {
  const MonotonicTime until = clock.SteadyNow() + d;
  for (MonotonicTime now = clock.SteadyNow(); !done() && now < until; now = clock.SteadyNow()) {
    clock.SleepFor(std::min<Duration>(std::chrono::milliseconds(50), until - now));
  }
  return done();
}

bool SleepUnlessStopped(Clock& clock, Duration d, const std::atomic<bool>* stop) {
  return !SleepUntilDone(clock, d, [stop] { return stop != nullptr && stop->load(); });
}

}  // namespace cara
