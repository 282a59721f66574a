// The --notify sender on a fake clock: retries with doubling back-off, final
// errors, order, overflow and the drain at exit, with no real sleep.
#include "cli/notification_sender.h"

#include <catch2/catch.hpp>

#include <future>
#include <vector>

#include "support/fake_clock.h"

namespace cara::cli {
namespace {

using namespace std::chrono_literals;

// A receiver that answers from a script (then OK), recording each body.
struct ScriptedReceiver {
  std::mutex mu;
  std::vector<Status> script;
  std::vector<std::string> bodies;

  NotificationSender::Post Post() {
    return [this](const std::string& body) {
      std::lock_guard<std::mutex> lock(mu);
      bodies.push_back(body);
      if (script.empty()) return Status::Ok();
      Status st = script.front();
      script.erase(script.begin());
      return st;
    };
  }
  size_t tries() {
    std::lock_guard<std::mutex> lock(mu);
    return bodies.size();
  }
};

NotificationSender::Options Fast() {
  NotificationSender::Options o;
  o.attempts = 4;
  o.first_backoff = 1s;
  o.max_backoff = 3s;
  return o;
}

TEST_CASE("a failed notification is retried with doubling back-off until it goes through",
          "[notify-sender]") {
  FakeClock clock(Timestamp{});
  ScriptedReceiver receiver;
  receiver.script = {Status::Unavailable("HTTP 503"), Status::Unavailable("timeout")};
  NotificationSender sender("http://127.0.0.1:1/...", receiver.Post(), &clock, Fast());
  sender.Send("one");
  REQUIRE(clock.AwaitIdle(1));
  CHECK(receiver.tries() == 1);
  clock.Advance(999ms);
  REQUIRE(clock.AwaitIdle(1));
  CHECK(receiver.tries() == 1);  // not before the back-off
  clock.Advance(1ms);
  REQUIRE(clock.AwaitIdle(1));
  CHECK(receiver.tries() == 2);
  clock.Advance(1999ms);  // the second wait is twice as long
  REQUIRE(clock.AwaitIdle(1));
  CHECK(receiver.tries() == 2);
  clock.Advance(1ms);
  REQUIRE(clock.AwaitIdle(1));
  CHECK(receiver.tries() == 3);
  CHECK(sender.counts().delivered == 1);
  CHECK(sender.counts().failed == 0);
}

TEST_CASE("a notification is given up after the last try, or at once on a final error",
          "[notify-sender]") {
  FakeClock clock(Timestamp{});
  ScriptedReceiver receiver;
  receiver.script = {Status::Unavailable("a"), Status::Unavailable("b"), Status::Unavailable("c"),
                     Status::Unavailable("d"), Status::Invalid("HTTP 404")};
  NotificationSender sender("r", receiver.Post(), &clock, Fast());
  sender.Send("one");
  sender.Send("two");
  for (Duration wait : {1s, 2s, 3s}) {  // capped at max_backoff
    REQUIRE(clock.AwaitIdle(1));
    clock.Advance(wait);
  }
  REQUIRE(clock.AwaitIdle(1));
  // "one" had its 4 tries; "two" met a 404 and is not tried again.
  CHECK(receiver.bodies == std::vector<std::string>{"one", "one", "one", "one", "two"});
  CHECK(sender.counts().failed == 2);
  clock.Advance(1h);
  REQUIRE(clock.AwaitIdle(1));
  CHECK(receiver.tries() == 5);
}

TEST_CASE("Send never waits for a slow receiver, and the oldest message gives way",
          "[notify-sender]") {
  FakeClock clock(Timestamp{});
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  std::mutex mu;
  std::vector<std::string> got;
  auto post = [&](const std::string& body) {
    if (body == "first") {  // the receiver hangs on the first message
      entered.set_value();
      released.wait();
    }
    std::lock_guard<std::mutex> lock(mu);
    got.push_back(body);
    return Status::Ok();
  };
  NotificationSender::Options o = Fast();
  o.max_queued = 2;
  NotificationSender sender("r", post, &clock, o);
  sender.Send("first");
  entered.get_future().wait();
  for (const char* body : {"a", "b", "c"}) sender.Send(body);  // returns while "first" hangs
  release.set_value();
  sender.Stop();
  CHECK(got == std::vector<std::string>{"first", "b", "c"});
  CHECK(sender.counts().dropped == 1);
}

TEST_CASE("at exit queued messages are still sent, until the drain ends", "[notify-sender]") {
  FakeClock clock(Timestamp{});
  ScriptedReceiver receiver;
  receiver.script = {Status::Ok(), Status::Unavailable("down"), Status::Unavailable("down"),
                     Status::Unavailable("down")};
  NotificationSender sender("r", receiver.Post(), &clock, Fast());
  sender.Send("delivered");
  sender.Send("retried");
  sender.Send("never");
  REQUIRE(clock.AwaitIdle(1));  // "retried" failed once, waits 1 s
  // The drain ends 2.5 s from now however soon Stop() gets going.
  const MonotonicTime drain_end = clock.SteadyNow() + 2500ms;
  auto stopped = std::async(std::launch::async, [&] { sender.Stop(drain_end); });
  REQUIRE(clock.AwaitIdle(1));
  clock.Advance(1s);  // second try of "retried", then a 2 s wait the drain cuts short
  REQUIRE(clock.AwaitIdle(1));
  CHECK(receiver.tries() == 3);
  clock.Advance(1500ms);
  REQUIRE(stopped.wait_for(10s) == std::future_status::ready);
  CHECK(receiver.bodies == std::vector<std::string>{"delivered", "retried", "retried"});
  CHECK(sender.counts().delivered == 1);
  CHECK(sender.counts().failed == 1);
  CHECK(sender.counts().dropped == 1);  // "never": the drain was over
}

}  // namespace
}  // namespace cara::cli
