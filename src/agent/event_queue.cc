#include "agent/event_queue.h"

#include "common/log.h"

namespace cara::agent {

EventQueue::EventQueue(ControlPlane* server, size_t capacity)
    : server_(server), capacity_(capacity), thread_([this] { Run(); }) {}

EventQueue::~EventQueue() { Stop(); }

void EventQueue::Push(api::Event event) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_ || queue_.size() >= capacity_) {
    LOG_WARN("cannot post an event: the queue is full or stopped")
        .Kv("object", event.involved_object.name)
        .Kv("reason", event.reason);
    return;
  }
  queue_.push_back(std::move(event));
  cv_.notify_all();
}

void EventQueue::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return queue_.empty() && !posting_; });
}

void EventQueue::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void EventQueue::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, all posted
    api::Event event = std::move(queue_.front());
    queue_.pop_front();
    posting_ = true;
    lock.unlock();
    Status st = server_->PostEvent(event);
    if (!st.ok()) {
      LOG_WARN("cannot post an event")
          .Kv("object", event.involved_object.name)
          .Kv("reason", event.reason)
          .Kv("error", st.message());
    }
    lock.lock();
    posting_ = false;
    if (!st.ok() && stopping_ && !queue_.empty()) {
      LOG_WARN("dropping the events not posted yet").Kv("count", queue_.size());
      queue_.clear();
    }
    cv_.notify_all();
  }
}

}  // namespace cara::agent
