#include <catch2/catch.hpp>

#include <thread>

#include "controllers/work_queue.h"

namespace cara::controllers {

using namespace std::chrono_literals;

TEST_CASE("work queue deduplicates waiting keys", "[workqueue]") {
  WorkQueue q;
  q.Add("a");
  q.Add("b");
  q.Add("a");
  CHECK(q.Len() == 2);
  CHECK(*q.Get() == "a");
  CHECK(*q.Get() == "b");
  CHECK(q.Len() == 0);
}

TEST_CASE("a key being processed is not handed out again until Done", "[workqueue]") {
  WorkQueue q;
  q.Add("a");
  auto first = q.Get();
  REQUIRE(first);
  q.Add("a");           // changed while processing
  CHECK(q.Len() == 0);  // parked, not handed to a second worker
  q.Done("a");
  CHECK(q.Len() == 1);
  CHECK(*q.Get() == "a");
  q.Done("a");
  CHECK(q.Len() == 0);
}

TEST_CASE("AddAfter delivers after the delay and keeps the earliest timer", "[workqueue]") {
  WorkQueue q;
  q.AddAfter("late", 10s);
  q.AddAfter("late", 20ms);  // earlier wins
  q.AddAfter("late", 30s);   // later is ignored
  CHECK(q.Delayed() == 1);
  CHECK(q.Len() == 0);
  auto start = std::chrono::steady_clock::now();
  auto key = q.Get();
  REQUIRE(key);
  CHECK(*key == "late");
  CHECK(std::chrono::steady_clock::now() - start >= 20ms);
}

TEST_CASE("ShutDown wakes blocked workers and Reopen accepts work again", "[workqueue]") {
  WorkQueue q;
  std::thread worker([&] { CHECK_FALSE(q.Get().has_value()); });
  std::this_thread::sleep_for(10ms);
  q.ShutDown();
  worker.join();
  q.Add("ignored");
  CHECK(q.Len() == 0);
  q.Reopen();
  q.Add("x");
  CHECK(*q.Get() == "x");
}

}  // namespace cara::controllers
