// Change events across processes: receives the payloads of NOTIFY
// cara_events on its own session and thread, reconnecting with backoff when
// the session drops. The loss and the return of the session are delivered
// too, as the markers of store/listener_session.h.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "store/postgres_session.h"

namespace cara::store {

class PgNotifyListener {
 public:
  PgNotifyListener(std::string url, const PostgresOptions& options, std::string redacted,
                   const SecretScrubber& scrub, std::function<void(const std::string&)> on_payload);
  PgNotifyListener(const PgNotifyListener&) = delete;
  PgNotifyListener& operator=(const PgNotifyListener&) = delete;
  ~PgNotifyListener() { Stop(); }

  // LISTENs before returning, so every notification committed after Start
  // returns is delivered (unless the connection later drops).
  Status Start();

  // Wakes the thread through the pipe (it waits in poll, never in libpq,
  // unless it is connecting or pinging) and joins it.
  void Stop();

 private:
  // Quiet connections are pinged this often, so a server that restarted or
  // failed over behind a silent network is noticed.
  static constexpr std::chrono::milliseconds kPingInterval{15000};

  Result<PgConn> ConnectAndListen();
  // Sleeps up to `delay`; true if Stop() was called meanwhile.
  bool SleepUnlessStopped(std::chrono::milliseconds delay);
  void Deliver(PGconn* conn);
  // Calls on_payload_, which must not end the thread by throwing.
  void Hand(const std::string& payload);
  // Reconnects with backoff; null once Stop() was called.
  PgConn Reconnect();
  // Waits for notifications or the ping interval; false if the session is lost.
  bool WaitAndDeliver(PGconn* conn);
  void Loop(PgConn conn);

  const std::string url_;
  const PostgresOptions options_;
  const std::string redacted_;
  const SecretScrubber scrub_;
  const std::function<void(const std::string&)> on_payload_;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace cara::store
