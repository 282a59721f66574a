// A deduplicating work queue (the client-go "dirty set" design): a key waits
// at most once, a key being processed is never handed to a second worker, and
// a key added while it is processed is handed out again once it is Done.
// Delayed adds wait in a timer heap on the clock's monotonic time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"

namespace cara::controllers {

class WorkQueue {
 public:
  explicit WorkQueue(Clock* clock) : clock_(clock) {}
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Add(const std::string& key);
  // Adds after `delay`; an earlier pending timer for the same key wins.
  void AddAfter(const std::string& key, Duration delay);

  // Blocks until a key is ready (returned and marked processing) or the queue
  // shuts down (nullopt).
  std::optional<std::string> Get();
  // Like Get, but takes up to `max` ready keys at once (at least one, in
  // queue order); empty once the queue shuts down. Each needs its Done.
  std::vector<std::string> GetBatch(size_t max);
  // Marks the key processed; it is queued again if it was added meanwhile.
  void Done(const std::string& key);

  void ShutDown();
  bool shutting_down() const;
  // Empties the queue and accepts work again after ShutDown().
  void Reopen();

  size_t Len() const;      // keys waiting (not counting timers)
  size_t Delayed() const;  // keys waiting on a timer

 private:
  void AddLocked(const std::string& key);
  void PromoteDueTimersLocked(MonotonicTime now);

  Clock* const clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::queue<std::string> queue_;
  std::set<std::string> dirty_;
  std::set<std::string> processing_;
  std::map<std::string, MonotonicTime> timer_by_key_;
  std::multimap<MonotonicTime, std::string> timers_;
  bool shutting_down_ = false;
};

}  // namespace cara::controllers
