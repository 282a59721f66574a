#include "store/postgres_pool.h"

#include <algorithm>

#include "store/postgres_rows.h"

namespace cara::store {

PgPool::PgPool(const std::string& url, const PostgresOptions& options)
    : url_(WithConnectTimeout(url, options.connect_timeout_seconds)),
      redacted_(RedactDatabaseUrl(url)),
      scrub_(url),
      options_(options) {}

Result<PgPool::Lease> PgPool::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  if (waiters_.empty() && !idle_.empty()) {
    std::unique_ptr<pqxx::connection> conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(conn));
  }
  if (waiters_.empty() && open_ < options_.max_connections) {
    ++open_;
  } else {
    Waiter me;
    waiters_.push_back(&me);
    if (!me.cv.wait_for(lock, options_.acquire_timeout,
                        [&] { return me.conn != nullptr || me.may_open; })) {
      waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &me));
      return Status::Unavailable("postgres: no free connection in the pool");
    }
    if (me.conn) return Lease(this, std::move(me.conn));
    // me.may_open: open_ already counts the connection we are to open.
  }
  lock.unlock();  // connecting takes a network round trip: not under the lock
  auto conn = Connect();
  if (!conn.ok()) {
    lock.lock();
    --open_;
    ServeWaitersLocked();
    return conn.status();
  }
  return Lease(this, std::move(*conn));
}

Result<std::unique_ptr<pqxx::connection>> PgPool::Connect() {
  try {
    auto conn = std::make_unique<pqxx::connection>(url_);
    conn->set_client_encoding("UTF8");
    PreparePgStatements(*conn);
    return conn;
  } catch (const std::exception& e) {
    return Status::Unavailable("postgres: cannot connect to " + redacted_ + ": " +
                               scrub_(e.what()));
  }
}

void PgPool::Return(std::unique_ptr<pqxx::connection> conn, bool broken) {
  std::lock_guard<std::mutex> lock(mu_);
  if (broken || !conn->is_open()) {
    --open_;
    // One dead connection usually means the server restarted and the idle
    // ones are dead too; drop them rather than fail on each in turn.
    if (broken) {
      open_ -= idle_.size();
      idle_.clear();
    }
  } else {
    idle_.push_back(std::move(conn));
  }
  ServeWaitersLocked();
}

void PgPool::ServeWaitersLocked() {
  while (!waiters_.empty() && (!idle_.empty() || open_ < options_.max_connections)) {
    Waiter* w = waiters_.front();
    waiters_.pop_front();
    if (!idle_.empty()) {
      w->conn = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;
      w->may_open = true;
    }
    w->cv.notify_one();
  }
}

}  // namespace cara::store
