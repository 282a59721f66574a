// Polling for asynchronous outcomes in tests: no fixed sleeps as assertions.
#pragma once

#include <algorithm>
#include <chrono>
#include <thread>

namespace cara::testing {

// True as soon as pred() holds; false if it still does not after `deadline`.
// Polls every 5 ms at first (latency tests measure how soon a change shows),
// backing off to every 50 ms for slow outcomes.
template <typename Pred>
bool Eventually(Pred pred, std::chrono::milliseconds deadline = std::chrono::seconds(40)) {
  auto until = std::chrono::steady_clock::now() + deadline;
  std::chrono::milliseconds interval(5);
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(interval);
    interval = std::min(interval * 2, std::chrono::milliseconds(50));
  }
  return pred();
}

}  // namespace cara::testing
