// One SQLite connection with its cached prepared statements, and what
// SQLite's result codes mean for the store.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

#include "common/status.h"
#include "store/backend.h"

namespace cara::store {

// Errors that mean "the database cannot be used right now" rather than a bug.
bool IsSqliteUnavailable(int rc);

// Only lock contention is worth retrying: the other writer will finish.
bool IsSqliteTransient(int rc);

Status SqliteStatus(sqlite3* db, int rc, const std::string& what);

// A cached statement in use. Resetting it on scope exit ends its implicit
// read transaction, so an idle reader never pins an old WAL snapshot.
class SqliteStmt {
 public:
  explicit SqliteStmt(sqlite3_stmt* stmt) : stmt_(stmt) {}
  SqliteStmt(SqliteStmt&& other) noexcept
      : stmt_(std::exchange(other.stmt_, nullptr)), bind_rc_(other.bind_rc_) {}
  SqliteStmt& operator=(SqliteStmt&&) = delete;
  ~SqliteStmt() {
    if (stmt_ == nullptr) return;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  void Bind(int index, const std::string& value) {
    Check(sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                            SQLITE_TRANSIENT));
  }
  void Bind(int index, int64_t value) { Check(sqlite3_bind_int64(stmt_, index, value)); }

  // SQLITE_ROW, SQLITE_DONE or an error code (a failed bind reports here).
  int Step() { return bind_rc_ != SQLITE_OK ? bind_rc_ : sqlite3_step(stmt_); }

  std::string Text(int col) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p ? std::string(p, sqlite3_column_bytes(stmt_, col)) : std::string();
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  void Check(int rc) {
    if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }

  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

// One sqlite3 handle with its prepared statements. Used by one thread at a
// time (the pool or the writer mutex guarantees it), hence SQLITE_OPEN_NOMUTEX.
class SqliteConn {
 public:
  // A reader connection is query_only.
  static Result<std::unique_ptr<SqliteConn>> Open(const std::string& path,
                                                  const SqliteOptions& options, bool reader);
  ~SqliteConn();
  SqliteConn(const SqliteConn&) = delete;
  SqliteConn& operator=(const SqliteConn&) = delete;

  sqlite3* db() const { return db_; }

  // Prepares once per connection; later calls reuse the statement.
  Result<SqliteStmt> Prepare(const std::string& sql);

  // Runs a statement that returns no rows; *rc gets SQLite's code.
  Status Run(const std::string& sql, int* rc);

  // Uncached, possibly several statements (migrations, pragmas).
  Status Exec(const char* sql, const std::string& what);

 private:
  explicit SqliteConn(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace cara::store
