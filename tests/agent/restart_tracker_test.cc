// The crash-loop back-off under a fake clock: 10 s doubling to 5 min, reset
// after 10 min up, and which exits each restart policy restarts.
#include "agent/restart_tracker.h"

#include <catch2/catch.hpp>

#include "support/fake_clock.h"

namespace cara::agent {
namespace {

using namespace std::chrono_literals;
using std::chrono::seconds;

const Timestamp kStart{std::chrono::hours(24 * 365 * 56)};

// Advances the clock a second at a time until the exited service is due;
// returns how long that took (the back-off in force).
seconds TimeUntilDue(RestartTracker& tracker, FakeClock& clock, int exit_code = 1) {
  seconds waited{0};
  while (!tracker.ExitedAndDue("p", "web", exit_code)) {
    REQUIRE(waited < 1h);
    clock.Advance(1s);
    waited += 1s;
  }
  return waited;
}

}  // namespace

TEST_CASE("restart tracker: which exits each policy restarts", "[agent][restart]") {
  CHECK_FALSE(PolicyRestarts(api::kRestartNever, "exited", 1));
  CHECK_FALSE(PolicyRestarts("", "exited", 1));
  CHECK(PolicyRestarts(api::kRestartOnFailure, "exited", 1));
  CHECK_FALSE(PolicyRestarts(api::kRestartOnFailure, "exited", 0));
  CHECK(PolicyRestarts(api::kRestartOnFailure, "dead", 0));
  CHECK(PolicyRestarts(api::kRestartAlways, "exited", 0));
  CHECK(PolicyRestarts(api::kRestartAlways, "exited", 137));
  CHECK_FALSE(PolicyRestarts(api::kRestartAlways, "running", 0));
  CHECK_FALSE(PolicyRestarts(api::kRestartAlways, "created", 0));
}

TEST_CASE("restart tracker: delays grow 10 s, 20 s, 40 s ... and stop at 5 min",
          "[agent][restart]") {
  FakeClock clock(kStart);
  RestartTracker tracker(&clock);
  std::vector<seconds> delays;
  for (int i = 0; i < 8; ++i) {
    delays.push_back(TimeUntilDue(tracker, clock));
    tracker.Restarted("p", "web");
    clock.Advance(2s);  // up a little, then it crashes again
  }
  CHECK(delays == std::vector<seconds>{10s, 20s, 40s, 80s, 160s, 300s, 300s, 300s});
  CHECK(tracker.LastExitInLoop("p", "web") == 1);
}

TEST_CASE("restart tracker: 10 min up ends the loop and the back-off starts over",
          "[agent][restart]") {
  FakeClock clock(kStart);
  RestartTracker tracker(&clock);
  for (int i = 0; i < 3; ++i) {
    TimeUntilDue(tracker, clock, 3);
    tracker.Restarted("p", "web");
  }
  tracker.Running("p", "web");
  clock.Advance(9min + 59s);
  tracker.Running("p", "web");
  CHECK(tracker.LastExitInLoop("p", "web") == 3);  // still in the loop
  clock.Advance(1s);
  tracker.Running("p", "web");
  CHECK_FALSE(tracker.LastExitInLoop("p", "web").has_value());
  CHECK(TimeUntilDue(tracker, clock) == 10s);
}

TEST_CASE("restart tracker: a crash after 10 min up, seen only as an exit, starts over too",
          "[agent][restart]") {
  FakeClock clock(kStart);
  RestartTracker tracker(&clock);
  for (int i = 0; i < 3; ++i) {
    TimeUntilDue(tracker, clock);
    tracker.Restarted("p", "web");
  }
  clock.Advance(10min);
  CHECK(TimeUntilDue(tracker, clock, 2) == 10s);
  CHECK(tracker.LastExitInLoop("p", "web") == 2);
}

TEST_CASE("restart tracker: services and projects have their own loops", "[agent][restart]") {
  FakeClock clock(kStart);
  RestartTracker tracker(&clock);
  TimeUntilDue(tracker, clock);
  tracker.Restarted("p", "web");
  CHECK_FALSE(tracker.ExitedAndDue("p", "db", 1));
  CHECK_FALSE(tracker.ExitedAndDue("q", "web", 1));
  CHECK(tracker.LastExitInLoop("q", "web") == 1);
  tracker.Forget("q");
  CHECK_FALSE(tracker.LastExitInLoop("q", "web").has_value());
  CHECK(tracker.LastExitInLoop("p", "web").has_value());
  CHECK(TimeUntilDue(tracker, clock) == 20s);
}

}  // namespace cara::agent
