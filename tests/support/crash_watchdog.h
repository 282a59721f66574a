// A child process that outlives a crash or SIGKILL of the test binary and
// then runs a shell cleanup (stop a server, remove its directory), so no
// stray daemon keeps running on a shared machine. An orderly Disarm() tells
// it there is nothing to do.
#pragma once

#include <sys/types.h>

#include <string>

namespace cara::testing {

class CrashWatchdog {
 public:
  CrashWatchdog() = default;
  ~CrashWatchdog() { Disarm(); }
  CrashWatchdog(const CrashWatchdog&) = delete;
  CrashWatchdog& operator=(const CrashWatchdog&) = delete;

  // Starts watching; `cleanup` runs under /bin/sh if this process dies
  // before Disarm(). Throws (fails the test) if it cannot fork.
  void Arm(const std::string& cleanup);
  // The orderly path: the child exits without running the cleanup.
  void Disarm();

 private:
  pid_t pid_ = -1;
  int fd_ = -1;  // its pipe: closing it without a byte means "we crashed"
};

}  // namespace cara::testing
