// The fake clock itself: time moves only on Advance(), which wakes exactly
// the waiters it makes due, and AwaitIdle() tells blocked from runnable.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "support/fake_clock.h"

namespace cara {
namespace {

using namespace std::chrono_literals;

const Timestamp kStart{std::chrono::hours(24 * 365 * 55)};

}  // namespace

TEST_CASE("fake clock: time moves only when advanced, and Set moves wall time only", "[clock]") {
  FakeClock clock(kStart);
  MonotonicTime steady = clock.SteadyNow();
  CHECK(clock.Now() == kStart);
  clock.Advance(90s);
  CHECK(clock.Now() == kStart + 90s);
  CHECK(clock.SteadyNow() == steady + 90s);
  clock.Set(kStart - 1h);
  CHECK(clock.Now() == kStart - 1h);
  CHECK(clock.SteadyNow() == steady + 90s);
}

TEST_CASE("fake clock: SleepFor returns when time reaches its end, not before", "[clock]") {
  FakeClock clock(kStart);
  std::atomic<bool> woke{false};
  std::thread sleeper([&] {
    clock.SleepFor(10s);
    woke = true;
  });
  REQUIRE(clock.AwaitWaiters(1));
  clock.Advance(9s);
  REQUIRE(clock.AwaitIdle(1));
  CHECK_FALSE(woke);
  clock.Advance(1s);
  sleeper.join();
  CHECK(woke);
  CHECK(clock.Waiters() == 0);
}

TEST_CASE("fake clock: Advance wakes the due waiters only", "[clock]") {
  FakeClock clock(kStart);
  std::atomic<int> woke{0};
  std::thread soon([&] {
    clock.SleepFor(1s);
    woke += 1;
  });
  std::thread late([&] {
    clock.SleepFor(5s);
    woke += 10;
  });
  REQUIRE(clock.AwaitWaiters(2));
  clock.Advance(1s);
  soon.join();
  REQUIRE(clock.AwaitIdle(1));
  CHECK(woke == 1);
  CHECK(clock.Waiters() == 1);
  clock.Advance(4s);
  late.join();
  CHECK(woke == 11);
}

TEST_CASE("fake clock: WaitUntil returns the predicate, at the deadline or when notified",
          "[clock]") {
  FakeClock clock(kStart);
  std::mutex mu;
  std::condition_variable cv;
  bool ready = false;
  std::atomic<int> result{-1};
  std::thread waiter([&] {
    std::unique_lock<std::mutex> lock(mu);
    result = clock.WaitFor(lock, cv, 1min, [&] { return ready; });
  });
  REQUIRE(clock.AwaitIdle(1));
  clock.Advance(1min);
  waiter.join();
  CHECK(result == 0);  // timed out

  waiter = std::thread([&] {
    std::unique_lock<std::mutex> lock(mu);
    result = clock.WaitUntil(lock, cv, Clock::kNever, [&] { return ready; });
  });
  REQUIRE(clock.AwaitIdle(1));
  {
    std::lock_guard<std::mutex> lock(mu);
    ready = true;
  }
  cv.notify_all();
  waiter.join();
  CHECK(result == 1);
}

TEST_CASE("fake clock: a waiter that can go on is not idle", "[clock]") {
  FakeClock clock(kStart);
  std::mutex mu;
  std::condition_variable cv;
  bool ready = false;
  std::thread waiter([&] {
    std::unique_lock<std::mutex> lock(mu);
    clock.WaitUntil(lock, cv, Clock::kNever, [&] { return ready; });
  });
  REQUIRE(clock.AwaitIdle(1));
  {
    std::lock_guard<std::mutex> lock(mu);
    ready = true;  // not yet notified: runnable, but still waiting
  }
  CHECK(clock.Waiters() == 1);
  CHECK_FALSE(clock.AwaitIdle(1, 50ms));
  CHECK_FALSE(clock.AwaitIdle(2, 50ms));
  cv.notify_all();
  waiter.join();
  CHECK(clock.Waiters() == 0);
}

}  // namespace cara
