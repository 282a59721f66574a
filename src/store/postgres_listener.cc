#include "store/postgres_listener.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/log.h"
#include "store/listener_session.h"
#include "store/postgres_rows.h"

namespace cara::store {

PgNotifyListener::PgNotifyListener(std::string url, const PostgresOptions& options,
                                   std::string redacted, const SecretScrubber& scrub,
                                   std::function<void(const std::string&)> on_payload)
    : url_(std::move(url)),
      options_(options),
      redacted_(std::move(redacted)),
      scrub_(scrub),
      on_payload_(std::move(on_payload)) {}

Status PgNotifyListener::Start() {
  auto conn = ConnectAndListen();
  if (!conn.ok()) return conn.status();
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    return Status::Internal(std::string("postgres listener: pipe: ") + std::strerror(errno));
  }
  stop_ = false;
  thread_ = std::thread([this, c = std::move(*conn)]() mutable { Loop(std::move(c)); });
  return Status::Ok();
}

void PgNotifyListener::Stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  (void)!::write(wake_[1], "x", 1);
  thread_.join();
  ::close(wake_[0]);
  ::close(wake_[1]);
  wake_[0] = wake_[1] = -1;
}

Result<PgConn> PgNotifyListener::ConnectAndListen() {
  auto conn = ConnectDedicated(url_, options_, "cara-listener", redacted_, scrub_);
  if (!conn.ok()) return conn.status();
  std::string error;
  if (!ExecExpect(conn->get(), kPgListenSql, PGRES_COMMAND_OK, scrub_, &error)) {
    return Status::Unavailable("postgres: LISTEN: " + error);
  }
  return conn;
}

bool PgNotifyListener::SleepUnlessStopped(std::chrono::milliseconds delay) {
  pollfd wake{wake_[0], POLLIN, 0};
  while (!stop_ && ::poll(&wake, 1, static_cast<int>(delay.count())) < 0 && errno == EINTR) {
  }
  return stop_;
}

void PgNotifyListener::Deliver(PGconn* conn) {
  while (PGnotify* n = PQnotifies(conn)) {
    std::string channel = n->relname, payload = n->extra;
    PQfreemem(n);
    if (channel == kPgEventChannel) Hand(payload);
  }
}

void PgNotifyListener::Hand(const std::string& payload) {
  try {
    on_payload_(payload);
  } catch (const std::exception& e) {  // a listener's bug must not end the thread
    LOG_ERROR("postgres listener: event handler threw").Kv("error", e.what());
  } catch (...) {
    LOG_ERROR("postgres listener: event handler threw");
  }
}

PgConn PgNotifyListener::Reconnect() {
  for (int failures = 0; !stop_; ++failures) {
    auto fresh = ConnectAndListen();
    if (fresh.ok()) {
      // NOTIFY is not queued for absent listeners: what other processes
      // wrote while we were away was never announced to us.
      LOG_WARN("postgres listener: reconnected; changes made while disconnected were missed");
      Hand(kListenerSessionRestored);
      return std::move(*fresh);
    }
    // 100 ms doubling to 5 s: quick after a blip, gentle while the server
    // is down.
    auto delay = std::chrono::milliseconds(100 << std::min(failures, 6));
    delay = std::min(delay, std::chrono::milliseconds(5000));
    LOG_WARN("postgres listener: reconnect failed")
        .Kv("error", fresh.status().message())
        .Kv("retry_in_ms", delay.count());
    if (SleepUnlessStopped(delay)) break;
  }
  return nullptr;
}

bool PgNotifyListener::WaitAndDeliver(PGconn* conn) {
  pollfd fds[2] = {{PQsocket(conn), POLLIN, 0}, {wake_[0], POLLIN, 0}};
  int n = ::poll(fds, 2, static_cast<int>(kPingInterval.count()));
  if (stop_ || (n < 0 && errno == EINTR)) return true;
  std::string error;
  bool ok;
  if (n < 0) {
    ok = false;
    error = std::string("poll: ") + std::strerror(errno);
  } else if (n == 0) {
    ok = ExecExpect(conn, "SELECT 1", PGRES_TUPLES_OK, scrub_, &error);
  } else {
    ok = PQconsumeInput(conn) == 1;
    if (!ok) error = scrub_(PQerrorMessage(conn));
  }
  Deliver(conn);  // whatever arrived before a failure still counts
  if (ok && PQstatus(conn) == CONNECTION_OK) return true;
  LOG_WARN("postgres listener: connection lost; reconnecting").Kv("error", error);
  Hand(kListenerSessionLost);
  return false;
}

void PgNotifyListener::Loop(PgConn conn) {
  while (!stop_) {
    if (!conn) conn = Reconnect();
    if (!conn) break;  // stopped while reconnecting
    if (!WaitAndDeliver(conn.get())) conn.reset();
  }
}

}  // namespace cara::store
