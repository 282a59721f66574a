// The embedded SQLite backend (the default store). One writer connection,
// serialized by a mutex in this process and by BEGIN IMMEDIATE across
// processes, plus a pool of reader connections: in WAL mode readers never wait
// for the writer or for each other. synchronous=FULL, so a write is durable
// once Write() has returned OK.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "common/status.h"
#include "store/backend.h"

namespace cara::store {

struct SqliteOptions {
  // Reader connections, opened lazily; a reader beyond this waits for one.
  size_t max_readers = 8;
  // How long a statement waits for a lock held by another process.
  std::chrono::milliseconds busy_timeout{5000};
  // Attempts of a write transaction whose BEGIN or statements hit a lock.
  int max_write_attempts = 3;
  // The database's directory holds nothing but the store (cara-server's
  // --data-dir): an existing one is made 0700 too. A directory the backend
  // creates is always 0700; the database files are always 0600.
  bool private_directory = false;
};

// Like OpenSqliteBackend(path) in backend.h, with explicit tuning.
Result<std::unique_ptr<Backend>> OpenSqliteBackend(const std::string& path,
                                                   const SqliteOptions& options);

}  // namespace cara::store
