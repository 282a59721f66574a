#include "agent/disconnect_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "agent/container_lookup.h"

namespace cara::agent {

DisconnectWatcher::DisconnectWatcher(int fd, std::shared_ptr<StreamCancel> cancel)
    : wake_(::eventfd(0, EFD_CLOEXEC)), cancel_(std::move(cancel)) {
  thread_ = std::thread([this, fd] { Run(fd); });
}

DisconnectWatcher::~DisconnectWatcher() {
  uint64_t one = 1;
  if (wake_ >= 0) (void)!::write(wake_, &one, sizeof one);
  thread_.join();
  if (wake_ >= 0) ::close(wake_);
}

void DisconnectWatcher::Run(int fd) {
  pollfd fds[2] = {{fd, POLLRDHUP, 0}, {wake_, POLLIN, 0}};
  for (;;) {
    int n = ::poll(fds, wake_ >= 0 ? 2 : 1, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || fds[1].revents != 0) return;  // done, or poll broke: on_chunk still checks
    if (fds[0].revents != 0) {
      gone_ = true;
      cancel_->Cancel();
      return;
    }
  }
}

bool PeerGone(int fd) {
  char c;
  ssize_t n = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return true;
  return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

}  // namespace cara::agent
