#include "store/sqlite_connection.h"

namespace cara::store {

bool IsSqliteUnavailable(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_READONLY:
    case SQLITE_NOMEM:
      return true;
    default:
      return false;
  }
}

bool IsSqliteTransient(int rc) {
  return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

Status SqliteStatus(sqlite3* db, int rc, const std::string& what) {
  std::string msg = "sqlite: " + what + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  return IsSqliteUnavailable(rc) ? Status::Unavailable(msg) : Status::Internal(msg);
}

SqliteConn::~SqliteConn() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Result<SqliteStmt> SqliteConn::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return SqliteStmt(it->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(db_, rc, "prepare");
  cache_.emplace(sql, stmt);
  return SqliteStmt(stmt);
}

Status SqliteConn::Run(const std::string& sql, int* rc) {
  auto stmt = Prepare(sql);
  if (!stmt.ok()) {
    *rc = SQLITE_ERROR;
    return stmt.status();
  }
  *rc = stmt->Step();
  if (*rc == SQLITE_DONE || *rc == SQLITE_ROW) {
    *rc = SQLITE_OK;
    return Status::Ok();
  }
  return SqliteStatus(db_, *rc, sql);
}

Status SqliteConn::Exec(const char* sql, const std::string& what) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::Ok() : SqliteStatus(db_, rc, what);
}

Result<std::unique_ptr<SqliteConn>> SqliteConn::Open(const std::string& path,
                                                     const SqliteOptions& options, bool reader) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status st = Status::Unavailable("sqlite: open " + path + ": " +
                                    (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close(db);
    return st;
  }
  std::unique_ptr<SqliteConn> conn(new SqliteConn(db));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  // FULL: a commit is on disk before it is acknowledged (NORMAL may lose the
  // last transactions on power loss in WAL mode).
  CARA_RETURN_IF_ERROR(conn->Exec("PRAGMA synchronous=FULL", "set synchronous"));
  if (reader) CARA_RETURN_IF_ERROR(conn->Exec("PRAGMA query_only=1", "set query_only"));
  return conn;
}

}  // namespace cara::store
