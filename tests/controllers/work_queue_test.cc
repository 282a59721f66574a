// The work queue under a fake clock: delays are proven by advancing time to
// just before and just at the deadline, never by sleeping.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "controllers/work_queue.h"
#include "support/fake_clock.h"

namespace cara::controllers {
namespace {

using namespace std::chrono_literals;

// One worker in Get(), keeping what it got.
class Worker {
 public:
  Worker(WorkQueue& q, FakeClock& clock)
      : clock_(clock), thread_([this, &q] {
          auto key = q.Get();
          got_ = key.value_or("<shut down>");
          done_ = true;
        }) {}
  ~Worker() {
    if (thread_.joinable()) thread_.join();
  }
  // True once it is blocked with nothing to take and its deadline ahead.
  bool Waiting() { return clock_.AwaitIdle(1) && !done_; }
  std::string got() {  // waits for the worker
    if (thread_.joinable()) thread_.join();
    return got_;
  }

 private:
  FakeClock& clock_;
  std::string got_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

struct QueueTest {
  FakeClock clock{Timestamp{}};
  WorkQueue q{&clock};
};

}  // namespace

TEST_CASE_METHOD(QueueTest, "work queue deduplicates waiting keys", "[workqueue]") {
  q.Add("a");
  q.Add("b");
  q.Add("a");
  CHECK(q.Len() == 2);
  CHECK(*q.Get() == "a");
  CHECK(*q.Get() == "b");
  CHECK(q.Len() == 0);
}

TEST_CASE_METHOD(QueueTest, "a key being processed is not handed out again until Done",
                 "[workqueue]") {
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

TEST_CASE_METHOD(QueueTest, "GetBatch takes up to N ready keys in order, each processing",
                 "[workqueue]") {
  for (const char* key : {"a", "b", "c", "d", "e"}) q.Add(key);
  CHECK(q.GetBatch(3) == std::vector<std::string>{"a", "b", "c"});
  q.Add("b");  // changed while processing: parked until Done
  CHECK(q.GetBatch(10) == std::vector<std::string>{"d", "e"});
  CHECK(q.Len() == 0);
  for (const char* key : {"a", "c", "d", "e"}) q.Done(key);
  CHECK(q.Len() == 0);
  q.Done("b");
  CHECK(q.GetBatch(10) == std::vector<std::string>{"b"});
  q.ShutDown();
  CHECK(q.GetBatch(10).empty());
}

TEST_CASE_METHOD(QueueTest,
                 "AddAfter delivers at the delay, not before, and keeps the earliest timer",
                 "[workqueue]") {
  q.AddAfter("late", 10s);
  q.AddAfter("late", 20ms);  // earlier wins
  q.AddAfter("late", 30s);   // later is ignored
  CHECK(q.Delayed() == 1);
  CHECK(q.Len() == 0);
  Worker worker(q, clock);
  REQUIRE(worker.Waiting());
  clock.Advance(19ms);
  CHECK(worker.Waiting());  // woke for nothing and waits again
  CHECK(q.Delayed() == 1);
  clock.Advance(1ms);
  CHECK(worker.got() == "late");
  CHECK(q.Delayed() == 0);
}

TEST_CASE_METHOD(QueueTest, "an earlier timer wakes a worker that waits for a later one",
                 "[workqueue]") {
  q.AddAfter("later", 1h);
  Worker worker(q, clock);
  REQUIRE(worker.Waiting());
  q.AddAfter("sooner", 1s);
  REQUIRE(worker.Waiting());  // now for the earlier deadline
  clock.Advance(1s);
  CHECK(worker.got() == "sooner");
  CHECK(q.Delayed() == 1);
}

TEST_CASE_METHOD(QueueTest, "a worker with nothing to do waits however far time moves",
                 "[workqueue]") {
  Worker worker(q, clock);
  REQUIRE(worker.Waiting());
  clock.Advance(24h);
  CHECK(worker.Waiting());
  q.Add("x");
  CHECK(worker.got() == "x");
}

TEST_CASE_METHOD(QueueTest, "ShutDown wakes blocked workers and Reopen accepts work again",
                 "[workqueue]") {
  q.AddAfter("timer", 1s);
  {
    Worker worker(q, clock);
    REQUIRE(worker.Waiting());
    q.ShutDown();
    CHECK(worker.got() == "<shut down>");
  }
  q.Add("ignored");
  CHECK(q.Len() == 0);
  q.Reopen();
  CHECK(q.Delayed() == 0);  // Reopen drops the old timers
  q.Add("x");
  CHECK(*q.Get() == "x");
}

}  // namespace cara::controllers
