// Polling for asynchronous outcomes in tests: no fixed sleeps as assertions.
#pragma once

#include <chrono>
#include <thread>

namespace cara::testing {

// True as soon as pred() holds; false if it still does not after `deadline`.
template <typename Pred>
bool Eventually(Pred pred, std::chrono::milliseconds deadline = std::chrono::seconds(40)) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

}  // namespace cara::testing
