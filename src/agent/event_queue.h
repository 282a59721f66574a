// The agent's events, posted from a thread of their own in the order they
// were queued, so a deploy never waits for the server to record "Created"
// or "Started": each post is a connection and a durable write, and they were
// on the way from Scheduled to Running. Best effort, as events always were:
// one that cannot be posted is logged and dropped.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>

#include "agent/control_plane.h"

namespace cara::agent {

class EventQueue {
 public:
  // `server` must outlive the queue. Beyond `capacity` waiting events (a
  // server that stopped answering) new ones are dropped and logged.
  explicit EventQueue(ControlPlane* server, size_t capacity = 1000);
  ~EventQueue();  // Stop()
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  // Returns at once; the event is posted after those queued before it.
  void Push(api::Event event);
  // Waits until every event pushed so far has been posted or dropped.
  void Flush();
  // Posts what is queued, then ends the thread. The first post that fails
  // ends the drain and drops the rest: a server that does not answer must
  // not hold up the agent's exit one timeout per event. Later pushes are
  // dropped. Idempotent.
  void Stop();

 private:
  void Run();

  ControlPlane* const server_;
  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<api::Event> queue_;  // guarded by mu_
  bool posting_ = false;          // one taken from queue_ is being posted
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cara::agent
