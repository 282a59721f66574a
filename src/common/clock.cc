#include "common/clock.h"

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

}  // namespace cara
