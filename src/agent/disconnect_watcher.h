// Watches a client socket while a blocking follow-mode log stream runs and
// cancels the stream when the client hangs up or the socket is shut down
// (the server's Stop()), so a client leaving a quiet container's log is
// noticed at once, not at the next line. Only POLLRDHUP is asked for: a
// client that pipelines another request makes the socket readable, which
// must neither cancel the stream nor make poll() spin.
#pragma once

#include <atomic>
#include <memory>
#include <thread>

namespace cara::agent {

class StreamCancel;

class DisconnectWatcher {
 public:
  DisconnectWatcher(int fd, std::shared_ptr<StreamCancel> cancel);
  ~DisconnectWatcher();  // stops watching and joins
  DisconnectWatcher(const DisconnectWatcher&) = delete;
  DisconnectWatcher& operator=(const DisconnectWatcher&) = delete;

  bool client_gone() const { return gone_; }

 private:
  void Run(int fd);

  int wake_;
  std::shared_ptr<StreamCancel> cancel_;
  std::atomic<bool> gone_{false};
  std::thread thread_;
};

// True when the client has closed its end (or the socket failed). Used while
// a log stream runs: the client sends nothing more, so a readable EOF is the
// prompt signal that nobody is listening, before a write would fail.
bool PeerGone(int fd);

}  // namespace cara::agent
