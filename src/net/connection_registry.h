// The connections a server has open and what each is doing, so that a
// graceful stop can end the quiet ones at once (waiting for a request, or
// inside a tunnel or an endless stream) and give the busy ones (a request
// being handled) a grace period before their sockets are shut down too.
//
// Sockets are woken with shutdown(2), which is safe from another thread
// (unlike closing an Asio socket) and works the same under a TLS stream,
// whose lowest layer is the registered socket. Used by the agent's API and
// the ingress proxy; net::HttpServer cancels its waits on each connection's
// strand instead. No Boost here.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <vector>

namespace cara::net {

class ConnectionRegistry;

// One connection as a stop sees it: quiet or busy, and its sockets.
class TrackedConnection {
 public:
  // Quiet: a stop may end it at once. False (and still busy) once the
  // registry is stopping: the connection must then close instead of waiting.
  // The check and the change happen under the lock a stop takes to look at
  // the state, so no connection can start waiting unseen.
  bool EnterQuiet(const ConnectionRegistry& registry);
  void EnterBusy();

  // shutdown(2) of the registered sockets, unless `quiet_only` and busy.
  void Shutdown(bool quiet_only);

 private:
  friend class FdRegistration;
  std::mutex mu_;
  bool quiet_ = false;
  std::vector<int> fds_;
};

// Registers a dup() of a socket's fd with a connection for the whole scope.
// The duplicate makes shutdown(2) from a stop race-free: the number cannot be
// recycled for an unrelated file while registered, even when Beast closes
// the original itself (tcp_stream does on a timeout). The socket is fully
// closed once both are, i.e. at Release() at the latest.
class FdRegistration {
 public:
  FdRegistration(TrackedConnection* conn, int fd);
  ~FdRegistration() { Release(); }
  FdRegistration(const FdRegistration&) = delete;
  FdRegistration& operator=(const FdRegistration&) = delete;
  void Release();

 private:
  TrackedConnection* conn_;
  int dup_;
};

class ConnectionRegistry {
 public:
  bool stopping() const { return stopping_; }

  void Add(TrackedConnection* conn);
  void Remove(TrackedConnection* conn);
  size_t size() const;

  // Adds a connection for the scope of a connection's coroutine.
  class Membership {
   public:
    Membership(ConnectionRegistry* registry, TrackedConnection* conn)
        : registry_(registry), conn_(conn) {
      registry_->Add(conn_);
    }
    ~Membership() { registry_->Remove(conn_); }
    Membership(const Membership&) = delete;
    Membership& operator=(const Membership&) = delete;

   private:
    ConnectionRegistry* registry_;
    TrackedConnection* conn_;
  };

  // From now on no connection may become quiet (they close after their
  // response). Call before closing the listener, so that nothing accepted
  // meanwhile starts to wait.
  void BeginStop() { stopping_ = true; }

  // Graceful stop: quiet connections are shut down now; busy ones have until
  // `grace - force_margin` to finish, then every socket is shut down and the
  // rest of `grace` is given to the connections to unwind. Returns how many
  // were still busy at the soft deadline (0: a clean stop).
  size_t Drain(std::chrono::milliseconds grace, std::chrono::milliseconds force_margin);

 private:
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::set<TrackedConnection*> members_;  // guarded by mu_
};

}  // namespace cara::net
