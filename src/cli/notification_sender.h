// Delivers the --notify messages of sync --watch to one receiver from a
// thread of its own, so a slow or dead receiver never holds up the watch
// loop. Each message is tried up to `attempts` times, waiting
// first_backoff, then twice as long each time up to max_backoff, on the
// clock seam; a message that still fails is logged (with the receiver's
// redacted URL, never the message) and dropped: notifying is never fatal.
// Messages reach the receiver in the order they were sent.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/status.h"

namespace cara::cli {

class NotificationSender {
 public:
  // One try. Unavailable means "try again later"; any other error is final.
  using Post = std::function<Status(const std::string& body)>;

  struct Options {
    int attempts = 5;
    Duration first_backoff = std::chrono::seconds(1);
    Duration max_backoff = std::chrono::seconds(30);
    size_t max_queued = 100;                   // beyond it the oldest message is dropped
    Duration drain = std::chrono::seconds(5);  // Stop(): time left for queued messages
  };

  struct Counts {
    int delivered = 0;
    int failed = 0;   // given up after the last try, or refused for good
    int dropped = 0;  // queue overflow, or still queued when Stop() gave up
    int tries = 0;
  };

  NotificationSender(std::string receiver, Post post, Clock* clock, Options options);
  ~NotificationSender();  // Stop()
  NotificationSender(const NotificationSender&) = delete;
  NotificationSender& operator=(const NotificationSender&) = delete;

  // Queues `body`; returns at once.
  void Send(std::string body);

  // Lets the queued messages go out for up to options.drain (or until
  // `drain_deadline`, for senders stopped together), drops what is left (and
  // logs how many), and joins the thread.
  void Stop() { Stop(clock_->SteadyNow() + options_.drain); }
  void Stop(MonotonicTime drain_deadline);

  Counts counts() const;

 private:
  void Loop();
  void Deliver(const std::string& body);
  void GiveUp(int attempts, const Status& error);
  // Waits `d` before the next try; false when Stop()'s drain ends first.
  bool Backoff(Duration d);
  bool DrainOver() const;  // mu_ held

  const std::string receiver_;  // for logs: redacted
  const Post post_;
  Clock* const clock_;
  const Options options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  bool stopping_ = false;
  MonotonicTime drain_deadline_ = Clock::kNever;
  Counts counts_;
  std::thread thread_;
};

}  // namespace cara::cli
