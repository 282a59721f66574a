#include "cli/notification_sender.h"

#include <algorithm>

#include "common/log.h"
#include "common/time_format.h"

namespace cara::cli {

NotificationSender::NotificationSender(std::string receiver, Post post, Clock* clock,
                                       Options options)
    : receiver_(std::move(receiver)),
      post_(std::move(post)),
      clock_(clock),
      options_(options),
      thread_([this] { Loop(); }) {}

NotificationSender::~NotificationSender() { Stop(); }

void NotificationSender::Send(std::string body) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    if (queue_.size() >= options_.max_queued) {
      // The newest message says more about the cluster than the oldest.
      queue_.pop_front();
      ++counts_.dropped;
      LOG_WARN("notification dropped: too many queued").Kv("receiver", receiver_);
    }
    queue_.push_back(std::move(body));
  }
  cv_.notify_all();
}

void NotificationSender::Stop(MonotonicTime drain_deadline) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      drain_deadline_ = drain_deadline;
    }
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

NotificationSender::Counts NotificationSender::counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_;
}

bool NotificationSender::DrainOver() const {
  return stopping_ && clock_->SteadyNow() >= drain_deadline_;
}

void NotificationSender::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    clock_->WaitUntil(lock, cv_, Clock::kNever, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    if (DrainOver()) {
      counts_.dropped += static_cast<int>(queue_.size());
      LOG_ERROR("notifications not sent before exit")
          .Kv("receiver", receiver_)
          .Kv("count", queue_.size());
      queue_.clear();
      return;
    }
    std::string body = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    Deliver(body);
    lock.lock();
  }
}

void NotificationSender::Deliver(const std::string& body) {
  Duration backoff = options_.first_backoff;
  for (int attempt = 1;; ++attempt) {
    Status st = post_(body);
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++counts_.tries;
      if (st.ok()) ++counts_.delivered;
    }
    if (st.ok()) {
      LOG_DEBUG("notification sent").Kv("receiver", receiver_).Kv("attempt", attempt);
      return;
    }
    if (st.code() != Code::kUnavailable || attempt >= options_.attempts) {
      GiveUp(attempt, st);
      return;
    }
    LOG_WARN("notification failed, will retry")
        .Kv("receiver", receiver_)
        .Kv("attempt", attempt)
        .Kv("retry_in", FormatDuration(backoff))
        .Kv("error", st.message());
    if (!Backoff(backoff)) {
      GiveUp(attempt, st);
      return;
    }
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

void NotificationSender::GiveUp(int attempts, const Status& error) {
  LOG_ERROR("notification not delivered")
      .Kv("receiver", receiver_)
      .Kv("attempts", attempts)
      .Kv("error", error.message());
  std::lock_guard<std::mutex> lock(mu_);
  ++counts_.failed;
}

bool NotificationSender::Backoff(Duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  const MonotonicTime until = clock_->SteadyNow() + d;
  clock_->WaitUntil(lock, cv_, until, [&] { return stopping_; });
  if (!stopping_) return true;
  // Stopping: keep retrying only while the drain lasts.
  const MonotonicTime end = std::min(until, drain_deadline_);
  clock_->WaitUntil(lock, cv_, end, [] { return false; });
  return until <= drain_deadline_;
}

}  // namespace cara::cli
