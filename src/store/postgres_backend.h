// The PostgreSQL backend (libpqxx 6.x), for production and for several
// cara-server replicas sharing one database. A pool of connections (a pqxx
// connection is not thread-safe), READ COMMITTED transactions with row locks
// (SELECT ... FOR UPDATE) for read-modify-write, revisions from a sequence.
// Change events (LISTEN/NOTIFY on "cara_events") and the leader lease (a
// session advisory lock) each use one more connection outside the pool.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "common/status.h"
#include "store/backend.h"

namespace cara::store {

struct PostgresOptions {
  // Connections, opened lazily; broken ones are replaced.
  size_t max_connections = 12;
  // How long a caller waits for a free connection before Unavailable.
  std::chrono::milliseconds acquire_timeout{30000};
  // Attempts of a write transaction that hit a serialization failure, a
  // deadlock or a lost connection.
  int max_write_attempts = 5;
  // libpq connect_timeout, added to the URL unless it sets one.
  int connect_timeout_seconds = 5;
};

// Like OpenPostgresBackend(url) in backend.h, with explicit tuning. Connects
// once to fail fast on a bad URL or an unreachable server.
Result<std::unique_ptr<Backend>> OpenPostgresBackend(const std::string& url,
                                                     const PostgresOptions& options);

// The URL with any password replaced by "***", for logs and error messages.
std::string RedactDatabaseUrl(const std::string& url);

}  // namespace cara::store
