#include "support/crash_watchdog.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace cara::testing {

void CrashWatchdog::Arm(const std::string& cleanup) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("watchdog pipe: ") + std::strerror(errno));
  }
  pid_t pid = ::fork();
  if (pid == 0) {  // only async-signal-safe calls until exec
    ::setsid();    // a Ctrl-C to the test's process group must not kill it
    ::close(fds[1]);
    char c;
    ssize_t n;
    while ((n = ::read(fds[0], &c, 1)) < 0 && errno == EINTR) {
    }
    if (n == 1) ::_exit(0);  // orderly stop: nothing to do
    ::execl("/bin/sh", "sh", "-c", cleanup.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[0]);
  if (pid < 0) {
    ::close(fds[1]);
    throw std::runtime_error(std::string("watchdog fork: ") + std::strerror(errno));
  }
  pid_ = pid;
  fd_ = fds[1];
}

void CrashWatchdog::Disarm() {
  if (fd_ < 0) return;
  (void)!::write(fd_, "x", 1);
  ::close(fd_);
  fd_ = -1;
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace cara::testing
