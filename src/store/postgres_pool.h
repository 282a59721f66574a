// The PostgreSQL backend's connection pool. A pqxx connection is not
// thread-safe and libpqxx has no pool: each transaction borrows one
// connection, opened lazily up to a maximum; broken ones are replaced.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "common/status.h"
#include "store/backend.h"
#include "store/postgres_url.h"

namespace cara::store {

class PgPool {
 public:
  // A connection borrowed for one transaction; returned (or discarded when
  // marked broken) on destruction.
  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<pqxx::connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_) pool_->Return(std::move(conn_), broken_);
    }
    pqxx::connection& operator*() { return *conn_; }
    void MarkBroken() { broken_ = true; }

   private:
    PgPool* pool_;
    std::unique_ptr<pqxx::connection> conn_;
    bool broken_ = false;
  };

  PgPool(const std::string& url, const PostgresOptions& options);

  const SecretScrubber& scrub() const { return scrub_; }

  // First come, first served: while anyone waits, a returned connection goes
  // to the longest waiter, never to a caller that just arrived. (With a plain
  // notify_one, newcomers won most races for it, and under wrk some requests
  // waited over a second for a connection: tests/bench, api step.)
  Result<Lease> Acquire();

 private:
  // A caller waiting in Acquire, on its own stack.
  struct Waiter {
    std::condition_variable cv;
    std::unique_ptr<pqxx::connection> conn;  // handed over
    bool may_open = false;                   // or: open one, it is counted
  };

  Result<std::unique_ptr<pqxx::connection>> Connect();
  void Return(std::unique_ptr<pqxx::connection> conn, bool broken);
  // Hands idle connections, then room for new ones, to waiters in order.
  void ServeWaitersLocked();

  const std::string url_;
  const std::string redacted_;
  const SecretScrubber scrub_;
  const PostgresOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;  // guarded by mu_
  std::deque<Waiter*> waiters_;                          // guarded by mu_, oldest first
  size_t open_ = 0;                                      // guarded by mu_
};

}  // namespace cara::store
