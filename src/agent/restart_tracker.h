// Crash-loop back-off for services with restartPolicy OnFailure or Always.
// The agent restarts such containers itself (not Docker's restart policy) so
// the back-off, the restart count and the Restarting condition are ours:
// the first restart comes 10 s after the exit is seen, each further one
// waits twice as long (at most 5 min), and a service that stays up 10 min
// leaves the loop (the next crash waits 10 s again). Only the back-off lives
// here, in memory; the restart count is the server's (status.services), so
// it survives an agent restart. Timing goes through the clock seam.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "api/types.h"
#include "common/clock.h"

namespace cara::agent {

inline constexpr Duration kFirstRestartDelay = std::chrono::seconds(10);
inline constexpr Duration kMaxRestartDelay = std::chrono::minutes(5);
inline constexpr Duration kRestartResetAfter = std::chrono::minutes(10);

// Whether `policy` restarts a container that ended in `state` ("exited" or
// "dead") with `exit_code`. Never (and "") restarts nothing.
bool PolicyRestarts(const std::string& policy, const std::string& state, int exit_code);

class RestartTracker {
 public:
  explicit RestartTracker(Clock* clock) : clock_(clock) {}

  // The service's container has ended with `exit_code`. True once its
  // back-off since the exit was first seen has passed: restart it now.
  bool ExitedAndDue(const std::string& project, const std::string& service, int exit_code);
  // The service's container was restarted: the next back-off doubles.
  void Restarted(const std::string& project, const std::string& service);
  // The service's container runs; after 10 min up it leaves the loop.
  void Running(const std::string& project, const std::string& service);

  // The exit code of the last crash while the service is in a crash loop
  // (exited, or restarted less than 10 min ago); nothing otherwise.
  std::optional<int> LastExitInLoop(const std::string& project, const std::string& service) const;
  // Whether any service is in a crash loop (waiting for or recovering from
  // a restart).
  bool empty() const { return loops_.empty(); }
  // Drops every service of a project that is gone from this node.
  void Forget(const std::string& project);

 private:
  struct Loop {
    Duration delay = kFirstRestartDelay;  // before the next restart
    std::optional<MonotonicTime> exited_seen;
    std::optional<MonotonicTime> restarted_at;
    int last_exit = 0;
  };
  using Key = std::pair<std::string, std::string>;  // project, service

  bool UpLongEnough(const Loop& loop, MonotonicTime now) const;

  Clock* clock_;
  std::map<Key, Loop> loops_;
};

}  // namespace cara::agent
